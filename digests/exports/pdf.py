"""The PDF export: the HTML export plus a print stylesheet, rendered by WeasyPrint on
A4 with a CJK font embedded. WeasyPrint and fontTools are imported only when a PDF is
made: they are slow to load, and importing WeasyPrint relaxes Pillow process-wide."""

import io
import logging
import os
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from ..structure import DigestDocument
from .base import ExportError
from .html import html_context
from .images import ImageCache

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
    context = html_context(document, images or ImageCache(), resources)
    context |= {
        "print": True,
        "font_url": "wuxi-export:font",
        "site_name": settings.SITE["NAME"],
        "page_address": f"https://{settings.SITE['DOMAIN']}{document.url}"
        if document.url
        else "",
    }
    html = render_to_string("digests/export.html", context)
    return HTML(string=html, url_fetcher=_url_fetcher(resources)).write_pdf()
