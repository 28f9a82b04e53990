"""Resized copies of uploaded photos for `srcset`: WebP and JPEG, made on first use.

Renditions live beside the uploads (`uploads/renditions/…`), named after the original
and the width, so they are made once and served as static files afterwards.
"""

import functools
import io
import logging
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from PIL import Image, ImageOps

from .storage import write_file

logger = logging.getLogger(__name__)

WIDTHS = (480, 800, 1200)
FORMATS = {"webp": ("WEBP", "image/webp"), "jpg": ("JPEG", "image/jpeg")}
QUALITY = 80


class _NoRenditions(Exception):
    """Raised inside the memoised helpers so that failures are not remembered."""


@dataclass(frozen=True)
class Rendition:
    url: str
    width: int
    mime: str


def widths_for(original_width: int) -> list[int]:
    """The widths to offer: the standard ones below the original, and the original
    itself up to the largest standard width (never upscaled)."""
    top = min(original_width, WIDTHS[-1])
    return sorted({w for w in WIDTHS if w < top} | {top})


def _relative_name(image_name: str, width: int, ext: str) -> str:
    stem = PurePosixPath(image_name).with_suffix("")
    return f"renditions/{stem}-{width}.{ext}"


def _write(source: Image.Image, path: Path, width: int, pil_format: str) -> None:
    height = round(source.height * width / source.width)
    resized = source.resize((width, height), Image.Resampling.LANCZOS)
    encoded = io.BytesIO()
    resized.save(encoded, pil_format, quality=QUALITY, optimize=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Whole or not at all: a concurrent request never serves half a file, and a full
    # disk leaves no partial one.
    write_file(path, [encoded.getvalue()], replace=True)


@functools.lru_cache(maxsize=4096)
def _file_size(media_root: str, name: str) -> tuple[int, int]:
    try:
        with Image.open(Path(media_root) / name) as opened:
            return opened.size
    except (OSError, ValueError) as error:
        raise _NoRenditions from error


def image_size(photo) -> tuple[int, int] | None:
    """The original's width and height: from the row, else read once from the file."""
    if not photo.image:
        return None
    if photo.width and photo.height:
        return photo.width, photo.height
    try:
        return _file_size(str(settings.MEDIA_ROOT), photo.image.name)
    except _NoRenditions:
        return None


def renditions(photo) -> dict[str, list[Rendition]]:
    """{"webp": [...], "jpg": [...]} for the photo's file, empty when it has none."""
    size = image_size(photo)
    if size is None:
        return {}
    try:
        return _renditions(
            str(settings.MEDIA_ROOT), settings.MEDIA_URL, photo.image.name, size[0]
        )
    except _NoRenditions:
        return {}


# Renditions known to exist, by original (bounded): a page render then costs no disk
# access. File names are generated per upload, so a replaced image gets a new key.
@functools.lru_cache(maxsize=4096)
def _renditions(
    media_root: str, media_url: str, image_name: str, original_width: int
) -> dict[str, list[Rendition]]:
    root = Path(media_root)
    result: dict[str, list[Rendition]] = {ext: [] for ext in FORMATS}
    source = None
    try:
        for width in widths_for(original_width):
            for ext, (pil_format, mime) in FORMATS.items():
                name = _relative_name(image_name, width, ext)
                path = root / name
                if not path.exists():
                    if source is None:
                        with Image.open(root / image_name) as opened:
                            source = ImageOps.exif_transpose(opened).convert("RGB")
                    _write(source, path, width, pil_format)
                result[ext].append(
                    Rendition(url=f"{media_url}{name}", width=width, mime=mime)
                )
    except Exception as error:
        # A missing or unreadable original, or a full disk: the page shows the original
        # instead, whatever went wrong. Not remembered, so a file restored later (or
        # space freed) gets its renditions.
        logger.warning("no renditions for %s: %r", image_name, error)
        raise _NoRenditions from error
    return result
