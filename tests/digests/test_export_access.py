"""Who may export, and the entry points: download URL, admin action and button, command."""

import io
import zipfile
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse

from digests.export_admin import DigestExportAdminMixin
from digests.models import WeeklyDigest
from tests.conftest import REFERENCE_PATH

pytestmark = pytest.mark.django_db

FILENAME = "见政巫溪这一周-2024-12-15.txt"


def make_staff(*codenames: str) -> User:
    user = User.objects.create_user(
        username=f"staff{User.objects.count()}", password="pw", is_staff=True
    )
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return User.objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def exporter():
    return make_staff("view_weeklydigest", "export_weeklydigest")


@pytest.fixture
def editor():
    return make_staff("view_weeklydigest", "change_weeklydigest", "export_weeklydigest")


def export_url(digest_or_pk, fmt="txt") -> str:
    pk = getattr(digest_or_pk, "pk", digest_or_pk)
    return reverse("digests:export", kwargs={"pk": pk, "fmt": fmt})


def make_draft(digest):
    WeeklyDigest.objects.filter(pk=digest.pk).update(status=WeeklyDigest.Status.DRAFT)
    return WeeklyDigest.objects.get(pk=digest.pk)


# -- download URL --------------------------------------------------------------------


def test_anonymous_users_are_sent_to_login(client, reference_digest):
    response = client.get(export_url(reference_digest))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_the_export_permission_get_403(client, reference_digest):
    client.force_login(make_staff("view_weeklydigest", "change_weeklydigest"))
    assert client.get(export_url(reference_digest)).status_code == 403


def test_non_staff_with_the_permission_get_403(client, reference_digest, exporter):
    User.objects.filter(pk=exporter.pk).update(is_staff=False)
    client.force_login(exporter)
    assert client.get(export_url(reference_digest)).status_code == 403


def test_exporter_downloads_with_an_rfc5987_chinese_file_name(
    client, reference_digest, exporter
):
    client.force_login(exporter)
    response = client.get(export_url(reference_digest))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote(FILENAME)}" in disposition
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == REFERENCE_PATH.read_bytes()


@pytest.mark.parametrize("fmt", ["docx", "html", "json"])
def test_each_format_downloads(client, reference_digest, exporter, fmt):
    client.force_login(exporter)
    response = client.get(export_url(reference_digest, fmt))
    assert response.status_code == 200
    assert f".{fmt}" in response["Content-Disposition"]


def test_unknown_digest_or_format_is_404(client, reference_digest, exporter):
    client.force_login(exporter)
    assert client.get(export_url(reference_digest.pk + 100)).status_code == 404
    assert client.get(export_url(reference_digest, "rtf")).status_code == 404


def test_drafts_are_exported_only_by_editors_and_say_so(
    client, reference_digest, exporter, editor
):
    draft = make_draft(reference_digest)
    client.force_login(exporter)
    assert client.get(export_url(draft)).status_code == 403
    client.force_login(editor)
    response = client.get(export_url(draft))
    assert response.status_code == 200
    assert quote("-草稿.txt") in response["Content-Disposition"]
    assert b"".join(response.streaming_content).decode().startswith("【草稿】")


# -- admin mixin (on a throwaway ModelAdmin; the real one is wired by the lead) -------


class ExportOnlyAdmin(DigestExportAdminMixin, admin.ModelAdmin):
    actions = []


@pytest.fixture
def model_admin():
    return ExportOnlyAdmin(WeeklyDigest, admin.AdminSite(name="admin"))


def admin_request(user, method="get", data=None):
    factory = RequestFactory()
    url = reverse("admin:digests_weeklydigest_changelist")
    request = getattr(factory, method)(url, data or {})
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    request._dont_enforce_csrf_checks = True
    return request


def test_the_action_is_offered_only_to_exporters(model_admin, exporter):
    assert "export_digests" in model_admin.get_actions(admin_request(exporter))
    viewer = make_staff("view_weeklydigest", "change_weeklydigest")
    assert "export_digests" not in model_admin.get_actions(admin_request(viewer))


