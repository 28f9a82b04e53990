from django import forms

from wuxi_news.stale import StaleSaveFormMixin

from .models import Photo
from .uploads import clean_photo_upload

IMAGE_ACCEPT = "image/jpeg,image/png,image/webp"


class PhotoUploadField(forms.FileField):
    """A file field that accepts only real JPEG/PNG/WebP photos within the limits."""

    widget = forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT})

    def clean(self, data, initial=None):
        value = super().clean(data, initial)
        if value and value is not initial and hasattr(value, "content_type"):
            return clean_photo_upload(value)
        return value


def credit_from_photographer(cleaned_data: dict) -> None:
    """A registered photographer picked without typed wording signs with their name."""
    photographer = cleaned_data.get("photographer")
    if photographer and not cleaned_data.get("credit_name"):
        cleaned_data["credit_name"] = photographer.name


class PhotoForm(StaleSaveFormMixin, forms.ModelForm):
    image = PhotoUploadField(
        label="图片文件",
        required=False,
        help_text="JPEG、PNG 或 WebP;按内容检查格式,自动纠正方向,"
        "去除相机、作者、拍摄时间、位置等附加信息(保留色彩配置)。",
    )

    class Meta:
        model = Photo
        fields = [
            "image", "caption", "credit_role", "credit_name", "photographer",
            "alt_text", "is_sample",
        ]  # fmt: skip

    def clean(self):
        cleaned_data = super().clean()
        credit_from_photographer(cleaned_data)
        return cleaned_data
