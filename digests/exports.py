"""Staff exports of a weekly digest: DOCX, PDF, HTML, TXT and JSON.

Every format renders from the one `DigestDocument` that `build_document` returns, so
headlines, order, captions, credits and briefs cannot drift apart between formats.
Drafts are marked 草稿 in every format; a photo whose file is missing becomes a marked
gap (〔图片缺失〕) followed by its caption and credit.
"""

import base64
import io
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from .legacy import render_legacy_text as _render_legacy_text
from .models import WeeklyDigest
from .reading import JSON_SCHEMA_ID, JSON_SCHEMA_VERSION
from .services import build_document, can_see_unpublished_digests
from .structure import (
    DigestDocument,
    Paragraph,
    PhotoBlock,
    Story,
)


@dataclass(frozen=True)
class ExportFormat:
    name: str
    label: str
    extension: str
    content_type: str


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in [
        ExportFormat(
            "docx",
            "Word 文档",
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ExportFormat("pdf", "PDF 文档", "pdf", "application/pdf"),
        ExportFormat("html", "网页(公众号)", "html", "text/html; charset=utf-8"),
        ExportFormat("txt", "纯文本", "txt", "text/plain; charset=utf-8"),
        ExportFormat("json", "JSON 数据", "json", "application/json"),
    ]
}

DRAFT_LABEL = "草稿"
DRAFT_NOTICE = "【草稿】未发布,仅供审核,请勿转发。"
MISSING_PHOTO = "〔图片缺失〕"

# Checked in this order before a PDF is rendered; the first that exists is embedded.
CJK_FONT_PATHS = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/simsun.ttc",
]
MISSING_FONT_MESSAGE = (
    "无法导出 PDF:系统中没有中文字体,导出的文字会显示为方框。"
    "请安装 fonts-wqy-microhei 或 fonts-noto-cjk"
    "(如 apt-get install fonts-wqy-microhei)后重试。"
)
# Photos larger than this are scaled down: exports are read on paper and phones.
MAX_IMAGE_SIDE = 1600
MAX_IMAGE_BYTES = 1_500_000


class ExportError(Exception):
    """An export that cannot be produced; the message is for the editor."""


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: bytes
    content_type: str


@dataclass(frozen=True)
class ImageData:
    data: bytes
    mime: str
    width: int
    height: int

    @property
    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


# -- permissions ---------------------------------------------------------------------


def can_export(user, digest: WeeklyDigest) -> bool:
    """Exporters may export published digests; unpublished ones only if they may see
    them (`can_see_unpublished_digests`, the rule of the public page's preview too)."""
    if not (user.is_active and user.is_staff):
        return False
    if not user.has_perm("digests.export_weeklydigest"):
        return False
    return digest.is_published or can_see_unpublished_digests(user)


# -- file names ----------------------------------------------------------------------


def file_stem(document: DigestDocument) -> str:
    """`见政巫溪这一周-2024-12-15`, with `-草稿` for drafts: safe on every file system."""
    title = re.sub(r"[^\w\u4e00-\u9fff-]+", "", document.title) or "每周要闻"
    stem = f"{title}-{document.issued_on.isoformat()}"
    return f"{stem}-{DRAFT_LABEL}" if document.is_draft else stem


def export_filename(document: DigestDocument, fmt: str) -> str:
    return f"{file_stem(document)}.{FORMATS[fmt].extension}"


# -- photos --------------------------------------------------------------------------


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


# -- TXT -----------------------------------------------------------------------------


def render_txt(document: DigestDocument) -> bytes:
    """The legacy page format. A draft gets one notice line above the page, which
    `digests.reading.parse_text_export` recognises, so a draft re-imports as the same
    draft."""
    text = _render_legacy_text(document)
    if document.is_draft:
        text = f"{DRAFT_NOTICE}\n\n{text}"
    return text.encode("utf-8")


# -- JSON ----------------------------------------------------------------------------


def _block_json(block: Paragraph | PhotoBlock) -> dict:
    if isinstance(block, Paragraph):
        return {"type": "paragraph", "text": block.text}
    photo = block.photo
    return {
        "type": "photo",
        "caption": block.caption,
        "credit_role": block.credit_role,
        "credit_name": block.credit_name,
        "credit": block.credit,
        "file": photo_file_name(block),
        "alt": getattr(photo, "alt_text", "") or "",
    }


