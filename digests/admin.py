import time

import reversion
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from articles.editing import EditingAdminMixin
from wuxi_news.revisions import FinalStateVersionAdmin, revision
from wuxi_news.stale import STALE_STEP_MESSAGE, check_not_stale

from . import import_admin  # noqa: F401 (registers the upload of old pages)
from .checking import patrol_published
from .export_admin import DigestExportAdminMixin
from .forms import DigestItemFormSet, WeeklyDigestForm
from .models import Brief, DigestItem, WeeklyDigest
from .services import (
    briefs_outside_week,
    can_see_unpublished_digests,
    fill_digest,
    publish_digest,
    reorder_digest,
    unpublish_digest,
)

# A digest's revision includes its items and briefs.
for _model in (DigestItem, Brief):
    if not reversion.is_registered(_model):
        reversion.register(_model)
if not reversion.is_registered(WeeklyDigest):
    reversion.register(WeeklyDigest, follow=["items", "briefs"])


class DigestPartInline(admin.TabularInline):
    """Items and briefs follow their digest: whoever may change the digest changes
    them, and once it is published only its signer."""

    def _may(self, request, obj) -> bool:
        if obj is not None and obj.status == WeeklyDigest.Status.PUBLISHED:
            return request.user.has_perm("digests.publish_weeklydigest")
        return request.user.has_perm("digests.change_weeklydigest")

    def has_add_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, obj)


class DigestItemInline(DigestPartInline):
    model = DigestItem
    formset = DigestItemFormSet
    extra = 0
    autocomplete_fields = ["article"]
    fields = ["order", "article", "news_on", "is_lead"]
    readonly_fields = ["news_on"]
    ordering = ["order", "pk"]

    class Media:
        js = ["digests/sortable_items.js"]
        css = {"all": ["digests/admin.css"]}

    @admin.display(description="新闻日期")
    def news_on(self, item):
        return item.article.news_on if item.article_id else "—"


def reader_line(brief: Brief) -> str:
    """The brief's line as the public page prints it, or a dash while incomplete."""
    if brief.happened_on is None or not brief.text:
        return "—"
    return brief.document_line.page_line


class BriefInline(DigestPartInline):
    model = Brief
    extra = 0
    fields = ["order", "happened_on", "text", "reader_line"]
    readonly_fields = ["reader_line"]

    class Media:
        # Keeps 读者看到 current while the editor types (asks brief_line_view).
        js = ["digests/brief_lines.js"]

    @admin.display(description="读者看到")
    def reader_line(self, brief):
        return reader_line(brief)


