import reversion
from csp.decorators import csp_update
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

import media.admin
from media.models import Photo
from wuxi_news.revisions import FinalStateVersionAdmin, GuardedVersionAdmin, revision

from .body import block_text
from .editing import EditingAdminMixin, release_lock
from .forms import ArticleForm, ArticlePhotoForm, ArticlePhotoFormSet, WorkflowForm
from .models import Article, ArticlePhoto, Column
from .services import (
    approve_article,
    available_actions,
    can_change_photo,
    can_edit_article,
    can_preview,
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
        "headline", "column", "news_on", "workflow_state", "published_at", "created_by",
    ]  # fmt: skip
    list_filter = [
        "status", "review_stage", "column", "news_on", "created_by", "officials",
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
        return article.get_status_display()

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
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def read_only_reason(self, request, obj):
        return read_only_reason(user=request.user, article=obj)

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

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user  # a class made for this request
        return form

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
            self._act(request, article, form)
        else:
            for errors in form.errors.values():
                messages.error(request, " ".join(errors))
        return redirect("admin:articles_article_change", article.pk)

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
