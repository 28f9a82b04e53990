"""Every export format, opened with a real reader."""

import io
import json
import re
import zipfile

import jsonschema
import pytest
from bs4 import BeautifulSoup
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from articles.models import Article, ArticlePhoto
from digests import exports, reading
from digests.exports import (
    MISSING_PHOTO,
    ExportError,
    export_digest,
    export_zip,
    outgoing_document,
    pdf,
)
from digests.models import WeeklyDigest
from digests.reading import (
    DigestFileError,
    document_from_json,
    json_schema,
    parse_text_export,
)
from digests.services import build_document, import_digest
from media.models import Photo
from media.samples import sample_image
from tests.conftest import REFERENCE_PATH

pytestmark = pytest.mark.django_db

HEADLINE = "巫溪县召开2025年社会民生及安全稳定调研座谈会"


def _has_cjk_font() -> bool:
    try:
        pdf.find_cjk_font()
    except ExportError:
        return False
    return True


needs_cjk_font = pytest.mark.skipif(
    not _has_cjk_font(),
    reason="no CJK font for PDF export (apt-get install fonts-wqy-microhei); "
    ".ci/run installs it",
)


@pytest.fixture
def digest(reference_digest) -> WeeklyDigest:
    """The reference week with a small sample image for every photo."""
    photos = Photo.objects.filter(
        placements__article__digest_items__digest=reference_digest
    )
    for index, photo in enumerate(photos.distinct()):
        data = sample_image(caption=photo.caption, index=index, size=(240, 160))
        photo.image.save("sample.jpg", ContentFile(data), save=True)
    # `image.save()` leaves the size empty, and Django then reads every file whenever a
    # photo is loaded; an upload through the admin records it, as here.
    photos.update(width=240, height=160)
    return WeeklyDigest.objects.get(pk=reference_digest.pk)


def make_draft(digest: WeeklyDigest) -> WeeklyDigest:
    WeeklyDigest.objects.filter(pk=digest.pk).update(status=WeeklyDigest.Status.DRAFT)
    return WeeklyDigest.objects.get(pk=digest.pk)


def expected_sequence(digest: WeeklyDigest) -> list[str]:
    """Headlines, captions, credits and briefs in the order a reader meets them."""
    document = build_document(digest)
    sequence = []
    for story in document.stories:
        sequence.append(story.headline)
        for photo in story.photos:
            sequence += [part for part in (photo.caption, photo.credit) if part]
    return sequence + [brief.line for brief in document.briefs]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def assert_in_order(text: str, needles: list[str]) -> None:
    position = 0
    for needle in needles:
        found = text.find(needle, position)
        assert found >= 0, f"not found after position {position}: {needle}"
        position = found + len(needle)


def reimport(raw: bytes, name: str) -> WeeklyDigest:
    """Forget every digest, article and photo, then import the file as the only digest."""
    WeeklyDigest.objects.all().delete()
    Article.objects.all().delete()
    Photo.objects.all().delete()
    document, _ = reading.read_digest_file(name=name, raw=raw)
    return import_digest(document=document, publish=not document.is_draft).digest


def structure(digest: WeeklyDigest) -> dict:
    """What must survive a round trip: every story, block, caption, credit and brief."""
    document = build_document(digest)
    return {
        "title": document.title,
        "issued_on": document.issued_on,
        "breadcrumb": document.breadcrumb,
        "draft": document.is_draft,
        "lead": document.lead.headline if document.lead else None,
        "days": [
            (
                section.day,
                [
                    (
                        story.headline,
                        story.news_on,
                        [
                            ("p", block.text)
                            if not hasattr(block, "caption")
                            else ("photo", block.caption, block.credit)
                            for block in story.blocks
                        ],
                    )
                    for story in section.stories
                ],
            )
            for section in document.days
        ],
        "briefs": [(brief.happened_on, brief.text) for brief in document.briefs],
    }


# -- DOCX ----------------------------------------------------------------------------


