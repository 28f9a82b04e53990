from operator import itemgetter

import reversion
from csp.decorators import csp_update
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

import media.admin
from media.models import Photo
from wuxi_news.revisions import FinalStateVersionAdmin, GuardedVersionAdmin, revision
from wuxi_news.staff import display_name
from wuxi_news.stale import STALE_STEP_MESSAGE, check_not_stale

from .body import block_text
from .checking import (
    ERROR_REASON_MIN,
    article_check_text,
    can_dismiss,
    check_article,
    highlighted,
)
from .editing import EditingAdminMixin, release_lock
from .forms import ArticleForm, ArticlePhotoForm, ArticlePhotoFormSet, WorkflowForm
from .models import AllowedFinding, Article, ArticlePhoto, Column, FindingDismissal
from .services import (
    allow_finding,
    approve_article,
    available_actions,
    can_change_photo,
    can_edit_article,
    can_preview,
    dismiss_finding,
    photo_locked_by,
    read_only_reason,
    return_article,
    submit_article,
    unpublish_article,
)

# An article's revision includes its photo placements and the photos themselves.
if not reversion.is_registered(ArticlePhoto):
    reversion.register(ArticlePhoto, follow=["photo"])
if not reversion.is_registered(Article):
    reversion.register(Article, follow=["placements"])

# CKEditor 4 builds its toolbar with inline event handlers, so the article form alone
# allows inline scripts; every other page keeps the strict policy from settings.
ckeditor_csp = csp_update({"script-src": ["'unsafe-inline'"]})


# The photo library follows the articles' rule: a photo placed in articles is changed
# only by whoever may change all of them (once published, the final signer).
admin.site.unregister(Photo)


@admin.register(Photo)
class PhotoAdmin(media.admin.PhotoAdmin):
    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or can_change_photo(user=request.user, photo=obj)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or can_change_photo(user=request.user, photo=obj)
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        photo = self.get_object(request, unquote(object_id))
        if request.method == "GET" and photo is not None:
            locked = photo_locked_by(user=request.user, photo=photo)
            if locked and self.has_view_permission(request, photo):
                messages.warning(
                    request,
                    "这张图片用于"
                    + "、".join(f"《{article.headline}》" for article in locked)
                    + ",你没有权限修改这些稿件,所以只能查看;已发布或定时发布的稿件"
                    "只有终审可以修改,在审的稿件由当前环节的审核人员或终审修改。",
                )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Column)
class ColumnAdmin(GuardedVersionAdmin):
    list_display = ["name", "slug", "parent", "rank", "stale_after_days"]
    list_filter = ["parent"]
    search_fields = ["name", "slug"]
    list_select_related = ["parent"]


class ArticlePhotoInline(admin.StackedInline):
    model = ArticlePhoto
    form = ArticlePhotoForm
    formset = ArticlePhotoFormSet
    extra = 1
    readonly_fields = ["thumbnail"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("existing", "thumbnail"),
                    "image",
                    "caption",
                    ("credit_role", "credit_name", "photographer"),
                    "alt_text",
                    ("after_paragraph", "order"),
                    "photo_seen",
                ]
            },
        )
    ]

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only: the photo as readers see it, not a list of empty form fields.
            return [(None, {"fields": ["as_readers_see"]})]
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "as_readers_see"]

    @admin.display(description="图片")
    def as_readers_see(self, placement):
        photo = placement.photo if placement.photo_id else None
        if photo is None:
            return "—"
        image = (
            format_html(
                '<img src="{}" alt="{}" style="max-width:360px;max-height:240px">',
                photo.image.url,
                photo.description,
            )
            if photo.image
            else "(图片待上传)"
        )
        return format_html(
            '<figure style="margin:0">{}<figcaption style="margin-top:4px">{}'
            "</figcaption></figure>"
            '<p class="help">放在正文第 {} 段之后。</p>',
            image,
            photo.caption_line or "(无图片说明)",
            placement.after_paragraph,
        )

    @admin.display(description="缩略图")
    def thumbnail(self, placement):
        photo = placement.photo if placement.photo_id else None
        if photo is None or not photo.image:
            return "(尚无图片文件)"
        return format_html(
            '<img src="{}" alt="{}" style="max-width:200px;max-height:140px">',
            photo.image.url,
            photo.description,
        )

    # Photos of an article can be changed exactly when the article can.
    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (
            obj is None or can_edit_article(user=request.user, article=obj)
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or can_edit_article(user=request.user, article=obj)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or can_edit_article(user=request.user, article=obj)
        )


