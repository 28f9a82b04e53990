"""Staff exports of a weekly digest: DOCX, PDF, HTML, TXT and JSON, a module each.

Every format renders from the one `DigestDocument` that `build_document` returns, so
headlines, order, captions, credits and briefs cannot drift apart between formats.
Drafts are marked 草稿 in every format; a photo whose file is missing becomes a marked
gap (〔图片缺失〕) followed by its caption and credit. This module is the entry point
(who may export, one digest in one format, several in a ZIP); `base` and `images` hold
what the formats share. Reading a file back for import is `digests.reading`.
"""

import io
import zipfile
from collections.abc import Iterable

from django.utils import timezone

from ..models import WeeklyDigest
from ..services import build_document, can_see_unpublished_digests
from ..structure import DigestDocument
from .base import (
    DRAFT_LABEL,
    DRAFT_NOTICE,
    FORMATS,
    MISSING_PHOTO,
    ExportError,
    ExportFile,
    ExportFormat,
    export_filename,
    file_stem,
)
from .docx import render_docx
from .html import render_html
from .images import ImageCache
from .jsonfile import render_json
from .pdf import render_pdf
from .text import render_txt


def can_export(user, digest: WeeklyDigest) -> bool:
    """Exporters may export published digests; unpublished ones only if they may see
    them (`can_see_unpublished_digests`, the rule of the public page's preview too)."""
    if not (user.is_active and user.is_staff):
        return False
    if not user.has_perm("digests.export_weeklydigest"):
        return False
    return digest.is_published or can_see_unpublished_digests(user)


def outgoing_document(digest: WeeklyDigest) -> DigestDocument:
    """The digest as it is sent on. A published digest carries only public stories (as
    its public page does): an article unpublished or scheduled since must not leave the
    newsroom in a file. A draft carries everything and says 草稿."""
    document = build_document(digest)
    return document if document.is_draft else document.without_unpublished()


def render(
    document: DigestDocument, fmt: str, *, images: ImageCache | None = None
) -> bytes:
    if fmt not in FORMATS:
        raise ExportError(f"不支持的导出格式:{fmt}(可选 {'、'.join(FORMATS)})")
    images = images or ImageCache()
    if fmt == "docx":
        return render_docx(document, images)
    if fmt == "pdf":
        return render_pdf(document, images)
    if fmt == "html":
        return render_html(document, images)
    if fmt == "txt":
        return render_txt(document)
    return render_json(document)


def export_digest(
    *, digest: WeeklyDigest, fmt: str, images: ImageCache | None = None
) -> ExportFile:
    """One digest in one format, named after its title and date."""
    document = outgoing_document(digest)
    return ExportFile(
        filename=export_filename(document, fmt),
        content=render(document, fmt, images=images),
        content_type=FORMATS[fmt].content_type,
    )


def export_zip(
    *, digests: Iterable[WeeklyDigest], formats: Iterable[str]
) -> ExportFile:
    """Several digests, each in each format, in one ZIP."""
    digests = sorted(digests, key=lambda d: (d.issued_on, d.pk))
    formats = [fmt for fmt in FORMATS if fmt in set(formats)]
    if not digests or not formats:
        raise ExportError("请至少选择一期每周要闻和一种格式。")
    buffer = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for digest in digests:
            document = outgoing_document(digest)
            images = ImageCache()
            stem = file_stem(document)
            if stem in used:  # two columns with a digest on the same day
                stem = f"{stem}-{digest.pk}"
            used.add(stem)
            for fmt in formats:
                info = zipfile.ZipInfo(
                    f"{stem}.{FORMATS[fmt].extension}",
                    date_time=timezone.localtime().timetuple()[:6],
                )
                info.compress_type = zipfile.ZIP_DEFLATED
                # Non-ASCII names: zipfile sets the UTF-8 flag, so Windows shows them.
                archive.writestr(info, render(document, fmt, images=images))
    first, last = digests[0].issued_on, digests[-1].issued_on
    name = (
        f"每周要闻-{first.isoformat()}.zip"
        if first == last
        else f"每周要闻-{first.isoformat()}至{last.isoformat()}.zip"
    )
    return ExportFile(name, buffer.getvalue(), "application/zip")


__all__ = [
    "DRAFT_LABEL",
    "DRAFT_NOTICE",
    "FORMATS",
    "MISSING_PHOTO",
    "ExportError",
    "ExportFile",
    "ExportFormat",
    "ImageCache",
    "can_export",
    "export_digest",
    "export_filename",
    "export_zip",
    "file_stem",
    "outgoing_document",
    "render",
    "render_docx",
    "render_html",
    "render_json",
    "render_pdf",
    "render_txt",
]
