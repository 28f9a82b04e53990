from bs4 import BeautifulSoup

from tests.pages import decode_svg


def test_decoder_reads_what_segno_writes():
    import segno

    url = "http://testserver/digests/7/?page=2"
    svg = BeautifulSoup(segno.make(url, error="m").svg_inline(scale=4), "html.parser")
    assert decode_svg(svg.svg) == url