class CreatorFilter(admin.RelatedFieldListFilter):
    """创建人 by 姓名, not by login."""

    def field_choices(self, field, request, model_admin):
        users = field.related_model._default_manager.all()
        return sorted(
            ((user.pk, display_name(user)) for user in users), key=itemgetter(1)
        )


@admin.register(Article)
class ArticleAdmin(
    media.admin.DiskFullAdminMixin, EditingAdminMixin, FinalStateVersionAdmin
):
    form = ArticleForm
    lock_noun = "这篇稿件"
    # Read-only: the body as paragraphs rather than as escaped HTML source.
    read_only_swaps = {"body": "body_text"}
    workflow_fields = ("status", "review_stage", "published_at")
    draft_state = {"status": "draft", "review_stage": "", "published_at": None}
    list_display = [
        "headline", "column", "news_on", "workflow_state", "published_at", "creator",
    ]  # fmt: skip
    list_filter = [
        "status", "review_stage", "column", "news_on", ("created_by", CreatorFilter),
        "officials",
    ]  # fmt: skip
    search_fields = ["headline", "body"]
    list_select_related = ["column", "created_by"]
    date_hierarchy = "news_on"
    autocomplete_fields = ["officials"]
    readonly_fields = ["workflow_state", "published_at"]
    inlines = [ArticlePhotoInline]
    actions = ["submit_selected", "approve_selected", "unpublish_selected"]
    fieldsets = [
        (None, {"fields": ["headline", ("column", "news_on"), "summary", "body"]}),
        (
            "署名与来源",
            {"fields": [("source", "reporters", "responsible_editor"), "officials"]},
        ),
        ("状态", {"fields": [("workflow_state", "published_at"), "seen_updated_at"]}),
    ]

    @admin.display(description="状态", ordering="status")
    def workflow_state(self, article):
        if article.status == Article.Status.REVIEW and article.review_stage:
            return article.get_review_stage_display()
        if article.is_scheduled:
            return format_html(
                "定时发布({})",
                timezone.localtime(article.published_at).strftime("%Y-%m-%d %H:%M"),
            )
        if (reason := article.return_reason) is not None:
            return format_html('<span title="退回原因:{}">已退回</span>', reason)
        return article.get_status_display()

    def get_queryset(self, request):
        return super().get_queryset(request).with_last_review()

    @admin.display(description="创建人", ordering="created_by__first_name")
    def creator(self, article):
        return display_name(article.created_by) if article.created_by else "—"

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or can_edit_article(user=request.user, article=obj)
        )

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "body_text"]

    @admin.display(description="正文")
    def body_text(self, article):
        return format_html_join(
            "", "<p>{}</p>", ((block_text(block),) for block in article.paragraphs())
        )

    def has_review_permission(self, request):
        return any(
            request.user.has_perm(f"articles.{code}")
            for code in ("first_review_article", "review_article", "publish_article")
        )

    def has_publish_permission(self, request):
        return request.user.has_perm("articles.publish_article")

    @method_decorator(ckeditor_csp)
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, unquote(object_id))
        extra_context = extra_context or {}
        if article is not None:
            extra_context |= {
                "workflow_actions": available_actions(
                    user=request.user, article=article
                ),
                "reviews": article.reviews.all(),
                "workflow_state": self.workflow_state(article),
                "is_final_stage": article.review_stage == Article.ReviewStage.FINAL,
                # A refused save shows the form again: the typed remark comes back too.
                "workflow_remark": request.POST.get("workflow-remark", ""),
                **self.editorial_context(request, article),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def read_only_reason(self, request, obj):
        return read_only_reason(user=request.user, article=obj)

    def editorial_context(self, request, article: Article) -> dict:
        """The 校对 panel: findings on the article's date, spans marked in its text."""
        checked = check_article(article)
        return {
            "editorial_findings": [
                (number, item, can_dismiss(user=request.user, finding=item.finding))
                for number, item in enumerate(checked, start=1)
            ],
            "editorial_text": highlighted(article_check_text(article), checked),
            "editorial_blocking": sum(item.is_blocking for item in checked),
            "editorial_reason_min": ERROR_REASON_MIN,
            "can_allow_findings": request.user.has_perm("articles.publish_article"),
        }

    def render_change_form(self, request, context, add=False, change=False, **kw):
        response = super().render_change_form(request, context, add, change, **kw)
        obj = context.get("original")
        if obj is not None and not (obj.is_published or can_preview(request.user, obj)):
            response.context_data["has_absolute_url"] = False  # its page is a 404
        return response

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        request.saved_changes = form.has_changed() or any(
            formset.has_changed() for formset in formsets
        )

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, ArticlePhotoInline):
            kwargs["form_kwargs"] = {"user": request.user}
        return kwargs

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        request.workflow_form = getattr(form, "workflow", None)

    def response_change(self, request, obj):
        workflow = getattr(request, "workflow_form", None)
        if workflow is None:
            return super().response_change(request, obj)
        # The edits are saved (the admin said so); now the button's step.
        if getattr(request, "saved_changes", False):
            messages.success(request, f"《{obj.headline}》的修改已保存。")
        self._act(request, obj, workflow)
        return redirect("admin:articles_article_change", obj.pk)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/dismiss-finding/",
                self.admin_site.admin_view(self.dismiss_finding_view),
                name="articles_article_dismiss_finding",
            ),
            path(
                "<path:object_id>/workflow/",
                self.admin_site.admin_view(self.workflow_view),
                name="articles_article_workflow",
            ),
            *super().get_urls(),
        ]

    @method_decorator(require_POST)
    def workflow_view(self, request, object_id):
        """A workflow step from a page without the editable form (nothing to save)."""
        article = get_object_or_404(Article, pk=unquote(object_id))
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        form = WorkflowForm(request.POST, user=request.user, article=article)
        if form.is_valid():
            # One transaction: the row stays locked from the check to the step.
            with transaction.atomic():
                try:
                    check_not_stale(
                        obj=article,
                        seen=form.cleaned_data["seen_updated_at"],
                        message=STALE_STEP_MESSAGE,
                    )
                except ValidationError as error:
                    messages.error(request, " ".join(_messages(error)))
                else:
                    self._act(request, article, form)
        else:
            for errors in form.errors.values():
                messages.error(request, " ".join(errors))
        return redirect("admin:articles_article_change", article.pk)

    @method_decorator(require_POST)
    def dismiss_finding_view(self, request, object_id):
        """Dismiss one finding (or, for 终审, allow its text site-wide) with a reason."""
        article = get_object_or_404(Article, pk=unquote(object_id))
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        fingerprint = request.POST.get("fingerprint", "")
        reason = request.POST.get("reason", "")
        try:
            if request.POST.get("scope") == "site":
                checked = next(
                    (
                        c
                        for c in check_article(article)
                        if c.finding.fingerprint == fingerprint
                    ),
                    None,
                )
                if checked is None:
                    raise ValidationError("这条校对提示已不存在,请刷新页面。")
                allow_finding(
                    user=request.user,
                    code=checked.finding.code,
                    text=request.POST.get("text") or checked.finding.excerpt,
                    reason=reason,
                )
                messages.success(request, "已加入全站校对允许清单。")
            else:
                with revision(user=request.user, comment="忽略校对提示"):
                    dismiss_finding(
                        article=article,
                        user=request.user,
                        fingerprint=fingerprint,
                        reason=reason,
                    )
                messages.success(request, "这条校对提示已忽略,理由已记入审核记录。")
        except PermissionDenied as error:
            messages.error(request, " ".join(_messages(error)))
            return HttpResponseForbidden(" ".join(_messages(error)))
        except ValidationError as error:
            messages.error(request, " ".join(_messages(error)))
        return redirect(
            reverse("admin:articles_article_change", args=[article.pk]) + "#editorial"
        )

    def _act(self, request, article: Article, form: WorkflowForm) -> None:
        """Run the step the workflow form asks for; permissions live in the services."""
        action, remark = form.cleaned_data["action"], form.cleaned_data["remark"]
        try:
            with revision(user=request.user, comment=form.label):
                if action == "submit":
                    submit_article(article=article, user=request.user, remark=remark)
                elif action == "approve":
                    approve_article(
                        article=article,
                        user=request.user,
                        remark=remark,
                        publish_at=form.cleaned_data["publish_at"],
                    )
                elif action == "return":
                    return_article(article=article, user=request.user, reason=remark)
                else:
                    unpublish_article(article=article, user=request.user, reason=remark)
        except (PermissionDenied, ValidationError) as error:
            messages.error(request, " ".join(_messages(error)))
            return
        # Handing the article on ends this person's editing session.
        release_lock(obj=article, user=request.user)
        messages.success(
            request, f"《{article.headline}》:{self.workflow_state(article)}。"
        )

    def _bulk(self, request, queryset, service, done: str):
        succeeded, failures = 0, []
        for article in queryset:
            try:
                with revision(user=request.user):
                    service(article=article, user=request.user)
                succeeded += 1
            except (PermissionDenied, ValidationError) as error:
                failures.append((article.headline, " ".join(_messages(error))))
        if succeeded:
            messages.success(request, f"{succeeded} 篇稿件{done}。")
        if failures:
            messages.error(
                request,
                format_html_join(";", "《{}》{}", failures),
            )

    @admin.action(description="提交审核", permissions=["change"])
    def submit_selected(self, request, queryset):
        self._bulk(request, queryset, submit_article, "已提交审核")

    @admin.action(description="审核通过(终审环节即发布)", permissions=["review"])
    def approve_selected(self, request, queryset):
        self._bulk(request, queryset, approve_article, "已通过本环节审核")

    @admin.action(description="撤销发布", permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        self._bulk(request, queryset, unpublish_article, "已撤销发布")


def _messages(error) -> list[str]:
    return list(getattr(error, "messages", None) or [str(error) or "没有权限。"])


@admin.register(FindingDismissal)
class FindingDismissalAdmin(admin.ModelAdmin):
    list_display = ["code", "severity", "excerpt", "article", "dismissed_by_name",
                    "created_at"]  # fmt: skip
    list_filter = ["code", "severity"]
    search_fields = ["excerpt", "reason", "article__headline"]
    list_select_related = ["article"]
    readonly_fields = [f.name for f in FindingDismissal._meta.fields]

    def has_add_permission(self, request):
        return False  # dismissals are made from the article's 校对 panel

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AllowedFinding)
class AllowedFindingAdmin(admin.ModelAdmin):
    list_display = ["code", "text", "reason", "created_by", "created_at"]
    list_filter = ["code"]
    search_fields = ["text", "reason"]
    list_select_related = ["created_by"]
    fields = ["code", "text", "reason"]

    def _is_final_signer(self, request) -> bool:
        return request.user.has_perm("articles.publish_article")

    def has_view_permission(self, request, obj=None):
        return self._is_final_signer(request) or super().has_view_permission(
            request, obj
        )

    def has_add_permission(self, request):
        return self._is_final_signer(request)

    def has_change_permission(self, request, obj=None):
        return self._is_final_signer(request)

    def has_delete_permission(self, request, obj=None):
        return self._is_final_signer(request)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
