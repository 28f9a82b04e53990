"""Placeholder images for the demo, clearly marked as samples."""

import io
from collections.abc import Iterable
from pathlib import Path

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFont

from .models import Photo

CJK_FONTS = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
]
_PALETTE = [
    (70, 110, 150),
    (95, 130, 90),
    (150, 100, 70),
    (110, 90, 140),
    (80, 120, 125),
]


def _font(size: int) -> tuple[ImageFont.ImageFont, bool]:
    for path in CJK_FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size), True
    return ImageFont.load_default(size=size), False


def sample_image(*, caption: str, index: int = 0, size=(1200, 800)) -> bytes:
    """A JPEG placeholder that says it is a sample, with the caption where a font allows."""
    image = Image.new("RGB", size, _PALETTE[index % len(_PALETTE)])
    draw = ImageDraw.Draw(image)
    width, height = size
    for step in range(0, width, 40):
        draw.line(
            [(step, 0), (step - height // 2, height)], fill=(255, 255, 255, 30), width=1
        )
    big, has_cjk = _font(72)
    small, _ = _font(34)
    label = "示例图片 SAMPLE" if has_cjk else "SAMPLE IMAGE"
    draw.text(
        (width // 2, height // 2 - 50), label, font=big, fill="white", anchor="mm"
    )
    if has_cjk and caption:
        text = caption if len(caption) <= 30 else caption[:29] + "…"
        draw.text(
            (width // 2, height // 2 + 50), text, font=small, fill="white", anchor="mm"
        )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82)
    return buffer.getvalue()


def attach_sample_images(*, photos: Iterable[Photo]) -> int:
    """Give each photo without a file a sample image; photos with files are left alone."""
    attached = 0
    for index, photo in enumerate(photos):
        if photo.image:
            continue
        size = (1200, 800)
        content = ContentFile(
            sample_image(caption=photo.caption, index=index, size=size)
        )
        photo.image.save("sample.jpg", content, save=False)
        # FieldFile.save() does not fill width_field/height_field; without them Django
        # would open the file every time the photo is loaded.
        photo.width, photo.height = size
        photo.is_sample = True
        photo.alt_text = photo.alt_text or f"示例占位图:{photo.caption}"[:300]
        photo.save()
        attached += 1
    return attached
