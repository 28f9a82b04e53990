"""The TXT export: the legacy page format, line for line."""

from ..legacy import render_legacy_text
from ..structure import DigestDocument
from .base import DRAFT_NOTICE


def render_txt(document: DigestDocument) -> bytes:
    """The legacy page format. A draft gets one notice line above the page, which
    `digests.reading.parse_text_export` recognises, so a draft re-imports as the same
    draft."""
    text = render_legacy_text(document)
    if document.is_draft:
        text = f"{DRAFT_NOTICE}\n\n{text}"
    return text.encode("utf-8")