def test_docx_reads_back_every_headline_caption_credit_and_brief_in_order(digest):
    exported = export_digest(digest=digest, fmt="docx")
    doc = Document(io.BytesIO(exported.content))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == "见“政”巫溪这一周"
    assert "日期:2024-12-15" in paragraphs[:3]
    assert_in_order("\n".join(paragraphs), expected_sequence(digest))
    headlines = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert headlines[0] == HEADLINE and len(headlines) == 12
    days = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert days == ["12月10日", "12月11日", "12月12日", "12月13日", "一周简讯"]
    assert len(doc.inline_shapes) == 14
    assert sum(text.count("记者 吴丹/摄") for text in paragraphs) == 6


def test_docx_sets_east_asian_fonts_and_page_numbers(digest):
    doc = Document(io.BytesIO(export_digest(digest=digest, fmt="docx").content))
    styles = doc.styles.element.xml
    assert 'w:eastAsia="仿宋"' in styles and 'w:eastAsia="黑体"' in styles
    assert "eastAsiaTheme" not in doc.styles["Heading 2"].element.xml
    footer = doc.sections[0].footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "NUMPAGES" in footer
    assert doc.sections[0].page_width.cm == pytest.approx(21.0, abs=0.01)


# -- PDF -----------------------------------------------------------------------------


@needs_cjk_font
def test_pdf_has_the_chinese_text_in_order_with_an_embedded_cjk_font(digest):
    exported = export_digest(digest=digest, fmt="pdf")
    reader = PdfReader(io.BytesIO(exported.content))
    text = squash("".join(page.extract_text() for page in reader.pages))
    assert_in_order(text, [squash(s) for s in expected_sequence(digest)])
    assert "第1页共" in text
    embedded = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"]
                if "/FontFile2" in descriptor or "/FontFile3" in descriptor:
                    embedded.add(str(font["/BaseFont"]))
    assert any(name.endswith("WuxiCJK") for name in embedded), embedded
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4


def test_pdf_without_a_cjk_font_is_refused_naming_the_package(digest, monkeypatch):
    monkeypatch.setattr(pdf, "CJK_FONT_PATHS", ["/nonexistent/font.ttc"])
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(ExportError, match="fonts-wqy-microhei 或 fonts-noto-cjk"):
        export_digest(digest=digest, fmt="pdf")


# -- HTML ----------------------------------------------------------------------------


def test_html_is_one_standalone_file_with_inline_styles(digest):
    exported = export_digest(digest=digest, fmt="html")
    soup = BeautifulSoup(exported.content, "html.parser")
    assert soup.find("style") is None and soup.find("script") is None
    assert soup.find("link") is None
    images = soup.find_all("img")
    assert len(images) == 14
    assert all(img["src"].startswith("data:image/jpeg;base64,") for img in images)
    for tag in soup.find_all(True):
        for attribute in ("src", "href", "srcset", "background"):
            value = tag.get(attribute)
            assert not value or value.startswith("data:"), (tag.name, value)
    assert all(h.get("style") for h in soup.find_all(["h1", "h2", "h3", "p"]))
    assert [h.get_text() for h in soup.find_all("h3")][0] == HEADLINE
    assert_in_order(soup.get_text(), expected_sequence(digest))


# -- TXT -----------------------------------------------------------------------------


def test_txt_export_of_the_imported_reference_page_is_the_reference_page(
    reference_digest, reference_text
):
    exported = export_digest(digest=reference_digest, fmt="txt")
    assert exported.content.decode("utf-8").split("\n") == reference_text.split("\n")
    assert exported.content == reference_text.encode("utf-8")


def test_txt_export_imports_back_as_the_same_digest(digest):
    before = structure(digest)
    raw = export_digest(digest=digest, fmt="txt").content
    assert structure(reimport(raw, "export.txt")) == before


def test_a_brief_opening_with_its_span_prints_the_day_once_in_every_format(digest):
    brief = digest.briefs.get()
    brief.text = "12日至14日,县人大常委会开展执法检查。"
    brief.save()
    for fmt in ("txt", "html", "docx"):
        content = export_digest(digest=digest, fmt=fmt).content
        if fmt == "docx":
            document = Document(io.BytesIO(content))
            text = "\n".join(p.text for p in document.paragraphs)
        else:
            text = BeautifulSoup(content.decode(), "html.parser").get_text()
        assert "12日至14日,县人大常委会" in text, fmt
        assert "12日,12日至14日" not in text, fmt
    before = structure(digest)
    for fmt in ("txt", "json"):
        raw = export_digest(digest=digest, fmt=fmt).content
        assert structure(reimport(raw, f"export.{fmt}")) == before, fmt
        digest = WeeklyDigest.objects.get()


