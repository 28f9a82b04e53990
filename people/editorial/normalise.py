"""Text as the check reads it, with a map from every character back to the original.

HTML tags are dropped (a block tag becomes a line break, so paragraphs never run
together), entities are decoded, each character is NFKC-normalised (full-width
`，；：（）` become `,;:()`, U+3000 and U+2002 become spaces), and horizontal spaces
*between* Chinese characters are removed, so `李　卫东` reads `李卫东`.
"""

import html
import re
import unicodedata
from dataclasses import dataclass

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)?[^>]*>|<!--.*?-->", re.S)
_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);")
_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
    "figure", "figcaption", "table", "tr", "td", "th", "blockquote", "section",
}  # fmt: skip
_HAN = "\u3400-\u9fff\uf900-\ufaff"
_SPACES_BETWEEN_HAN = re.compile(f"(?<=[{_HAN}])[ \t\u00a0]+(?=[{_HAN}])")
_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\ufeff"}
# Kept as written: NFKC would turn them into other marks the rules do not expect.
_KEEP = {"—", "…", "·", "“", "”", "‘", "’"}


def is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


@dataclass(frozen=True)
class Normalised:
    text: str
    # positions[i]: offset in the original of the character that gave text[i];
    # positions[len(text)] is the original's length.
    positions: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original offsets of text[start:end]."""
        if end <= start:
            return self.positions[start], self.positions[start]
        return self.positions[start], self.positions[end - 1] + 1


def _characters(original: str):
    """(character, original offset) pairs with tags dropped and entities decoded."""
    position = 0
    length = len(original)
    while position < length:
        char = original[position]
        if char == "<":
            tag = _TAG.match(original, position)
            if tag:
                if (tag.group(2) or "").lower() in _BLOCK_TAGS:
                    yield "\n", position
                position = tag.end()
                continue
        if char == "&":
            entity = _ENTITY.match(original, position)
            if entity:
                decoded = html.unescape(entity.group(0))
                if decoded != entity.group(0):
                    for piece in decoded:
                        yield piece, position
                    position = entity.end()
                    continue
        yield char, position
        position += 1


_FOLDED: dict[str, str] = {}


def _fold(char: str) -> str:
    folded = _FOLDED.get(char)
    if folded is None:
        if char in _INVISIBLE:
            folded = ""
        elif char in _KEEP:
            folded = char
        else:
            folded = unicodedata.normalize("NFKC", char)
        if len(_FOLDED) < 20000:
            _FOLDED[char] = folded
    return folded


def normalise(original: str) -> Normalised:
    chars: list[str] = []
    positions: list[int] = []
    for char, offset in _characters(original):
        folded = _fold(char)
        if len(folded) == 1:
            chars.append(folded)
            positions.append(offset)
            continue
        for piece in folded:
            chars.append(piece)
            positions.append(offset)
    # Drop horizontal spaces between two Chinese characters.
    joined = "".join(chars)
    text_parts: list[str] = []
    kept: list[int] = []
    previous = 0
    for gap in _SPACES_BETWEEN_HAN.finditer(joined):
        text_parts.append(joined[previous : gap.start()])
        kept.extend(positions[previous : gap.start()])
        previous = gap.end()
    text_parts.append(joined[previous:])
    kept.extend(positions[previous:])
    kept.append(len(original))
    return Normalised(text="".join(text_parts), positions=kept)
