"""Decode the inline SVG QR code a page carries: rasterize segno's path, read it with zbar.

Imported by the page tests; the test below checks the decoder itself."""

import re

from PIL import Image, ImageDraw

_TOKEN = re.compile(r"[MmHhVv]|-?\d+(?:\.\d+)?")


def svg_modules(svg) -> set[tuple[int, int]]:
    """The dark modules of segno's single-path SVG (runs drawn with `h`)."""
    d = svg.find("path")["d"]
    x = y = 0.0
    dark: set[tuple[int, int]] = set()
    tokens = _TOKEN.findall(d)
    index, command = 0, None
    while index < len(tokens):
        if tokens[index].isalpha():
            command = tokens[index]
            index += 1
        if command in ("M", "m"):
            dx, dy = float(tokens[index]), float(tokens[index + 1])
            index += 2
            x, y = (dx, dy) if command == "M" else (x + dx, y + dy)
        elif command in ("h", "H"):
            length = float(tokens[index])
            index += 1
            end = x + length if command == "h" else length
            for column in range(int(x), int(end)):
                dark.add((column, int(y)))
            x = end
        else:
            raise ValueError(f"unexpected path command {command!r}")
    return dark


def decode_svg(svg) -> str:
    from pyzbar.pyzbar import decode

    dark = svg_modules(svg)
    size = max(max(c for c, _ in dark), max(r for _, r in dark)) + 5  # quiet zone
    scale = 8
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    for column, row in dark:
        draw.rectangle(
            [
                column * scale,
                row * scale,
                (column + 1) * scale - 1,
                (row + 1) * scale - 1,
            ],
            fill=0,
        )
    results = decode(image)
    assert len(results) == 1, "the QR code did not decode"
    return results[0].data.decode("utf-8")


def test_decoder_reads_what_segno_writes():
    import segno
    from bs4 import BeautifulSoup

    url = "http://testserver/digests/7/?page=2"
    svg = BeautifulSoup(segno.make(url, error="m").svg_inline(scale=4), "html.parser")
    assert decode_svg(svg.svg) == url
