import logging
import uuid
from pathlib import PurePosixPath

from django.db import models
from django.utils import timezone

from people.models import Person
from wuxi_news.stale import EditedModel
from wuxi_news.text import clean_text

from .credits import format_credit, join_caption_and_credit

logger = logging.getLogger(__name__)


def photo_upload_to(instance, filename: str) -> str:
    """Store under a generated name: no user-controlled path reaches the disk."""
    suffix = PurePosixPath(filename).suffix.lower()[:5]
    return f"photos/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Photo(EditedModel):
    image = models.ImageField(
        "图片文件",
        upload_to=photo_upload_to,
        width_field="width",
        height_field="height",
        blank=True,
        help_text="JPEG、PNG 或 WebP。导入的旧稿图片可先留空,稍后补传。",
    )
    width = models.PositiveIntegerField("宽度", null=True, blank=True, editable=False)
    height = models.PositiveIntegerField("高度", null=True, blank=True, editable=False)
    caption = models.CharField("图片说明", max_length=500, blank=True)
    credit_role = models.CharField(
        "署名身份", max_length=20, blank=True, help_text="如“记者”“通讯员”;无则留空。"
    )
    credit_name = models.CharField(
        "摄影者", max_length=50, blank=True, help_text="如“吴丹”。无署名则留空。"
    )
    photographer = models.ForeignKey(
        Person,
        verbose_name="登记的摄影者",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="photos",
        help_text="摄影者已在人员名录中时选择;署名仍按上面的文字显示。",
    )
    alt_text = models.CharField(
        "替代文字",
        max_length=300,
        blank=True,
        help_text="供读屏软件朗读的画面描述;留空则使用图片说明。",
    )
    is_sample = models.BooleanField(
        "示例图片", default=False, help_text="演示用的占位图,不是真实新闻照片。"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "图片"
        verbose_name_plural = "图片"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.caption[:40] or f"图片 {self.pk}"

    def save(self, *args, **kwargs):
        self.caption = clean_text(self.caption).strip()
        self.credit_role = clean_text(self.credit_role).strip()
        self.credit_name = clean_text(self.credit_name).strip()
        self.alt_text = clean_text(self.alt_text).strip()
        if self.image and not (self.width and self.height):
            self._read_dimensions()
        super().save(*args, **kwargs)

    def _read_dimensions(self) -> None:
        """Record the file's width and height in the row.

        `image.save(name, ContentFile(data))` leaves them empty (Django reads them only
        from content that has a name), and Django then opens the file every time the
        photo is loaded: on object storage, requests to the bucket for every photo on
        every page. Read once here instead; a missing or unreadable file is left for
        later.
        """
        try:
            self.width, self.height = self.image.width, self.image.height
        except Exception as error:  # missing, unreadable, or the storage unreachable
            logger.warning("no dimensions for %s: %r", self.image.name, error)

    @property
    def credit(self) -> str:
        return format_credit(self.credit_role, self.credit_name)

    @property
    def caption_line(self) -> str:
        """Caption and credit on one line, as the legacy page writes them."""
        return join_caption_and_credit(self.caption, self.credit)

    @property
    def description(self) -> str:
        """Text for the `alt` attribute: the alt text, else the caption."""
        return self.alt_text or self.caption or "新闻图片"

    @property
    def has_file(self) -> bool:
        return bool(self.image) and self.image.storage.exists(self.image.name)
