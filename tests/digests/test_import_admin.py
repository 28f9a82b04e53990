"""The admin's upload of old pages: permission on every view, the same report as the
command, ZIPs read safely, large uploads left to the background task."""

import io
import json
import zipfile

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles.models import Article
from digests.archive import read_archive
from digests.models import PageImport
from tests.conftest import FIXTURES, REFERENCE_PATH
from tests.factories import make_column, make_user

pytestmark = pytest.mark.django_db

PAGES = FIXTURES / "pages"
ADD = reverse("admin:digests_pageimport_add")
CHANGELIST = reverse("admin:digests_pageimport_changelist")


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {
        **settings.TASKS,
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    }


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def upload(client, name: str, raw: bytes, **fields):
    data = {"upload": SimpleUploadedFile(name, raw)} | fields
    return client.post(ADD, data, follow=True)


@pytest.fixture(autouse=True)
def default_column():
    """巫溪要闻, where pages go whose column an editor may not create."""
    return make_column(name="巫溪要闻", slug="wxyw")


@pytest.fixture
def editor_client(client):
    client.force_login(make_user(roles=("编辑",)))
    return client


class TestPermission:
    @pytest.mark.parametrize("roles", [("记者",), ("审核",), ("终审",), ("导出",)])
    def test_only_holders_of_the_import_permission_reach_any_view(self, client, roles):
        client.force_login(make_user(roles=roles))
        page_import = PageImport.objects.create(original_name="a.txt", upload="x.txt")
        for url in (
            CHANGELIST,
            ADD,
            reverse("admin:digests_pageimport_change", args=[page_import.pk]),
            reverse("admin:digests_pageimport_report", args=[page_import.pk]),
        ):
            assert client.get(url).status_code == 403, url
        response = client.post(ADD, {"upload": SimpleUploadedFile("a.txt", b"x")})
        assert response.status_code == 403
        assert Article.objects.count() == 0

    def test_editors_and_superusers_may(self, client):
        for user in (make_user(roles=("编辑",)), make_user(roles=(), superuser=True)):
            client.force_login(user)
            assert client.get(CHANGELIST).status_code == 200
            assert client.get(CHANGELIST, {"q": "页面"}).status_code == 200
            assert client.get(ADD).status_code == 200

    def test_the_permission_has_a_chinese_name_and_editors_hold_it(self):
        permission = Permission.objects.get(codename="import_pages")
        assert permission.name == "可以导入旧网站页面"
        assert permission in Group.objects.get(name="编辑").permissions.all()


