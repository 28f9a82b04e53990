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
_HORIZONTAL_SPACE = " \t\u00a0"
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


def normalise(original: str) -> Normalised:
    chars: list[str] = []
    positions: list[int] = []
    for char, offset in _characters(original):
        if char in _INVISIBLE:
            continue
        folded = char if char in _KEEP else unicodedata.normalize("NFKC", char)
        for piece in folded:
            chars.append(piece)
            positions.append(offset)
    # Drop horizontal spaces between two Chinese characters.
    text: list[str] = []
    kept: list[int] = []
    index, count = 0, len(chars)
    while index < count:
        char = chars[index]
        if char in _HORIZONTAL_SPACE and text and is_han(text[-1]):
            run_end = index
            while run_end < count and chars[run_end] in _HORIZONTAL_SPACE:
                run_end += 1
            if run_end < count and is_han(chars[run_end]):
                index = run_end
                continue
        text.append(char)
        kept.append(positions[index])
        index += 1
    kept.append(len(original))
    return Normalised(text="".join(text), positions=kept)