def _story_json(story: Story) -> dict:
    return {
        "headline": story.headline,
        "date": story.news_on.isoformat(),
        "blocks": [_block_json(block) for block in story.blocks],
    }


def document_to_json(document: DigestDocument) -> dict:
    return {
        "schema": JSON_SCHEMA_ID,
        "schema_version": JSON_SCHEMA_VERSION,
        "title": document.title,
        "issued_on": document.issued_on.isoformat(),
        "column": list(document.breadcrumb),
        "status": "draft" if document.is_draft else "published",
        "lead": _story_json(document.lead) if document.lead else None,
        "days": [
            {
                "date": section.day.isoformat(),
                "heading": section.heading,
                "stories": [_story_json(story) for story in section.stories],
            }
            for section in document.days
        ],
        "briefs": [
            {"date": brief.happened_on.isoformat(), "text": brief.text}
            for brief in document.briefs
        ],
    }


def render_json(document: DigestDocument) -> bytes:
    return (
        json.dumps(document_to_json(document), ensure_ascii=False, indent=2) + "\n"
    ).encode("utf-8")


# -- HTML and PDF --------------------------------------------------------------------


@dataclass
class _HtmlBlock:
    kind: str  # "paragraph" or "photo"
    text: str = ""
    caption: str = ""
    credit: str = ""
    image: ImageData | None = None
    src: str = ""
    alt: str = ""
    separator: str = ""  # between caption and credit, as the page writes it


def _html_context(
    document: DigestDocument,
    images: ImageCache,
    resources: dict[str, tuple[bytes, str]] | None = None,
) -> dict:
    """Template context for the HTML and PDF exports. Images are data URIs, or with
    `resources` (PDF) short `wuxi-export:` URLs served to WeasyPrint from memory, which
    spares its HTML parser megabytes of base64."""

    def source(image: ImageData | None) -> str:
        if image is None:
            return ""
        if resources is None:
            return image.data_uri
        url = f"wuxi-export:photo-{len(resources)}"
        resources[url] = (image.data, image.mime)
        return url

    def story(item: Story) -> dict:
        blocks = []
        for block in item.blocks:
            if isinstance(block, Paragraph):
                blocks.append(_HtmlBlock("paragraph", text=block.text))
            else:
                photo = block.photo
                image = images.get(block)
                blocks.append(
                    _HtmlBlock(
                        "photo",
                        caption=block.caption,
                        credit=block.credit,
                        image=image,
                        src=source(image),
                        separator=caption_separator(block),
                        alt=getattr(photo, "description", "") or block.caption,
                    )
                )
        return {"headline": item.headline, "blocks": blocks}

    return {
        "document": document,
        "lead": story(document.lead) if document.lead else None,
        "days": [
            {"heading": s.heading, "stories": [story(x) for x in s.stories]}
            for s in document.days
        ],
        "draft_notice": DRAFT_NOTICE,
        "draft_label": DRAFT_LABEL,
        "missing_photo": MISSING_PHOTO,
    }


def render_html(document: DigestDocument, images: ImageCache | None = None) -> bytes:
    """One self-contained file: inline styles (survive pasting into the WeChat editor)
    and images as data URIs."""
    context = _html_context(document, images or ImageCache())
    return render_to_string("digests/export.html", context).encode("utf-8")


def find_cjk_font() -> Path:
    """The CJK font to embed in PDFs. Raises `ExportError` naming the package to install."""
    for candidate in CJK_FONT_PATHS:
        if Path(candidate).is_file():
            return Path(candidate)
    fc_list = shutil.which("fc-list")
    if fc_list:
        found = subprocess.run(
            [fc_list, ":lang=zh", "file"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.split("\n")
        for line in found:
            path = line.strip().rstrip(":")
            if path and Path(path).is_file():
                return Path(path)
    raise ExportError(MISSING_FONT_MESSAGE)


def _face_index(path: Path) -> int:
    """The Simplified Chinese face of a font collection (Noto CJK puts JP first)."""
    if path.suffix.lower() not in (".ttc", ".otc"):
        return 0
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(path), lazy=True)
    for index, face in enumerate(collection.fonts):
        if "SC" in (face["name"].getDebugName(1) or "").split():
            return index
    return 0


# Tables a PDF does not need. The HarfBuzz of Debian 12 fails to subset a big CJK font
# that keeps them (WeasyPrint then embeds the whole 2 MB font, slowly); without them it
# subsets in milliseconds. Post table format 3 drops 50 000 glyph names.
_UNNEEDED_FONT_TABLES = [
    "fpgm", "prep", "cvt ", "gasp", "hdmx", "VDMX", "LTSH", "FFTM",
    "GDEF", "GPOS", "GSUB", "vhea", "vmtx",
]  # fmt: skip
_FONT_PREP_VERSION = 1


def _font_cache_dir() -> Path:
    var_dir = getattr(settings, "VAR_DIR", None)
    return Path(var_dir or tempfile.gettempdir()) / "cache" / "fonts"


def _strip_font(path: Path) -> bytes:
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), fontNumber=_face_index(path))
    for tag in _UNNEEDED_FONT_TABLES:
        if tag in font:
            del font[tag]
    if "post" in font:
        font["post"].formatType = 3.0
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


