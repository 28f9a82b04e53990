"""The DOCX export (python-docx): A4, Chinese fonts that Word and WPS both honour, page
numbers in the footer."""

import io

from django.utils import timezone
from docx import Document
from docx.enum.section import WD_SECTION_START
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

from ..structure import DigestDocument, Paragraph, Story
from .base import DRAFT_NOTICE, MISSING_PHOTO
from .images import ImageCache, caption_separator

RED = RGBColor(0xC8, 0x16, 0x1D)
GREY = RGBColor(0x66, 0x66, 0x66)
LATIN_FONT = "Times New Roman"
# East Asian faces by role, with the names Word, WPS and LibreOffice substitute by.
SONG, HEI, FANGSONG, KAI = "宋体", "黑体", "仿宋", "楷体"
FONT_TABLE = {
    SONG: ("SimSun", "02010600030101010101"),
    HEI: ("SimHei", "02010609060101010101"),
    FANGSONG: ("FangSong", "02010609060101010101"),
    KAI: ("KaiTi", "02010609060101010101"),
}
CONTENT_WIDTH = Cm(16)
MAX_PHOTO_WIDTH = Cm(14)
MAX_PHOTO_HEIGHT = Cm(10.5)


def _set_fonts(rpr_parent, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Explicit fonts on a style or run; theme fonts would override them, so go."""
    rpr = rpr_parent.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    _write_fonts(fonts, east_asia, latin)
    fonts.set(qn("w:hint"), "eastAsia")


def _write_fonts(fonts, east_asia: str, latin: str) -> None:
    """Replace a w:rFonts element's fonts: Latin for ascii/hAnsi/cs, CJK for eastAsia."""
    for attribute in list(fonts.attrib):
        del fonts.attrib[attribute]
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)


def _style(doc, name: str, *, east_asia: str, size: float, bold=False, color=None):
    style = doc.styles[name]
    _set_fonts(style.element, east_asia)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = color or RGBColor(0, 0, 0)
    return style


def _first_line_indent_chars(element, chars: int = 2, size: float = 14) -> None:
    """A first-line indent of N characters, as Chinese text expects: w:firstLineChars for
    Word and WPS, w:firstLine (twips) for LibreOffice, which ignores the former."""
    ind = element.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:firstLineChars"), str(chars * 100))
    ind.set(qn("w:firstLine"), str(int(chars * size * 20)))


def _setup_styles(doc) -> None:
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _write_fonts(rpr.find(qn("w:rFonts")), FANGSONG, LATIN_FONT)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")

    normal = _style(doc, "Normal", east_asia=FANGSONG, size=14)
    normal.paragraph_format.line_spacing = 1.5
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _first_line_indent_chars(normal.element)

    title = _style(doc, "Title", east_asia=SONG, size=22, bold=True, color=RED)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(6)
    borders = title.element.pPr.find(qn("w:pBdr"))
    if borders is not None:
        title.element.pPr.remove(borders)

    day = _style(doc, "Heading 1", east_asia=HEI, size=15, bold=True, color=RED)
    day.paragraph_format.space_before = Pt(18)
    day.paragraph_format.space_after = Pt(6)
    headline = _style(doc, "Heading 2", east_asia=HEI, size=16, bold=True)
    headline.paragraph_format.space_before = Pt(14)
    headline.paragraph_format.space_after = Pt(8)
    headline.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for style in (title, day, headline):
        style.paragraph_format.keep_with_next = True
        _first_line_indent_chars(style.element, 0)

    caption = _style(doc, "Caption", east_asia=KAI, size=12, color=GREY)
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _first_line_indent_chars(caption.element, 0)
    caption.paragraph_format.space_after = Pt(10)
    caption.paragraph_format.line_spacing = 1.2


def _add_font_table_entries(doc) -> None:
    """Declare the Chinese faces with their English names and the GB2312 charset, so an
    editor without 仿宋 substitutes another Chinese face, not a Latin one."""
    part = next(
        p for p in doc.part.package.iter_parts() if p.partname == "/word/fontTable.xml"
    )
    table = parse_xml(part.blob)
    present = {font.get(qn("w:name")) for font in table.findall(qn("w:font"))}
    for name, (alt_name, panose) in FONT_TABLE.items():
        if name in present:
            continue
        table.append(
            parse_xml(
                f'<w:font {nsdecls("w")} w:name="{name}">'
                f'<w:altName w:val="{alt_name}"/><w:panose1 w:val="{panose}"/>'
                '<w:charset w:val="86"/><w:family w:val="auto"/>'
                '<w:pitch w:val="variable"/></w:font>'
            )
        )
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8")


