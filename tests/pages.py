"""Helpers for tests that read public pages: parsed HTML, visible text, QR codes."""

import re

import pytest
from bs4 import BeautifulSoup
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


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def text(element) -> str:
    """The element's text as a reader sees it, white space folded."""
    return " ".join(element.get_text().split())


ZBAR_MISSING = "zbar is not installed (apt-get install libzbar0); .ci/run installs it"


def zbar_decoder():
    """pyzbar's `decode`, once it has read a QR code here; otherwise skip the test.

    pyzbar imports without the zbar library in some set-ups and fails only when it
    first calls into it, so the check decodes a small code rather than importing.
    """
    import segno

    try:
        from pyzbar.pyzbar import decode

        rows = list(segno.make_qr("zbar").matrix_iter(scale=4, border=4))
        image = Image.new("L", (len(rows[0]), len(rows)))
        image.putdata([0 if dark else 255 for row in rows for dark in row])
        if [r.data for r in decode(image)] != [b"zbar"]:
            raise OSError("zbar decoded nothing")
    except (ImportError, OSError) as error:
        pytest.skip(f"{ZBAR_MISSING} ({error})")
    return decode


def decode_svg(svg) -> str:
    """Decode the inline SVG QR code a page carries: rasterize segno's path, read it
    with zbar."""
    decode = zbar_decoder()
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


def sitemap_locations(client) -> list[str]:
    """Every <loc> of the sitemap: the index's sections, each section's URLs."""
    from urllib.parse import urlsplit

    def locations(path: str) -> list[str]:
        response = client.get(path)
        assert response.status_code == 200, path
        return re.findall(r"<loc>([^<]*)</loc>", response.content.decode())

    return [
        url
        for section in locations("/sitemap.xml")
        for url in locations(urlsplit(section).path)
    ]
