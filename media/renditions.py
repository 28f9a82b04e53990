"""Resized copies of uploaded photos for `srcset`: WebP and JPEG, made on first use.

Renditions live beside the uploads (`uploads/renditions/…`), named after the original
and the width, so they are made once and served as static files afterwards.
"""

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from PIL import Image, ImageOps

logger = logging.getLogger(__name__)

WIDTHS = (480, 800, 1200)
FORMATS = {"webp": ("WEBP", "image/webp"), "jpg": ("JPEG", "image/jpeg")}
QUALITY = 80

# Renditions known to exist, by original: a page render then costs no disk access.
_made: dict[str, dict[str, list["Rendition"]]] = {}


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
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write aside and rename, so a concurrent request never serves half a file.
    fd, temp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(fd, "wb") as handle:
        resized.save(handle, pil_format, quality=QUALITY, optimize=True)
    os.replace(temp, path)


# Sizes of originals saved without width and height (e.g. through `image.save()`).
_sizes: dict[str, tuple[int, int]] = {}


def image_size(photo) -> tuple[int, int] | None:
    """The original's width and height: from the row, else read once from the file."""
    if not photo.image:
        return None
    if photo.width and photo.height:
        return photo.width, photo.height
    name = photo.image.name
    if name not in _sizes:
        try:
            with Image.open(Path(settings.MEDIA_ROOT) / name) as opened:
                _sizes[name] = opened.size
        except (OSError, ValueError):
            return None
    return _sizes[name]


def renditions(photo) -> dict[str, list[Rendition]]:
    """{"webp": [...], "jpg": [...]} for the photo's file, empty when it has none."""
    size = image_size(photo)
    if size is None:
        return {}
    media_root = Path(settings.MEDIA_ROOT)
    known = f"{media_root}/{photo.image.name}"
    if known in _made:
        return _made[known]
    result: dict[str, list[Rendition]] = {ext: [] for ext in FORMATS}
    source = None
    try:
        for width in widths_for(size[0]):
            for ext, (pil_format, mime) in FORMATS.items():
                name = _relative_name(photo.image.name, width, ext)
                path = media_root / name
                if not path.exists():
                    if source is None:
                        with Image.open(media_root / photo.image.name) as opened:
                            source = ImageOps.exif_transpose(opened).convert("RGB")
                    _write(source, path, width, pil_format)
                url = f"{settings.MEDIA_URL}{name}"
                result[ext].append(Rendition(url=url, width=width, mime=mime))
    except (OSError, ValueError) as error:
        # A missing or unreadable original: the page shows the original link instead.
        logger.warning("no renditions for %s: %s", photo.image.name, error)
        return {}
    _made[known] = result
    return result