def test_draft_txt_has_a_notice_line_and_imports_back_as_a_draft(digest, tmp_path):
    draft = make_draft(digest)
    raw = export_digest(digest=draft, fmt="txt").content
    assert raw.decode().startswith("【草稿】")
    document, warnings = parse_text_export(raw.decode())
    assert document.is_draft and document.title == "见“政”巫溪这一周"
    path = tmp_path / "draft.txt"
    path.write_bytes(raw)
    before = structure(draft)
    WeeklyDigest.objects.all().delete()
    call_command("import_digest", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    again = WeeklyDigest.objects.get()
    assert not again.is_published
    assert structure(again) == before


# -- JSON ----------------------------------------------------------------------------


def test_json_validates_against_its_schema_and_round_trips(digest):
    raw = export_digest(digest=digest, fmt="json").content
    data = json.loads(raw)
    jsonschema.Draft202012Validator.check_schema(json_schema())
    jsonschema.validate(data, json_schema())
    assert data["schema_version"] == 1 and data["status"] == "published"
    photos = [b for s in data["days"][0]["stories"] for b in s["blocks"]]
    assert all(p["file"].endswith(".jpg") for p in photos if p["type"] == "photo")
    # Parsing gives back the same JSON, file names aside (they stay with the photos).
    again = json.loads(exports.render_json(document_from_json(raw)))
    strip = re.compile(r'"(file|alt)": [^,\n]*')
    assert strip.sub("", json.dumps(again)) == strip.sub("", json.dumps(data))

    before = structure(digest)
    assert structure(reimport(raw, "export.json")) == before


def test_json_import_command_reads_an_export(digest, tmp_path):
    path = tmp_path / "week.json"
    path.write_bytes(export_digest(digest=digest, fmt="json").content)
    before = structure(digest)
    WeeklyDigest.objects.all().delete()
    out = io.StringIO()
    call_command("import_digest", str(path), stdout=out)
    assert "12 篇稿件,14 张图片" in out.getvalue()
    assert structure(WeeklyDigest.objects.get()) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("title"), "缺少必填字段:title"),
        (lambda d: d.update(issued_on="2024/12/15"), "issued_on 格式不对"),
        (lambda d: d.update(schema_version=9), "不支持的 JSON 版本"),
        (lambda d: d["briefs"][0].update(text=""), "briefs/0/text 不能为空"),
        (lambda d: d.update(issued_on="2024-02-30"), "日期无效"),
    ],
)
def test_json_import_refuses_bad_files_with_a_chinese_message(
    reference_digest, change, message
):
    data = json.loads(export_digest(digest=reference_digest, fmt="json").content)
    change(data)
    with pytest.raises(DigestFileError, match=message):
        document_from_json(json.dumps(data, ensure_ascii=False))


def test_json_import_refuses_what_is_not_json():
    with pytest.raises(DigestFileError, match="不是有效的 JSON"):
        document_from_json(b"{ not json")


# -- drafts, missing photos, names ---------------------------------------------------


@needs_cjk_font
def test_a_draft_says_so_in_every_format(digest):
    draft = make_draft(digest)
    files = {fmt: export_digest(digest=draft, fmt=fmt) for fmt in exports.FORMATS}
    assert all("草稿" in f.filename for f in files.values())
    doc = Document(io.BytesIO(files["docx"].content))
    assert doc.paragraphs[0].text.startswith("【草稿】")
    assert doc.paragraphs[1].text == "【草稿】见“政”巫溪这一周"
    assert "草稿" in doc.sections[0].header.paragraphs[0].text
    pdf = PdfReader(io.BytesIO(files["pdf"].content))
    assert all("草稿" in page.extract_text() for page in pdf.pages)
    soup = BeautifulSoup(files["html"].content, "html.parser")
    assert soup.h1.get_text().startswith("【草稿】")
    assert files["txt"].content.decode().startswith("【草稿】")
    assert json.loads(files["json"].content)["status"] == "draft"