@lru_cache(maxsize=4)
def _prepared_font(path: Path, stamp: tuple[int, int]) -> tuple[bytes, str]:
    """The CJK font ready for WeasyPrint, made once and kept under var/cache/fonts."""
    cached = _font_cache_dir() / (
        f"{path.stem}-{stamp[0]}-{stamp[1]}-v{_FONT_PREP_VERSION}.ttf"
    )
    if cached.is_file():
        return cached.read_bytes(), "font/ttf"
    try:
        data = _strip_font(path)
    except Exception:  # noqa: BLE001 - an unusual font: embed it whole instead
        return path.read_bytes(), "font/collection"
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(data)
        partial.replace(cached)
    except OSError:
        pass  # a read-only disk only costs the preparation next time
    return data, "font/ttf"


def cjk_font() -> tuple[bytes, str]:
    """The CJK font to embed in PDFs. Raises `ExportError` naming the package to install."""
    path = find_cjk_font()
    stat = path.stat()
    return _prepared_font(path, (stat.st_mtime_ns, stat.st_size))


def _url_fetcher(resources: dict[str, tuple[bytes, str]]):
    """Serve WeasyPrint the export's font and photos from memory, and nothing else: an
    export never reaches the network or the file system through a URL."""
    from weasyprint import urls

    def lookup(url: str) -> tuple[bytes, str]:
        if url not in resources:
            raise ValueError(f"导出不读取外部资源:{url}")
        return resources[url]

    if hasattr(urls, "URLFetcher"):  # WeasyPrint >= 66

        class Fetcher(urls.URLFetcher):
            def fetch(self, url, headers=None):
                data, mime = lookup(url)
                return urls.URLFetcherResponse(url, data, {"Content-Type": mime})

        return Fetcher()

    def fetch(url):
        data, mime = lookup(url)
        return {"string": data, "mime_type": mime}

    return fetch


def render_pdf(document: DigestDocument, images: ImageCache | None = None) -> bytes:
    """A4 for print and archive: the HTML export plus a print stylesheet, rendered by
    WeasyPrint with the CJK font embedded."""
    # WeasyPrint logs every step at INFO (from its import on), which the project's root
    # logger would print on every export.
    progress = logging.getLogger("weasyprint.progress")
    if progress.level == logging.NOTSET:
        progress.setLevel(logging.WARNING)
    from weasyprint import HTML  # heavy import, only when a PDF is asked for

    resources: dict[str, tuple[bytes, str]] = {"wuxi-export:font": cjk_font()}
    context = _html_context(document, images or ImageCache(), resources)
    context |= {"print": True, "font_url": "wuxi-export:font"}
    html = render_to_string("digests/export.html", context)
    return HTML(string=html, url_fetcher=_url_fetcher(resources)).write_pdf()


# -- DOCX ----------------------------------------------------------------------------


def render_docx(document: DigestDocument, images: ImageCache | None = None) -> bytes:
    from .export_docx import build_docx

    return build_docx(
        document,
        images=images or ImageCache(),
        draft_notice=DRAFT_NOTICE,
        missing_photo=MISSING_PHOTO,
    )


# -- entry points --------------------------------------------------------------------


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
    "DRAFT_NOTICE",
    "FORMATS",
    "MISSING_PHOTO",
    "ExportError",
    "ExportFile",
    "can_export",
    "export_digest",
    "export_zip",
    "render",
]
