import sys

import pytest
import segno
from bs4 import BeautifulSoup

from tests.pages import decode_svg


def test_decoder_reads_what_segno_writes():
    url = "http://testserver/digests/7/?page=2"
    svg = BeautifulSoup(segno.make(url, error="m").svg_inline(scale=4), "html.parser")
    assert decode_svg(svg.svg) == url


def test_qr_tests_skip_with_the_reason_when_zbar_cannot_be_loaded(monkeypatch):
    """pyzbar may import and fail only when it first calls into libzbar."""
    import pyzbar.pyzbar

    def no_library(*args, **kwargs):
        raise OSError("libzbar.so.0: cannot open shared object file")

    monkeypatch.setattr(pyzbar.pyzbar, "decode", no_library)
    svg = BeautifulSoup(segno.make("x").svg_inline(), "html.parser")
    with pytest.raises(pytest.skip.Exception, match="apt-get install libzbar0"):
        decode_svg(svg.svg)


def test_qr_tests_skip_with_the_reason_when_pyzbar_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyzbar.pyzbar", None)
    svg = BeautifulSoup(segno.make("x").svg_inline(), "html.parser")
    with pytest.raises(pytest.skip.Exception, match="libzbar0"):
        decode_svg(svg.svg)
