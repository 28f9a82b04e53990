"""Resized copies of uploaded photos for `srcset`: WebP and JPEG, made on first use.

Renditions are stored beside the uploads in the photos' own storage (`renditions/…` on
the local disk or in the bucket), named after the original and the width, so they are
made once and served as plain files afterwards. Everything goes through the storage
API (open, exists, save, url): the same code serves AtomicFileSystemStorage and
S3-compatible object storage.
"""

import functools
import io
import logging
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from PIL import Image, ImageOps

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
    """`photos/…/abc.jpg` → `renditions/photos/…/abc-480.webp`, as renditions have
    always been named. Any other original keeps its whole name (`abc.png` →
    `renditions/…/abc.png-480.webp`), so that two originals differing only in their
    extension never share a rendition: the storage keeps the originals' names
    unique, and this mapping keeps the renditions' names unique too. An existing
    rendition is therefore always this photo's own."""
    path = PurePosixPath(image_name)
    if path.suffix == ".jpg" and "." not in path.stem:
        return f"renditions/{path.with_suffix('')}-{width}.{ext}"
    return f"renditions/{image_name}-{width}.{ext}"


# Which attributes decide where a storage keeps a name and which URL it gives it.
_STORAGE_IDENTITY = (
    "location",
    "base_url",
    "bucket_name",
    "endpoint_url",
    "custom_domain",
)


@dataclass(frozen=True)
class _Where:
    """A storage as a memo key: equal when it stores and serves the same files, however
    many times the storage object is re-created (or re-configured) in between."""

    key: tuple
    storage: Storage = field(compare=False, repr=False)


def _where(storage: Storage) -> _Where:
    cls = storage.__class__  # the real class, through default_storage's lazy proxy
    identity = (str(getattr(storage, name, "")) for name in _STORAGE_IDENTITY)
    return _Where((cls.__module__, cls.__qualname__, *identity), storage)


@functools.lru_cache(maxsize=4096)
def _file_size(where: _Where, name: str) -> tuple[int, int]:
    try:
        with where.storage.open(name, "rb") as handle, Image.open(handle) as opened:
            return opened.size
    except Exception as error:  # missing, unreadable, or the storage unreachable
        logger.warning("no size for %s: %r", name, error)
        raise _NoRenditions from error


def image_size(photo) -> tuple[int, int] | None:
    """The original's width and height: from the row, else read once from the file."""
    if not photo.image:
        return None
    if photo.width and photo.height:
        return photo.width, photo.height
    try:
        return _file_size(_where(photo.image.storage), photo.image.name)
    except _NoRenditions:
        return None


def renditions(photo) -> dict[str, list[Rendition]]:
    """{"webp": [...], "jpg": [...]} for the photo's file, empty when it has none."""
    size = image_size(photo)
    if size is None:
        return {}
    try:
        return _renditions(_where(photo.image.storage), photo.image.name, size[0])
    except _NoRenditions:
        return {}


def _encoded(
    source: Image.Image, width: int, pil_format: str, mime: str
) -> ContentFile:
    height = round(source.height * width / source.width)
    resized = source.resize((width, height), Image.Resampling.LANCZOS)
    encoded = io.BytesIO()
    resized.save(encoded, pil_format, quality=QUALITY, optimize=True)
    content = ContentFile(encoded.getvalue())
    content.content_type = mime  # the object's Content-Type in a bucket
    return content


# Renditions known to exist, by original (bounded): a page render then costs no storage
# access. File names are generated per upload, so a replaced image gets a new key. The
# URLs are kept too: the storages this site uses give plain, unsigned ones.
@functools.lru_cache(maxsize=4096)
def _renditions(
    where: _Where, image_name: str, original_width: int
) -> dict[str, list[Rendition]]:
    storage = where.storage
    result: dict[str, list[Rendition]] = {ext: [] for ext in FORMATS}
    source = None
    try:
        for width in widths_for(original_width):
            for ext, (pil_format, mime) in FORMATS.items():
                name = _relative_name(image_name, width, ext)
                if not storage.exists(name):
                    if source is None:
                        with (
                            storage.open(image_name, "rb") as handle,
                            Image.open(handle) as opened,
                        ):
                            source = ImageOps.exif_transpose(opened).convert("RGB")
                    # The storage writes whole files and never replaces one: should
                    # the name be taken meanwhile (another process making the same
                    # rendition), it stores under a new name, and that is the one used.
                    name = storage.save(name, _encoded(source, width, pil_format, mime))
                result[ext].append(
                    Rendition(url=storage.url(name), width=width, mime=mime)
                )
    except Exception as error:
        # A missing or unreadable original, a full disk, an unreachable bucket: the
        # page shows the original instead, whatever went wrong. Not remembered, so a
        # file restored later (or space freed) gets its renditions.
        logger.warning("no renditions for %s: %r", image_name, error)
        raise _NoRenditions from error
    return result