def test_the_action_asks_for_formats_then_returns_one_zip(
    model_admin, reference_digest, editor
):
    selection = {"action": "export_digests", "_selected_action": [reference_digest.pk]}
    page = model_admin.changelist_view(
        admin_request(editor, "post", selection | {"index": 0})
    )
    page.render()
    html = page.content.decode()
    assert 'name="export_format" value="pdf"' in html
    assert 'name="export_confirmed"' in html

    confirmed = selection | {"export_confirmed": "1", "export_format": ["txt", "json"]}
    response = model_admin.changelist_view(admin_request(editor, "post", confirmed))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        assert archive.namelist() == [FILENAME, FILENAME.replace(".txt", ".json")]


def test_the_action_refuses_drafts_to_non_editors(
    model_admin, reference_digest, exporter
):
    make_draft(reference_digest)
    data = {
        "action": "export_digests",
        "_selected_action": [reference_digest.pk],
        "export_confirmed": "1",
        "export_format": ["txt"],
    }
    request = admin_request(exporter, "post", data)
    response = model_admin.changelist_view(request)
    assert response.status_code == 302  # back to the list, with the reason
    assert "只有编辑可以导出" in " ".join(str(m) for m in request._messages)


def test_change_page_has_a_download_button_per_format(
    model_admin, reference_digest, editor
):
    response = model_admin.change_view(admin_request(editor), str(reference_digest.pk))
    response.render()
    html = response.content.decode()
    for fmt in ("docx", "pdf", "html", "txt", "json"):
        assert f'href="{export_url(reference_digest, fmt)}"' in html
    assert "导出 Word 文档" in html


# -- command -------------------------------------------------------------------------


def test_command_exports_by_date_and_by_id(reference_digest, tmp_path):
    out = io.StringIO()
    target = tmp_path / "week.txt"
    call_command(
        "export_digest", "2024-12-15", "--format", "txt", "--output", target, stdout=out
    )
    assert target.read_bytes() == REFERENCE_PATH.read_bytes()
    assert "已导出" in out.getvalue()
    call_command(
        "export_digest",
        str(reference_digest.pk),
        "--format=json",
        f"--output={tmp_path}",
        stdout=io.StringIO(),
    )
    assert (tmp_path / "见政巫溪这一周-2024-12-15.json").exists()


def test_command_does_not_overwrite_without_force(reference_digest, tmp_path):
    target = tmp_path / "week.txt"
    target.write_text("keep me")
    with pytest.raises(CommandError, match="已存在;加 --force 覆盖"):
        call_command(
            "export_digest", "2024-12-15", "--format=txt", f"--output={target}"
        )
    assert target.read_text() == "keep me"
    call_command(
        "export_digest",
        "2024-12-15",
        "--format=txt",
        f"--output={target}",
        "--force",
        stdout=io.StringIO(),
    )
    assert target.read_bytes() == REFERENCE_PATH.read_bytes()


@pytest.mark.parametrize(
    ("reference", "message"),
    [("2030-01-06", "没有每周要闻"), ("999", "没有编号为 999"), ("上周", "无法识别")],
)
def test_command_refuses_an_unknown_digest(reference_digest, reference, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_digest", reference, "--format=txt")


def test_command_exit_code_is_not_zero_for_an_unknown_digest(db, capsys):
    from digests.management.commands.export_digest import Command

    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(
            ["manage.py", "export_digest", "2030-01-06", "--format=txt"]
        )
    assert exit_info.value.code != 0
    assert "2030-01-06 没有每周要闻" in capsys.readouterr().err


def test_exporter_with_view_only_access_sees_the_buttons_in_the_real_admin(
    client, reference_digest
):
    from tests.factories import make_user

    client.force_login(make_user(roles=("导出",)))
    response = client.get(
        reverse("admin:digests_weeklydigest_change", args=[reference_digest.pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    for fmt in ("docx", "pdf", "html", "txt", "json"):
        assert f'href="{export_url(reference_digest, fmt)}"' in html
    changelist = client.get(reverse("admin:digests_weeklydigest_changelist"))
    assert "export_digests" in changelist.content.decode()


def test_a_signer_who_may_publish_but_not_change_digests_exports_drafts(
    client, reference_digest
):
    draft = make_draft(reference_digest)
    client.force_login(make_staff("export_weeklydigest", "publish_weeklydigest"))
    assert client.get(export_url(draft)).status_code == 200
    assert client.get(draft.get_absolute_url()).status_code == 200
