"""The demo (DEBUG) serves uploads as nginx does: photos, never the editors' imports."""

import pytest
from django.http import Http404
from django.test import RequestFactory

from wuxi_news.urls import serve_upload


@pytest.mark.parametrize(
    "path",
    [
        "imports/2024/12/pages.zip",
        "imports/reports/2024/12/r.jsonl",
        "photos/../imports/a.txt",
    ],
)
def test_the_demo_never_serves_the_imports(settings, tmp_path, path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "imports" / "reports" / "2024" / "12").mkdir(parents=True)
    (tmp_path / "imports" / "2024" / "12").mkdir(parents=True, exist_ok=True)
    (tmp_path / path.replace("photos/../", "")).write_text("未发布的稿件")
    with pytest.raises(Http404):
        serve_upload(RequestFactory().get("/uploads/" + path), path)


def test_the_demo_serves_photos(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(b"\xff\xd8photo")
    response = serve_upload(
        RequestFactory().get("/uploads/photos/a.jpg"), "photos/a.jpg"
    )
    assert b"".join(response.streaming_content) == b"\xff\xd8photo"
