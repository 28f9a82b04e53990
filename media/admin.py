import logging

import reversion
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from wuxi_news.revisions import GuardedVersionAdmin
from wuxi_news.stale import RecordsEditorAdminMixin

from .forms import PhotoForm
from .models import Photo
from .storage import DISK_FULL, is_disk_full, removed_unless_saved

logger = logging.getLogger(__name__)

if not reversion.is_registered(Photo):
    reversion.register(Photo)


class DiskFullAdminMixin:
    """A full disk during an admin save becomes an error on the form the editor sent.

    Files are written while the rows are saved, so a full disk is noticed in the middle
    of the save (the admin's transaction). Writing them during validation instead would
    leave orphans whenever another form on the page is invalid or the save fails later.
    Here the transaction is rolled back, the files this save had already stored are
    deleted, and the same POST is shown again as a bound form carrying the error, so
    everything typed comes back as with any validation error.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            with removed_unless_saved():
                return super().changeform_view(
                    request, object_id, form_url, extra_context
                )
        except OSError as error:
            if request.method != "POST" or not is_disk_full(error):
                raise
            logger.error("upload not stored, disk full: %s", error)
        request._disk_full = True
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if not getattr(request, "_disk_full", False):
            return form

        class DiskFullForm(form):
            def clean(self):
                super().clean()
                raise ValidationError(DISK_FULL, code="disk_full")

        return DiskFullForm


@admin.register(Photo)
class PhotoAdmin(RecordsEditorAdminMixin, DiskFullAdminMixin, GuardedVersionAdmin):
    form = PhotoForm
    list_display = ["thumbnail", "caption", "credit_display", "is_sample", "created_at"]
    list_filter = ["is_sample", "credit_name"]
    search_fields = ["caption", "credit_name", "alt_text"]
    autocomplete_fields = ["photographer"]
    date_hierarchy = "created_at"
    readonly_fields = ["thumbnail", "width", "height"]
    fields = [
        "image", "thumbnail", "caption", "credit_role", "credit_name", "photographer",
        "alt_text", "is_sample", "width", "height", "seen_updated_at",
    ]  # fmt: skip

    @admin.display(description="缩略图")
    def thumbnail(self, photo):
        if not photo.image:
            return "(尚无图片文件)"
        return format_html(
            '<img src="{}" alt="{}" style="max-width:160px;max-height:110px">',
            photo.image.url,
            photo.description,
        )

    @admin.display(description="署名")
    def credit_display(self, photo):
        return photo.credit or "—"