class TestUpload:
    def test_a_page_is_imported_and_its_report_shown(self, editor_client):
        raw = (PAGES / "rmt_kanfa_staff_2024-03-18.txt").read_bytes()
        response = upload(editor_client, "page.txt", raw)
        content = response.content.decode()
        assert "导入报告" in content and "已导入 page.txt" in content
        assert "逐行去向" in content and "编辑人员署名" in content
        assert Article.objects.get().headline == "我县启动春季植树造林行动"
        page_import = PageImport.objects.get()
        assert page_import.status == PageImport.Status.DONE
        assert page_import.created_by.username.startswith("user")

    def test_the_json_report_can_be_downloaded(self, editor_client):
        upload(
            editor_client, "page.txt", (PAGES / "bare_date_2024-06-02.txt").read_bytes()
        )
        page_import = PageImport.objects.get()
        response = editor_client.get(
            reverse("admin:digests_pageimport_report", args=[page_import.pk])
        )
        data = json.loads(b"".join(response.streaming_content))
        assert data["counts"]["已导入"] == 1
        [file] = data["files"]
        assert file["lines"][0]["text"] == "当前位置:首页 > 巫溪要闻"

    def test_a_zip_of_folders(self, editor_client):
        raw = zip_of({
            "2024/bare.txt": (PAGES / "bare_date_2024-06-02.txt").read_bytes(),
            "2020/招商.txt".encode().decode(): (PAGES / "zsxx_spaced_breadcrumb_2020-03-10.txt").read_bytes(),
            "ref.txt": REFERENCE_PATH.read_bytes(),
            "../../etc/evil.txt": b"x",
            "photo.jpg": b"\xff\xd8",
            "__MACOSX/._bare.txt": b"x",
        })  # fmt: skip
        upload(editor_client, "archive.zip", raw)
        report = PageImport.objects.get().report
        statuses = {f["name"]: f["status"] for f in report["files"]}
        assert statuses == {
            "../../etc/evil.txt": "refused",
            "2020/招商.txt": "imported",
            "2024/bare.txt": "imported",
            "photo.jpg": "refused",
            "ref.txt": "imported",
        }
        assert Article.objects.count() == 14

    def test_a_dry_run_writes_nothing(self, editor_client):
        upload(editor_client, "p.txt", (PAGES / "bare_date_2024-06-02.txt").read_bytes(),
               is_dry_run="on")  # fmt: skip
        assert Article.objects.count() == 0
        assert PageImport.objects.get().report["files"][0]["is_dry_run"]

    def test_a_wrong_file_type_is_refused_on_the_form(self, editor_client):
        response = upload(editor_client, "a.exe", b"MZ")
        assert "只能上传 .txt、.json 或 .zip 文件" in response.content.decode()
        assert PageImport.objects.count() == 0

    def test_a_large_upload_goes_to_the_background_task(self, editor_client, settings):
        settings.PAGE_IMPORT_BACKGROUND_FILES = 1
        raw = zip_of({
            "a.txt": (PAGES / "bare_date_2024-06-02.txt").read_bytes(),
            "b.txt": (PAGES / "wxyw_photo_first_2025-10-17.txt").read_bytes(),
        })  # fmt: skip
        response = upload(editor_client, "a.zip", raw)
        assert "已交给后台导入" in response.content.decode()
        # The immediate backend of the tests runs the task at once.
        assert PageImport.objects.get().status == PageImport.Status.DONE
        assert Article.objects.count() == 2


class TestArchive:
    def test_a_zip_bomb_is_refused_without_reading_it_whole(self):
        raw = zip_of({"bomb.txt": b"0" * (20 * 1024 * 1024)})
        [entry] = read_archive(raw)
        assert "解压后太大" in entry.refusal

    def test_a_damaged_zip_is_refused(self):
        with pytest.raises(ValueError, match="不是有效的 ZIP"):
            read_archive(b"PK\x03\x04garbage")

    def test_gbk_entry_names_from_windows_are_read(self):
        # Chinese Windows tools write GBK names without the UTF-8 flag.
        raw = zip_of({"XXXX.txt": "内容".encode()})
        raw = raw.replace(b"XXXX.txt", "要闻.txt".encode("gbk"))
        [entry] = read_archive(raw)
        assert entry.name == "要闻.txt"


class TestNothingPublicWithoutSignOff:
    """An upload goes public, or changes public items, only for those who sign off."""

    def test_an_editor_s_import_is_a_draft_for_review(self, editor_client):
        raw = (PAGES / "rmt_kanfa_staff_2024-03-18.txt").read_bytes()
        page = editor_client.get(ADD).content.decode()
        assert "须经三审后发布" in page
        assert 'name="is_update"' not in page and 'name="is_forced"' not in page
        upload(editor_client, "page.txt", raw, is_update="on", is_forced="on")
        article = Article.objects.get()
        assert article.status == Article.Status.DRAFT and not article.is_published

    def test_an_editor_s_import_leaves_a_published_article_as_it_is(
        self, editor_client, client
    ):
        raw = (PAGES / "rmt_kanfa_staff_2024-03-18.txt").read_bytes()
        signoff = make_user(roles=("编辑", "终审"))
        client.force_login(signoff)
        upload(client, "page.txt", raw)
        article = Article.objects.get()
        assert article.is_published
        body = article.body
        changed = raw.decode("utf-8").replace("植树造林", "植树造林(篡改)", 2).encode()
        upload(editor_client, "page.txt", changed, is_update="on", is_forced="on")
        article.refresh_from_db()
        assert article.is_published and article.body == body
        assert "篡改" not in article.headline