@admin.register(WeeklyDigest)
class WeeklyDigestAdmin(
    DigestExportAdminMixin, EditingAdminMixin, FinalStateVersionAdmin
):
    form = WeeklyDigestForm
    lock_noun = "这一期每周要闻"
    list_display = ["title", "issued_on", "week", "column", "status", "published_at"]
    list_filter = ["status", "column", "issued_on"]
    search_fields = ["title", "items__article__headline"]
    list_select_related = ["column"]
    date_hierarchy = "issued_on"
    readonly_fields = ["status", "published_at"]
    inlines = [DigestItemInline, BriefInline]
    actions = ["fill_selected"]
    fieldsets = [
        (None, {"fields": ["title", "column"]}),
        ("本周", {"fields": [("week_starts_on", "week_ends_on", "issued_on")]}),
        ("状态", {"fields": [("status", "published_at"), "seen_updated_at"]}),
    ]

    @admin.display(description="收录范围")
    def week(self, digest):
        return f"{digest.week_starts_on:%m-%d} 至 {digest.week_ends_on:%m-%d}"

    def has_change_permission(self, request, obj=None):
        # A published digest is changed only by someone who may publish it.
        if obj is not None and obj.status == WeeklyDigest.Status.PUBLISHED:
            return request.user.has_perm("digests.publish_weeklydigest")
        return super().has_change_permission(request, obj)

    def has_publish_permission(self, request):
        return request.user.has_perm("digests.publish_weeklydigest")

    def read_only_reason(self, request, obj):
        if obj.status == WeeklyDigest.Status.PUBLISHED:
            return "这一期已发布,只有终审可以修改;需要修改请联系终审。"
        return "你只能查看每周要闻,不能修改。"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = (extra_context or {}) | {
            "can_publish": self.has_publish_permission(request),
            "can_preview": can_see_unpublished_digests(request.user),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, **kw):
        response = super().render_change_form(request, context, add, change, **kw)
        obj = context.get("original")
        if obj is not None and not (
            obj.is_published or can_see_unpublished_digests(request.user)
        ):
            response.context_data["has_absolute_url"] = False  # its page is a 404
        return response

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Saved as typed; publishing asks for confirmation of the same warnings.
        for warning in briefs_outside_week(digest=form.instance):
            messages.warning(request, warning)
        # 保存并填入本周稿件: fill after the typed rows are saved, in the same revision.
        if "_fill" in request.POST:
            added = fill_digest(digest=form.instance, user=request.user)
            self._announce_fill(request, form.instance, added, saved=True)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._comment_fill(request, entry)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._comment_fill(request, entry)
        return entry

    def _comment_fill(self, request, entry) -> None:
        if "_fill" in request.POST and reversion.is_active():
            reversion.set_comment(f"{entry.get_change_message()} 填入本周稿件。")

    def response_add(self, request, obj, post_url_continue=None):
        if "_fill" in request.POST:
            return redirect("admin:digests_weeklydigest_change", obj.pk)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_fill" in request.POST:
            return redirect("admin:digests_weeklydigest_change", obj.pk)
        # 发布 and 撤销发布 belong to the digest form: the edits are saved, now the step.
        if "_publish" in request.POST or "_unpublish" in request.POST:
            if not self.has_publish_permission(request):
                raise PermissionDenied
            messages.success(request, f"{obj}:修改已保存。")
            if "_publish" in request.POST:
                return self._publish(request, obj, confirmed=False)
            return self._unpublish(request, obj)
        return super().response_change(request, obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is not DigestItem:
            return super().save_formset(request, form, formset, change)
        digest = form.instance
        # No moment with two leads: clear, save the rows, then apply order and lead.
        digest.items.filter(is_lead=True).update(is_lead=False)
        super().save_formset(request, form, formset, change)
        rows = []
        for index, item_form in enumerate(formset.forms):
            data = getattr(item_form, "cleaned_data", None)
            if not data or data.get("DELETE") or item_form.instance.pk is None:
                continue
            rows.append((data.get("order") or 0, index, item_form.instance.pk, data))
        rows.sort(key=lambda row: row[:2])
        lead = next((row[2] for row in rows if row[3].get("is_lead")), None)
        ids = [row[2] for row in rows]
        # Items this page never showed (added by someone else meanwhile) keep their
        # place after the page's rows rather than failing the save.
        ids += (
            digest.items.exclude(pk__in=ids)
            .order_by("order", "pk")
            .values_list("pk", flat=True)
        )
        reorder_digest(digest=digest, item_ids=ids, lead_id=lead)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "brief-line/",
                wrap(self.brief_line_view),
                name="digests_weeklydigest_brief_line",
            ),
            path(
                "editorial-patrol/",
                wrap(self.patrol_view),
                name="editorial_patrol",
            ),
            path(
                "<path:object_id>/publish/",
                wrap(self.publish_view),
                name="digests_weeklydigest_publish",
            ),
            path(
                "<path:object_id>/unpublish/",
                wrap(self.unpublish_view),
                name="digests_weeklydigest_unpublish",
            ),
            *super().get_urls(),
        ]

    def _announce_fill(self, request, digest, added, *, saved=False) -> None:
        done = "已保存," if saved else ""
        if added:
            messages.success(
                request, f"{digest}:{done}新填入 {len(added)} 篇本周已发布的稿件。"
            )
        else:
            messages.info(request, f"{digest}:{done}没有可以新填入的本周已发布稿件。")

    def _fill(self, request, digest: WeeklyDigest) -> None:
        with revision(user=request.user, comment="填入本周稿件"):
            added = fill_digest(digest=digest, user=request.user)
        self._announce_fill(request, digest, added)

    def patrol_view(self, request):
        """The patrol (审核/终审): every public page checked on its own date."""
        if not any(
            request.user.has_perm(p)
            for p in ("articles.review_article", "articles.publish_article")
        ):
            raise PermissionDenied
        reports, seconds = None, None
        if request.GET.get("run"):
            started = time.perf_counter()
            reports = patrol_published()
            seconds = time.perf_counter() - started
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "已发布内容校对巡查",
            "reports": reports,
            "seconds": seconds,
        }
        return TemplateResponse(request, "admin/digests/editorial_patrol.html", context)

    def brief_line_view(self, request):
        """读者看到 for a brief being typed: the line, or why it would be refused."""
        if not (
            self.has_add_permission(request) or self.has_change_permission(request)
        ):
            raise PermissionDenied
        date_field = Brief._meta.get_field("happened_on").formfield()
        try:
            happened_on = date_field.clean(request.GET.get("happened_on", ""))
        except ValidationError:
            happened_on = None
        brief = Brief(happened_on=happened_on, text=request.GET.get("text", ""))
        try:
            brief.clean()
        except ValidationError as error:
            return JsonResponse({"error": " ".join(error.messages)})
        return JsonResponse({"line": reader_line(brief)})

    @admin.action(description="填入本周已发布的稿件", permissions=["change"])
    def fill_selected(self, request, queryset):
        for digest in queryset:
            if self.has_change_permission(request, digest):
                self._fill(request, digest)
            else:
                messages.error(request, f"{digest}:已发布,只有终审人员可以修改。")

    @method_decorator(require_POST)
    def publish_view(self, request, object_id):
        """Publish after the checks; warnings ask for confirmation on a page of their own."""
        digest = get_object_or_404(WeeklyDigest, pk=unquote(object_id))
        if not self.has_publish_permission(request):
            raise PermissionDenied
        with transaction.atomic():  # the row stays locked from the check to the step
            if refused := self._stale_step(request, digest):
                return refused
            return self._publish(
                request, digest, confirmed=request.POST.get("confirmed") == "1"
            )

    def _stale_step(self, request, digest: WeeklyDigest):
        """Nobody publishes or takes down a version they were not shown: a step from a
        page opened before someone else's save is refused, naming them."""
        try:
            check_not_stale(
                obj=digest,
                seen=request.POST.get("seen_updated_at"),
                message=STALE_STEP_MESSAGE,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("admin:digests_weeklydigest_change", digest.pk)
        return None

    def _publish(self, request, digest: WeeklyDigest, *, confirmed: bool):
        back = reverse("admin:digests_weeklydigest_change", args=[digest.pk])
        with revision(user=request.user, comment="发布"):
            check = publish_digest(
                digest=digest, user=request.user, confirmed=confirmed
            )
        if check.errors:
            for error in check.errors:
                messages.error(request, error)
            return redirect(back)
        if digest.status != WeeklyDigest.Status.PUBLISHED:
            return TemplateResponse(
                request,
                "admin/digests/weeklydigest/publish_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "original": digest,
                    "warnings": check.warnings,
                    "title": "确认发布",
                },
            )
        messages.success(request, f"{digest} 已发布。")
        return redirect(back)

    @method_decorator(require_POST)
    def unpublish_view(self, request, object_id):
        digest = get_object_or_404(WeeklyDigest, pk=unquote(object_id))
        if not self.has_publish_permission(request):
            raise PermissionDenied
        with transaction.atomic():
            if refused := self._stale_step(request, digest):
                return refused
            return self._unpublish(request, digest)

    def _unpublish(self, request, digest: WeeklyDigest):
        with revision(user=request.user, comment="撤销发布"):
            unpublish_digest(digest=digest, user=request.user)
        messages.success(request, f"{digest} 已撤销发布,改为草稿。")
        return redirect("admin:digests_weeklydigest_change", digest.pk)
