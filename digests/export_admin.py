"""Export entry points in the admin, as a mixin for `WeeklyDigestAdmin`:

- the action “导出所选每周要闻” (a page to pick formats, then one ZIP);
- download buttons on a digest's change page (object tools), linking to the staff
  download URL `digests:export`.

Wiring: `class WeeklyDigestAdmin(DigestExportAdminMixin, ...)` – first in the bases.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR
from django.template.loader import select_template
from django.template.response import TemplateResponse
from django.urls import reverse

from .export_views import export_response
from .exports import FORMATS, ExportError, can_export, export_zip

EXPORT_ACTION = "export_digests"


class DigestExportAdminMixin:
    change_form_template = "admin/digests/weeklydigest/export_change_form.html"
    export_selection_template = "admin/digests/weeklydigest/export_selected.html"

    def has_export_permission(self, request) -> bool:
        return request.user.is_staff and request.user.has_perm(
            "digests.export_weeklydigest"
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Added here rather than through `actions`, so the admin's own list stays as is.
        if (
            self.actions is not None
            and IS_POPUP_VAR not in request.GET
            and self.has_export_permission(request)
        ):
            actions[EXPORT_ACTION] = self.get_action(EXPORT_ACTION)
        return actions

    @admin.action(description="导出所选每周要闻(Word、PDF、网页、文本、JSON)")
    def export_digests(self, request, queryset):
        if not self.has_export_permission(request):
            messages.error(request, "你没有导出每周要闻的权限。")
            return None
        digests = list(queryset.select_related("column"))
        refused = [d for d in digests if not can_export(request.user, d)]
        if refused:
            names = "、".join(str(d) for d in refused)
            messages.error(request, f"只有编辑可以导出未发布的每周要闻:{names}。")
            return None
        formats = [f for f in request.POST.getlist("export_format") if f in FORMATS]
        if "export_confirmed" in request.POST and formats:
            try:
                return export_response(export_zip(digests=digests, formats=formats))
            except ExportError as exc:
                messages.error(request, str(exc))
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": "导出每周要闻",
            "opts": self.opts,
            "digests": digests,
            "formats": FORMATS.values(),
            "checked": set(formats) or {"docx"},
            "no_format": "export_confirmed" in request.POST,
            "action_name": EXPORT_ACTION,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.export_selection_template, context)

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        opts = self.opts
        # Extend whatever change form the admin would use without this mixin.
        context["export_parent_template"] = select_template(
            [
                f"admin/{opts.app_label}/{opts.model_name}/change_form.html",
                f"admin/{opts.app_label}/change_form.html",
                "admin/change_form.html",
            ]
        )
        context["digest_exports"] = (
            [
                (fmt, reverse("digests:export", kwargs={"pk": obj.pk, "fmt": fmt.name}))
                for fmt in FORMATS.values()
            ]
            if obj is not None and obj.pk and can_export(request.user, obj)
            else []
        )
        return super().render_change_form(request, context, add, change, form_url, obj)
