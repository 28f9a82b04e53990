import reversion
from django.contrib import admin
from django.utils.html import format_html
from reversion.admin import VersionAdmin

from .forms import PhotoForm
from .models import Photo

if not reversion.is_registered(Photo):
    reversion.register(Photo)


@admin.register(Photo)
class PhotoAdmin(VersionAdmin):
    form = PhotoForm
    list_display = ["thumbnail", "caption", "credit_display", "is_sample", "created_at"]
    list_filter = ["is_sample", "credit_name"]
    search_fields = ["caption", "credit_name", "alt_text"]
    autocomplete_fields = ["photographer"]
    date_hierarchy = "created_at"
    readonly_fields = ["thumbnail", "width", "height"]
    fields = [
        "image", "thumbnail", "caption", "credit_role", "credit_name", "photographer",
        "alt_text", "is_sample", "width", "height",
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
