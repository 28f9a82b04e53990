"""The PDF export of the reference week fits on at most 10 A4 pages (counted with pypdf).

The PDF is also written to var/print/ for a person to look at (pdftoppm -png).
"""

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from digests.exports import export_digest
from media.models import Photo
from media.samples import attach_sample_images
from tests.digests.test_exports import needs_cjk_font

pytestmark = pytest.mark.django_db
PRINT_DIR = Path(__file__).resolve().parents[2] / "var" / "print"
MAX_PAGES = 10


@needs_cjk_font
def test_pdf_export_of_the_reference_week_fits_on_ten_pages(reference_digest):
    # The demo's full-size sample photos (1200 × 800), as editors upload them.
    attach_sample_images(
        photos=Photo.objects.filter(
            placements__article__digest_items__digest=reference_digest
        ).distinct()
    )
    exported = export_digest(digest=reference_digest, fmt="pdf")
    PRINT_DIR.mkdir(parents=True, exist_ok=True)
    (PRINT_DIR / "export.pdf").write_bytes(exported.content)
    reader = PdfReader(io.BytesIO(exported.content))
    assert len(reader.pages) <= MAX_PAGES
    last = reader.pages[-1].extract_text()
    # The briefs never stand alone: their heading and the last brief share a page
    # with the story before them.
    texts = [page.extract_text() for page in reader.pages]
    briefs_page = next(i for i, t in enumerate(texts) if "一周简讯" in t)
    assert briefs_page == len(texts) - 1 or "●" in texts[briefs_page]
    assert "王芳主持召开党组理论学习中心组" in "".join(texts[briefs_page - 1 :])
    assert "巫溪县人民政府" in texts[0] and "/digests/" in texts[0].replace("\n", "")
    assert last.strip()
