"""Text hygiene shared by every app: plain-text normalization and rich-text sanitizing."""

import re
import unicodedata

import nh3

# Zero-width characters hide text; bidirectional controls spoof the reading order.
_INVISIBLE = re.compile(
    "[\u200b-\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069\u200e\u200f]"
)

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "em", "b", "i", "u", "s", "sub", "sup",
    "blockquote", "ul", "ol", "li", "hr", "a", "table", "thead", "tbody", "tr", "th",
    "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"},
                      "th": {"colspan", "rowspan"}}  # fmt: skip
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def clean_text(value: str) -> str:
    """Return `value` as NFC without invisible or order-spoofing characters.

    Full-width punctuation, the en space (U+2002) and the like are kept as typed.
    """
    if not value:
        return value
    return _INVISIBLE.sub("", unicodedata.normalize("NFC", value))


def sanitize_html(value: str) -> str:
    """Keep only the allow-listed tags and attributes; drop scripts, styles, handlers."""
    if not value:
        return ""
    cleaned = nh3.clean(
        clean_text(value),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return cleaned.strip()


def excerpt(text: str, query: str, width: int = 80) -> str:
    """About `width` characters of `text` around the first match of `query` (any case),
    or its beginning when it does not contain it; `…` marks what is cut."""
    text = " ".join(text.split())
    match = re.search(re.escape(query), text, re.IGNORECASE) if query else None
    start = 0
    if match:
        start = max(0, match.start() - (width - len(query)) // 3)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def has_case(text: str) -> bool:
    """Whether `text` holds a letter with upper and lower case (not Chinese, not digits)."""
    return text.lower() != text.upper()
