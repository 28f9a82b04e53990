"""The admin site of the newsroom: the workbench home, notices, calendar, link report.

Every view here goes through `admin_view` (anonymous → login, non-staff → login) and
checks the permission its data needs; a person only ever reaches their own notices.
"""

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from articles.models import Notice

from . import calendar
from .models import CheckedLink
from .workbench import build_workbench, workbench_json

NOTICES_SHOWN = 50


def _is_site_path(target: str) -> bool:
    return target.startswith("/") and not target.startswith(("//", "/\\"))


class NewsAdminSite(admin.AdminSite):
    site_header = "巫溪要闻 编辑后台"
    site_title = "巫溪要闻 编辑后台"
    index_title = "工作台"

    def each_context(self, request):
        context = super().each_context(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_active and user.is_staff:
            # Called by the template only where the bell is drawn: one query.
            context["unread_notice_count"] = (
                Notice.objects.for_user(user).unread().count
            )
        return context

    def login(self, request, extra_context=None):
        # Django follows any `next` that names no other site, relative ones too: `.`,
        # `../..` or `%2F%2Fevil` would land under /admin/login/. Only a path of this
        # site is followed; anything else lands on the workbench.
        for method in ("GET", "POST"):
            data = getattr(request, method)
            target = data.get(REDIRECT_FIELD_NAME)
            if target is not None and not _is_site_path(target):
                data = data.copy()
                data.pop(REDIRECT_FIELD_NAME)
                setattr(request, method, data)
        return super().login(request, extra_context)

    def index(self, request, extra_context=None):
        panels = build_workbench(request.user)
        context = {
            **self.each_context(request),
            "title": self.index_title,
            "subtitle": None,
            "panels": panels,
            "app_list": self.get_app_list(request),
            "can_see_calendar": request.user.has_perm("articles.view_article"),
            **(extra_context or {}),
        }
        request.current_app = self.name
        return TemplateResponse(request, "admin/index.html", context)

    def get_urls(self):
        view = self.admin_view
        return [
            path("workbench.json", view(self.workbench_data), name="workbench_json"),
            path("calendar/", view(self.calendar_view), name="calendar"),
            path("links/", view(self.link_report), name="link_report"),
            path("notices/", view(self.notice_list), name="notices"),
            path("notices/<int:pk>/", view(self.notice_open), name="notice_open"),
            path(
                "notices/read-all/",
                view(require_POST(self.notices_read_all)),
                name="notices_read_all",
            ),
            *super().get_urls(),
        ]

    # --- Workbench data for a wall screen ---

    def workbench_data(self, request):
        data = workbench_json(build_workbench(request.user))
        data["generated_at"] = timezone.localtime().isoformat()
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
        return response

    # --- Notices ---

    def notice_list(self, request):
        notices = Notice.objects.for_user(request.user).newest_first()
        context = {
            **self.each_context(request),
            "title": "我的通知",
            "notices": notices.select_related("article")[:NOTICES_SHOWN],
        }
        return TemplateResponse(request, "admin/workbench/notice_list.html", context)

    def notice_open(self, request, pk):
        """Mark one of *my* notices read and go to its article (others' are 404)."""
        notice = get_object_or_404(Notice.objects.for_user(request.user), pk=pk)
        if notice.read_at is None:
            Notice.objects.filter(pk=notice.pk).update(read_at=timezone.now())
        return redirect(
            reverse("admin:articles_article_change", args=[notice.article_id])
        )

    def notices_read_all(self, request):
        Notice.objects.for_user(request.user).unread().update(read_at=timezone.now())
        return redirect("admin:notices")

    # --- Reports ---

    def link_report(self, request):
        if not request.user.has_perm("articles.view_article"):
            raise PermissionDenied
        links = CheckedLink.objects.exclude(outcome=CheckedLink.Outcome.OK)
        context = {
            **self.each_context(request),
            "title": "链接检查报告",
            "links": links.order_by("outcome", "page_url", "target"),
            "checked_count": CheckedLink.objects.count(),
        }
        return TemplateResponse(request, "admin/workbench/link_report.html", context)

    def calendar_view(self, request):
        if not request.user.has_perm("articles.view_article"):
            raise PermissionDenied
        context = {
            **self.each_context(request),
            "title": "编辑日历",
            **calendar.calendar_context(request.GET),
        }
        return TemplateResponse(request, "admin/workbench/calendar.html", context)
