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