def _field(paragraph, instruction: str, placeholder: str = "1") -> None:
    """A Word field (PAGE, NUMPAGES) that Word and WPS update when the page is laid out."""

    def fld(kind: str):
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)

    fld("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    fld("separate")
    paragraph.add_run(placeholder)
    fld("end")


def _setup_page(doc, document: DigestDocument) -> None:
    section = doc.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.5)
    section.left_margin = section.right_margin = Cm(2.5)
    section.header_distance = section.footer_distance = Cm(1.2)

    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _first_line_indent_chars(header._p, 0)
    label = (
        f"{document.column_name} · {document.title} {document.issued_on.isoformat()}"
    )
    run = header.add_run(label)
    run.font.size, run.font.color.rgb = Pt(9), GREY
    if document.is_draft:
        draft = header.add_run("  草稿 · 未发布")
        draft.font.size, draft.font.bold, draft.font.color.rgb = Pt(10), True, RED

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _first_line_indent_chars(footer._p, 0)
    footer.add_run("第 ")
    _field(footer, "PAGE")
    footer.add_run(" 页 共 ")
    _field(footer, "NUMPAGES")
    footer.add_run(" 页")
    for run in footer.runs:
        run.font.size = Pt(10.5)
        _set_fonts(run._r, SONG)


def _add_story(doc, story: Story, images: ImageCache) -> None:
    doc.add_paragraph(story.headline, style="Heading 2")
    for block in story.blocks:
        if isinstance(block, Paragraph):
            doc.add_paragraph(block.text)
            continue
        image = images.get(block)
        picture = doc.add_paragraph(style="Caption")
        picture.paragraph_format.keep_with_next = True
        picture.paragraph_format.space_after = Pt(2)
        if image is None:
            gap = picture.add_run(MISSING_PHOTO)
            gap.font.color.rgb = RGBColor(0x99, 0x99, 0x99)
        else:
            width = min(
                MAX_PHOTO_WIDTH, int(MAX_PHOTO_HEIGHT * image.width / image.height)
            )
            picture.add_run().add_picture(io.BytesIO(image.data), width=width)
        caption = doc.add_paragraph(style="Caption")
        if block.caption:
            caption.add_run(block.caption)
        if block.credit:
            if separator := caption_separator(block):
                caption.add_run(separator)
            credit = caption.add_run(block.credit)
            _set_fonts(credit._r, FANGSONG)
            credit.font.size = Pt(10.5)


def render_docx(document: DigestDocument, images: ImageCache | None = None) -> bytes:
    images = images or ImageCache()
    doc = Document()
    _setup_styles(doc)
    _add_font_table_entries(doc)
    _setup_page(doc, document)
    properties = doc.core_properties
    properties.title = document.title
    properties.subject = f"{document.column_name} {document.issued_on.isoformat()}"
    properties.author = properties.last_modified_by = document.column_name
    properties.language = "zh-CN"
    properties.created = properties.modified = timezone.now()
    properties.keywords = "草稿" if document.is_draft else ""

    if document.is_draft:
        notice = doc.add_paragraph()
        notice.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _first_line_indent_chars(notice._p, 0)
        run = notice.add_run(DRAFT_NOTICE)
        run.font.bold, run.font.color.rgb = True, RED
        _set_fonts(run._r, HEI)
    title = ("【草稿】" if document.is_draft else "") + document.title
    doc.add_paragraph(title, style="Title")
    date_line = doc.add_paragraph(f"日期:{document.issued_on.isoformat()}")
    date_line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _first_line_indent_chars(date_line._p, 0)
    date_line.paragraph_format.space_after = Pt(12)
    date_line.runs[0].font.color.rgb = GREY
    date_line.runs[0].font.size = Pt(12)

    if document.lead:
        _add_story(doc, document.lead, images)
    for section in document.days:
        doc.add_paragraph(section.heading, style="Heading 1")
        for story in section.stories:
            _add_story(doc, story, images)
    if document.briefs:
        doc.add_paragraph("一周简讯", style="Heading 1")
        for brief in document.briefs:
            doc.add_paragraph(f"● {brief.line}")

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
