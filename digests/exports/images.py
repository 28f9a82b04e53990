"""Photos in exports: the bytes to embed (scaled down when large), read once per export
run however many formats use them, and how a caption meets its credit."""

import base64
import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ..structure import PhotoBlock

# Photos larger than this are scaled down: exports are read on paper and phones.
MAX_IMAGE_SIDE = 1600
MAX_IMAGE_BYTES = 1_500_000


@dataclass(frozen=True)
class ImageData:
    data: bytes
    mime: str
    width: int
    height: int

    @property
    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


def caption_separator(block: PhotoBlock) -> str:
    """What the page puts between caption and credit: nothing after 。, else a space."""
    if not (block.caption and block.credit):
        return ""
    return block.caption_line[len(block.caption) : -len(block.credit)]


def photo_file_name(block: PhotoBlock) -> str | None:
    image = getattr(block.photo, "image", None)
    return Path(image.name).name if image else None


def load_image(block: PhotoBlock) -> ImageData | None:
    """The photo's bytes ready to embed, or None when the file is missing or unreadable."""
    image = getattr(block.photo, "image", None)
    if not image:
        return None
    try:
        with image.storage.open(image.name, "rb") as handle:
            raw = handle.read()
        with Image.open(io.BytesIO(raw)) as picture:
            kind = picture.format
            width, height = picture.size
            if (
                kind in ("JPEG", "PNG")
                and max(width, height) <= MAX_IMAGE_SIDE
                and len(raw) <= MAX_IMAGE_BYTES
            ):
                return ImageData(raw, f"image/{kind.lower()}", width, height)
            # Draft mode lets Pillow decode big JPEGs at a fraction of the size, fast.
            picture.draft("RGB", (MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
            converted = picture.convert("RGB")
            converted.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
            buffer = io.BytesIO()
            converted.save(buffer, "JPEG", quality=85)
            return ImageData(buffer.getvalue(), "image/jpeg", *converted.size)
    except (OSError, UnidentifiedImageError, ValueError):
        return None


class ImageCache:
    """Each photo read once per export run, however many formats use it."""

    def __init__(self):
        self._images: dict[int, ImageData | None] = {}

    def get(self, block: PhotoBlock) -> ImageData | None:
        key = id(block.photo) if block.photo is not None else id(block)
        if key not in self._images:
            self._images[key] = load_image(block)
        return self._images[key]