@needs_cjk_font
def test_a_missing_photo_file_is_a_marked_gap_with_caption_and_credit(digest):
    photo = Photo.objects.get(caption="县委书记李卫东出席会议并讲话。")
    photo.image.storage.delete(photo.image.name)
    for fmt in ("docx", "pdf", "html"):
        content = export_digest(digest=digest, fmt=fmt).content
        if fmt == "docx":
            doc = Document(io.BytesIO(content))
            text = "\n".join(p.text for p in doc.paragraphs)
            assert len(doc.inline_shapes) == 13
        elif fmt == "pdf":
            reader = PdfReader(io.BytesIO(content))
            text = squash("".join(page.extract_text() for page in reader.pages))
        else:
            text = BeautifulSoup(content, "html.parser").get_text()
        expected = [MISSING_PHOTO, "县委书记李卫东出席会议并讲话。", "记者 吴丹/摄"]
        if fmt == "pdf":  # text extraction does not keep spaces reliably
            expected = [squash(part) for part in expected]
        assert_in_order(text, expected)
        assert text.count(MISSING_PHOTO) == 1


def test_an_unreadable_image_is_a_gap_too(digest):
    photo = Photo.objects.get(caption="县委书记李卫东出席会议并讲话。")
    with photo.image.storage.open(photo.image.name, "wb") as handle:
        handle.write(b"not an image")
    html = export_digest(digest=digest, fmt="html").content.decode()
    assert html.count(MISSING_PHOTO) == 1


def test_a_published_digest_leaves_out_stories_that_are_not_public(digest):
    Article.objects.filter(headline=HEADLINE).update(status=Article.Status.DRAFT)
    document = outgoing_document(digest)
    assert document.lead is None and len(document.stories) == 11
    assert HEADLINE not in export_digest(digest=digest, fmt="txt").content.decode()
    draft = make_draft(digest)
    assert outgoing_document(draft).lead.headline == HEADLINE


def test_file_names_carry_the_title_and_date(digest):
    assert export_digest(digest=digest, fmt="docx").filename == (
        "见政巫溪这一周-2024-12-15.docx"
    )
    assert export_digest(digest=make_draft(digest), fmt="pdf").filename == (
        "见政巫溪这一周-2024-12-15-草稿.pdf"
    )


def test_zip_holds_each_digest_in_each_format(digest):
    second = WeeklyDigest.objects.create(
        title="见“政”巫溪这一周",
        column=digest.column,
        issued_on=digest.issued_on.replace(day=22),
        week_starts_on=digest.issued_on.replace(day=16),
        week_ends_on=digest.issued_on.replace(day=22),
        status=WeeklyDigest.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    exported = export_zip(digests=[second, digest], formats=["json", "txt"])
    assert exported.filename == "每周要闻-2024-12-15至2024-12-22.zip"
    with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
        assert archive.namelist() == [
            "见政巫溪这一周-2024-12-15.txt",
            "见政巫溪这一周-2024-12-15.json",
            "见政巫溪这一周-2024-12-22.txt",
            "见政巫溪这一周-2024-12-22.json",
        ]
        assert archive.read("见政巫溪这一周-2024-12-15.txt") == (
            REFERENCE_PATH.read_bytes()
        )


def test_photos_keep_their_positions_between_paragraphs(digest):
    story = outgoing_document(digest).days[1].stories[0]
    doc = Document(io.BytesIO(export_digest(digest=digest, fmt="docx").content))
    texts = [p.text for p in doc.paragraphs]
    start = texts.index(story.headline)
    # The story opens with a photo, a paragraph, a photo (caption under each picture).
    has_picture = [bool(p._p.xpath(".//w:drawing")) for p in doc.paragraphs]
    assert has_picture[start + 1] and texts[start + 2] == story.blocks[0].caption_line
    assert texts[start + 3] == story.blocks[1].text
    assert has_picture[start + 4]
    assert ArticlePhoto.objects.count() == 14
