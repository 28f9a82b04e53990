"""The admin's upload of old pages (a file or a ZIP) and its reports.

Every view of it requires “可以导入旧网站页面” (digests.import_pages: 编辑 and
superusers).
"""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django_tasks_db.models import DBTaskResult

from .forms import PageImportForm
from .importing import (
    STATUS_LABELS,
    fail_interrupted_imports,
    file_reports,
    may_add_columns,
    may_publish_imports,
)
from .models import PageImport
from .tasks import start_page_import

IMPORT_PERMISSION = "digests.import_pages"

# django-tasks-db's own admin of task results is English only; an import's page shows
# its state (排队中, 导入中, 已完成) and its report instead.
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)


@admin.register(PageImport)
class PageImportAdmin(admin.ModelAdmin):
    form = PageImportForm
    list_display = ["original_name", "status", "summary", "created_by", "created_at"]
    list_filter = ["status", "is_dry_run"]
    search_fields = ["original_name"]
    date_hierarchy = "created_at"
    list_select_related = ["created_by"]
    change_form_template = "admin/digests/pageimport/change_form.html"

    def _may_import(self, request) -> bool:
        return (
            request.user.is_active
            and request.user.is_staff
            and (request.user.has_perm(IMPORT_PERMISSION))
        )

    def has_module_permission(self, request):
        return self._may_import(request)

    def has_view_permission(self, request, obj=None):
        return self._may_import(request)

    def has_add_permission(self, request):
        return self._may_import(request)

    def has_change_permission(self, request, obj=None):
        return False  # a report is what happened; import again instead

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["original_name", "status", "files_done", "column", "is_update",
                "is_forced", "is_dry_run", "created_by", "created_at",
                "finished_at"]  # fmt: skip

    def get_fields(self, request, obj=None):
        if obj is None:
            if not may_publish_imports(request.user):
                # Their imports are drafts that leave published items alone.
                return ["upload", "column", "is_dry_run"]
            return ["upload", "column", "is_update", "is_forced", "is_dry_run"]
        return self.get_readonly_fields(request, obj)

    def changelist_view(self, request, extra_context=None):
        fail_interrupted_imports()
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        fail_interrupted_imports()
        page_import = self.get_object(request, object_id)
        if page_import is not None:
            # The files `report` keeps, now with every line from the report file.
            shown = len(page_import.report.get("files", []))
            count = page_import.report.get("file_count", shown)
            extra_context = (extra_context or {}) | {
                "report_files": shown_lines(file_reports(page_import, limit=shown)),
                "shown_files": shown if count > shown else 0,
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        if request.method == "GET" and not may_publish_imports(request.user):
            messages.info(
                request,
                "你没有终审发布权限:导入的稿件和每周要闻都是草稿,须经三审后发布;"
                "已发布的稿件和每周要闻不会被导入改动。",
            )
        if request.method == "GET" and not may_add_columns(request.user):
            messages.info(
                request,
                "你没有新建栏目的权限:页面的栏目不存在时,稿件放入你选择的栏目,"
                "没有选择则放入“巫溪要闻”,报告中会注明。",
            )
        return super().add_view(request, form_url, extra_context)

    @admin.display(description="结果")
    def summary(self, page_import):
        counts = page_import.report.get("counts")
        if not counts:
            return page_import.report.get("error", "—")
        return "、".join(f"{label} {n}" for label, n in counts.items() if n)

    def save_model(self, request, obj, form, change):
        obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        # Not Django's green “成功添加了”: an upload whose pages were all refused is
        # no success. The message says what became of the pages.
        if start_page_import(page_import=obj, by=request.user):
            messages.info(
                request,
                "文件较多,已交给后台导入(需运行 db_worker)。稍后刷新本页查看报告。",
            )
        else:
            obj.refresh_from_db()
            announce_import(request, obj)
        return self._redirect_to_report(obj)

    def response_post_save_add(self, request, obj):
        return self._redirect_to_report(obj)

    def _redirect_to_report(self, obj):
        return redirect("admin:digests_pageimport_change", obj.pk)

    def get_urls(self):
        report = self.admin_site.admin_view(self.report_json_view)
        return [
            path("<int:pk>/report.json", report, name="digests_pageimport_report"),
            *super().get_urls(),
        ]

    def report_json_view(self, request, pk):
        if not self._may_import(request):
            raise PermissionDenied
        page_import = get_object_or_404(PageImport, pk=pk)
        response = StreamingHttpResponse(
            _report_json(page_import), content_type="application/json; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="import-report-{page_import.pk}.json"'
        )
        return response


def _report_json(page_import: PageImport):
    """The whole report as one JSON document, a file at a time (it can be large)."""
    head = {k: v for k, v in page_import.report.items() if k != "files"}
    opening = json.dumps(head, ensure_ascii=False, indent=2)[:-1].rstrip()
    yield opening + ("," if head else "") + '\n  "files": ['
    files = file_reports(page_import)
    for number, data in enumerate(files):
        yield ("," if number else "") + "\n" + json.dumps(data, ensure_ascii=False)
    yield "\n  ]\n}\n"


# The page shows this many lines in all, each cut short: its size must not grow with
# the pages' (a ZIP of long pages made a 240 MB page); the JSON report has every line.
LINES_SHOWN = 2000
LINE_CHARS = 200


def shown_lines(files) -> list[dict]:
    """The files' reports with at most LINES_SHOWN lines in all, each cut short."""
    budget, shown = LINES_SHOWN, []
    for file in files:
        lines = file.get("lines") or []
        kept = [
            line | {"text": line.get("text", "")[:LINE_CHARS]}
            for line in lines[: max(budget, 0)]
        ]
        budget -= len(kept)
        shown.append(
            file
            | {
                "lines": kept,
                "line_count": len(lines),
                "more_lines": len(lines) - len(kept),
            }
        )
    return shown


def announce_import(request, page_import: PageImport) -> None:
    """What became of the upload's pages, as a success only if none was refused."""
    report = page_import.report
    if page_import.status == PageImport.Status.FAILED:
        reason = report.get("error") or "原因见下面的报告。"
        messages.error(request, "导入失败:" + reason)
        return
    counts = report.get("counts", {})
    summary = "、".join(
        f"{label} {counts.get(label, 0)} 个"
        for label in STATUS_LABELS.values()
        if counts.get(label)
    )
    prefix = "试运行完成(没有写入任何内容)" if page_import.is_dry_run else "导入完成"
    text = f"{prefix}:{summary or '没有页面'}。详见下面的报告。"
    if counts.get("拒绝"):
        messages.warning(request, text)
    else:
        messages.success(request, text)
