"""Columns are the 总编's: an upload creates the columns its pages name only for those
who may add columns (the command line is the operator's); anyone else's pages go to the
column chosen, or 巫溪要闻, and the report says so."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article, Column
from articles.services import ensure_column_path
from tests.conftest import FIXTURES
from tests.factories import make_column, make_user

pytestmark = pytest.mark.django_db

PAGES = FIXTURES / "pages"
ADD = reverse("admin:digests_pageimport_add")
PAGE = (PAGES / "bare_date_2024-06-02.txt").read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {
        **settings.TASKS,
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    }


def page_in(breadcrumb: str) -> bytes:
    return PAGE.replace("当前位置:首页 > 巫溪要闻", breadcrumb, 1).encode()


def upload(client, raw: bytes, **fields):
    data = {"upload": SimpleUploadedFile("page.txt", raw)} | fields
    return client.post(ADD, data, follow=True)


@pytest.fixture
def default_column():
    return make_column(name="巫溪要闻", slug="wxyw")


@pytest.fixture
def subeditor(client):
    client.force_login(make_user(roles=("编辑",), username="subeditor"))
    return client


class TestOnlyTheChiefCreatesColumns:
    def test_an_editor_s_page_goes_to_the_default_column_with_a_warning(
        self, subeditor, default_column
    ):
        response = upload(subeditor, page_in("当前位置:首页 > 编辑私建栏目"))
        assert not Column.objects.filter(name="编辑私建栏目").exists()
        article = Article.objects.get()
        assert article.column == default_column
        warning = "栏目“编辑私建栏目”不存在,你没有新建栏目的权限,放入“巫溪要闻”"
        assert warning in response.content.decode()

    def test_a_script_in_the_breadcrumb_creates_nothing(
        self, subeditor, default_column
    ):
        upload(subeditor, page_in("当前位置:首页 > <script>alert(1)</script>"))
        assert list(Column.objects.all()) == [default_column]
        assert Article.objects.get().column == default_column

    def test_the_column_chosen_on_the_form_is_used(self, subeditor, default_column):
        chosen = make_column(name="专题专栏", slug="ztzl")
        upload(subeditor, page_in("当前位置:首页 > 编辑私建栏目"), column=chosen.pk)
        assert Article.objects.get().column == chosen
        assert Column.objects.count() == 2

    def test_an_existing_column_named_by_the_page_is_used(
        self, subeditor, default_column
    ):
        existing = ensure_column_path(names=["投资发展", "招商信息"])
        upload(subeditor, page_in("当前位置:首页 > 投资发展 > 招商信息"))
        assert Article.objects.get().column == existing

    def test_without_a_default_column_the_page_is_refused_with_the_reason(
        self, subeditor
    ):
        response = upload(subeditor, page_in("当前位置:首页 > 编辑私建栏目"))
        assert Column.objects.count() == 0 and Article.objects.count() == 0
        content = response.content.decode()
        assert "拒绝 page.txt" in content
        assert "你没有新建栏目的权限" in content

    def test_whoever_may_add_columns_creates_them(self, client, default_column):
        client.force_login(make_user(roles=(), superuser=True))
        upload(client, page_in("当前位置:首页 > 专题专栏"))
        assert Article.objects.get().column.name == "专题专栏"

    def test_the_command_line_is_the_operator_s_and_creates_them(self, tmp_path):
        path = tmp_path / "page.txt"
        path.write_bytes(page_in("当前位置:首页 > 专题专栏"))
        call_command("import_pages", str(path), stdout=io.StringIO())
        assert Article.objects.get().column.name == "专题专栏"


def test_a_page_an_editor_imported_is_found_again_by_whoever_imports_it_next(
    client, default_column
):
    """The editor's copy went to 巫溪要闻; the 总编's import of the same page (which
    creates the named column) finds it there instead of making a second article."""
    raw = page_in("当前位置:首页 > 编辑私建栏目")
    client.force_login(make_user(roles=("编辑",)))
    upload(client, raw)
    client.force_login(make_user(roles=(), superuser=True))  # may add columns
    response = upload(client, raw)
    article = Article.objects.get()  # one article, still where it was
    assert article.column == default_column
    assert "未变" in response.content.decode()


def test_the_report_names_the_column_the_article_went_to(subeditor, default_column):
    from digests.importing import import_file

    report = import_file(
        name="page.txt",
        raw=page_in("当前位置:首页 > 编辑私建栏目"),
        by=subeditor_user(),
        add_columns=False,
    )
    assert "(栏目 巫溪要闻," in report.summary
    assert "编辑私建栏目" not in report.summary


def subeditor_user():
    return make_user(roles=("编辑",))


def test_a_file_named_zip_that_is_not_one_is_refused_as_such(subeditor, default_column):
    raw = b"Rar!\x1a\x07\x00" + b"x" * 100
    data = {"upload": SimpleUploadedFile("旧网站.zip", raw)}
    response = subeditor.post(ADD, data, follow=True)
    assert "不是有效的 ZIP 压缩包" in response.content.decode()
    assert not Article.objects.exists()


def test_the_import_page_lists_a_bounded_number_of_lines(
    subeditor, default_column, monkeypatch
):
    """However long the pages, the page shows LINES_SHOWN lines in all, cut short;
    the JSON report keeps every line."""
    from digests import import_admin
    from digests.models import PageImport

    monkeypatch.setattr(import_admin, "LINES_SHOWN", 3)
    monkeypatch.setattr(import_admin, "LINE_CHARS", 5)
    upload(subeditor, page_in("当前位置:首页 > 巫溪要闻"))
    page_import = PageImport.objects.get()
    html = subeditor.get(
        reverse("admin:digests_pageimport_change", args=[page_import.pk])
    ).content.decode()
    table = html[html.index("<summary>逐行去向") :]
    table = table[: table.index("</table>")]
    assert table.count("<tr><td>") == 3
    assert "此处只列出前 3 行" in html
    report = subeditor.get(
        reverse("admin:digests_pageimport_report", args=[page_import.pk])
    )
    lines = json.loads(b"".join(report.streaming_content))["files"][0]["lines"]
    assert len(lines) > 3


def test_the_upload_says_what_became_of_its_pages(subeditor, default_column):
    refused = subeditor.post(
        ADD,
        {"upload": SimpleUploadedFile("旧网站.zip", b"Rar!\x1a\x07\x00")},
        follow=True,
    ).content.decode()
    assert "成功添加了" not in refused
    assert "导入完成:拒绝 1 个" in refused and 'class="warning"' in refused
    imported = upload(subeditor, page_in("当前位置:首页 > 巫溪要闻")).content.decode()
    assert "导入完成:已导入 1 个" in imported and 'class="success"' in imported
