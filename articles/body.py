"""Article bodies: sanitized HTML split into top-level blocks, and plain text."""

import html
from functools import lru_cache
from html.parser import HTMLParser

_VOID = {"br", "hr", "img", "wbr"}


class _BlockSplitter(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.blocks: list[str] = []
        self.depth = 0
        self.current: list[str] = []
        self.loose: list[str] = []  # top-level text outside any element

    def _flush_loose(self):
        text = "".join(self.loose).strip()
        if text:
            self.blocks.append(f"<p>{text}</p>")
        self.loose = []

    def handle_starttag(self, tag, attrs):
        raw = self.get_starttag_text()
        if self.depth == 0:
            if tag == "br":
                self._flush_loose()
                return
            self._flush_loose()
            self.current = [raw]
            if tag in _VOID:
                self.blocks.append(raw)
                return
        else:
            self.current.append(raw)
        if tag not in _VOID:
            self.depth += 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if self.depth == 0:
            return
        self.current.append(f"</{tag}>")
        self.depth -= 1
        if self.depth == 0:
            self.blocks.append("".join(self.current))
            self.current = []

    def _text(self, data):
        (self.current if self.depth else self.loose).append(data)

    def handle_data(self, data):
        self._text(data)

    def handle_entityref(self, name):
        self._text(f"&{name};")

    def handle_charref(self, name):
        self._text(f"&#{name};")

    def close(self):
        super().close()
        if self.current:
            self.blocks.append("".join(self.current))
        self._flush_loose()


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.parts.append("\n")


# Pages and exports split the same saved bodies over and over; parsing is pure, so the
# results are memoised per process (keyed by the HTML itself, so edits never go stale).
@lru_cache(maxsize=2048)
def _split_blocks(body_html: str) -> tuple[str, ...]:
    splitter = _BlockSplitter()
    splitter.feed(body_html)
    splitter.close()
    return tuple(
        block for block in splitter.blocks if block_text(block) or "<hr" in block
    )


def split_blocks(body_html: str) -> list[str]:
    """Split HTML into its top-level blocks (paragraphs, headings, lists...)."""
    return list(_split_blocks(body_html or ""))


@lru_cache(maxsize=8192)
def block_text(block_html: str) -> str:
    """The text a reader sees in one block, entities decoded."""
    extractor = _TextExtractor()
    extractor.feed(block_html or "")
    extractor.close()
    return "".join(extractor.parts).strip()


def paragraphs_to_html(
    paragraphs: list[str], *, subheads: set[int] = frozenset()
) -> str:
    """Plain-text paragraphs as `<p>` blocks, escaped; those at `subheads` in bold."""
    blocks = []
    for index, text in enumerate(paragraphs):
        text = html.escape(text, quote=False)
        blocks.append(
            f"<p><strong>{text}</strong></p>" if index in subheads else f"<p>{text}</p>"
        )
    return "\n".join(blocks)
