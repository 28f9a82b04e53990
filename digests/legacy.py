"""The legacy plain-text page format (the county site's 巫溪要闻 pages) to and from a
`DigestDocument`.

The format, by example (see tests/fixtures/reference_2024-12-15.txt):

    您当前的位置:首页>巫溪要闻
    见“政”巫溪这一周
    日期:2024-12-15
    <lead headline, paragraphs and photo captions>
    12月10日
    <headline, paragraphs and captions of each story of the day>
    一周简讯
    >>12日,…
    扫一扫在手机打开当前页
"""

import codecs
import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from media.credits import CREDIT_HINT, join_caption_and_credit, read_credit

from .layout import (
    MAX_HEADLINE,
    QR_LINE,
    SENTENCE_END,
    LegacyFormatError,
    LineKind,
    LineLog,
    ParseWarning,
    is_boilerplate,
    looks_like_headline,
    page_lines,
    read_header,
)
from .structure import (
    BriefLine,
    DaySection,
    DigestDocument,
    Paragraph,
    PhotoBlock,
    Story,
    span_start,
)

BREADCRUMB_LABEL = "您当前的位置"
HOME_LABEL = "首页"
BRIEFS_HEADING = "一周简讯"
BRIEF_MARKERS = (">>", "》》", "●", "◆", "■")

DAY_HEADING = re.compile(
    r"^(?P<m>\d{1,2})月(?P<d>\d{1,2})日(?:\s*[(\uff08]?(?:星期|周)[一二三四五六日天][)\uff09]?)?$"
)
_BRIEF_DAY = re.compile(r"^(?P<d>\d{1,2})日\s*[,\uff0c、]?\s*(?P<text>.*)$", re.S)
_DATE_IN_TEXT = re.compile(r"^(?P<m>\d{1,2})月(?P<d>\d{1,2})日")
# Position markers such as (左二) or (前排右一) belong to photo captions.
_POSITION_MARKER = re.compile(
    r"[(\uff08](?:前排|后排|中排)?[左右中](?:[一二三四五六七八九十\d]+)?[)\uff09]"
)
# `●某某表示——`, `一、…`, `(一)…`: a subhead inside a story, never a headline.
_SUBHEAD = re.compile(
    r"^(?:[●◆■▲★☆◇□▶►]|[一二三四五六七八九十]+、|[(\uff08][一二三四五六七八九十]+[)\uff09])"
    r"|——$"
)
_IMAGE_FILE = re.compile(
    r"^[\w\u4e00-\u9fff() \uff08\uff09.\-]{0,80}\.(?:jpe?g|png|gif|bmp|webp|tiff?)$",
    re.I,
)
# Staff lines: `记 者:X`, `编 辑:X`, `一 审:X`, `二 审:X`, `三 审:X`, `总 编:X`, several
# on one line.
_STAFF_LABEL = (
    r"记\s*者|编\s*辑|责\s*任\s*编\s*辑|责\s*编|一\s*审|二\s*审|三\s*审|初\s*审"
    r"|复\s*审|终\s*审|总\s*编|审\s*核|审\s*校|校\s*对|作\s*者|通\s*讯\s*员|来\s*源"
)
_STAFF_SPLIT = re.compile(rf"(?:^|\s+)({_STAFF_LABEL})\s*[:\uff1a]\s*")
_MAX_UNCREDITED_CAPTION = 100
# A byline on a line of its own: `记者 张三`, `(全媒体记者 李四 王五)`.
_BYLINE_LINE = re.compile(
    r"^(?:本报讯)?\s*[(\uff08]?\s*(?P<byline>(?:全媒体记者|融媒体记者|特约记者|实习记者"
    r"|见习记者|记者|通讯员)\s*[\u4e00-\u9fff·、 ]{2,30}?)\s*[)\uff09]?$"
)


def decode(raw: bytes) -> str:
    """Decode a legacy file: UTF-8 (with or without BOM), UTF-16 with BOM, GB18030/GBK."""
    if not raw.strip():
        raise LegacyFormatError("文件是空的。")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LegacyFormatError("文件以 UTF-16 标记开头,但内容无法解码。") from exc
    if b"\x00" in raw:
        raise LegacyFormatError(
            "这不是文本文件(含有二进制数据),请选择网页的纯文本文件。"
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            if encoding == "utf-8-sig":
                _refuse_damaged_utf8(raw)
            continue
        controls = sum(
            1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t"
        )
        if controls > max(2, len(text) // 100):
            raise LegacyFormatError("这不是文本文件(含有大量控制字符)。")
        return text
    raise LegacyFormatError(
        "无法识别文件编码:既不是 UTF-8,也不是 GB18030/GBK。请用记事本另存为 UTF-8 后重试。"
    )


def _refuse_damaged_utf8(raw: bytes) -> None:
    """Refuse a UTF-8 file cut inside a character, or damaged after valid Chinese text.

    A GB18030 file fails as UTF-8 at its first Chinese character; a file whose Chinese
    text before the bad byte is valid UTF-8 is a damaged UTF-8 file, not GB18030.
    """
    raw = raw.removeprefix(codecs.BOM_UTF8)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_no = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        if exc.reason == "unexpected end of data" and exc.end == len(raw):
            raise LegacyFormatError(
                f"文件在第 {line_no} 行被截断:最后一个字符不完整(UTF-8 编码的文件"
                "没有保存完整)。请重新导出或另存完整的文件后再导入。"
            ) from exc
        if sum(1 for byte in raw[: exc.start] if byte >= 0xC0) >= 2:
            raise LegacyFormatError(
                f"第 {line_no} 行有损坏的字节:文件是 UTF-8 编码,但这一行第 {column} "
                "个字节无法解码。请检查或重新导出该文件。"
            ) from exc


def _resolve_day(
    month: int, day: int, issued_on: datetime.date
) -> datetime.date | None:
    """The date of `M月D日` in a page dated `issued_on` (December items in January pages)."""
    for year in (issued_on.year, issued_on.year - 1, issued_on.year + 1):
        try:
            candidate = datetime.date(year, month, day)
        except ValueError:
            return None
        if abs((candidate - issued_on).days) <= 183:
            return candidate
    return None


def _split_credit(line: str) -> tuple[PhotoBlock, bool] | None:
    """A credited caption, and whether the credit is glued to the caption's last word."""
    reading = read_credit(line)
    if reading is None:
        return None
    photo = PhotoBlock(
        caption=reading.caption, credit_role=reading.role, credit_name=reading.name
    )
    return photo, reading.is_glued


def _is_single_sentence(line: str) -> bool:
    body = line[:-1]
    return (
        line.endswith("。")
        and len(line) <= _MAX_UNCREDITED_CAPTION
        and not any(mark in body for mark in "。!?\uff01\uff1f;\uff1b")
    )


def _overlap(short: str, long: str) -> float:
    """The share of `short` found as one run inside `long`."""
    if not short:
        return 0.0
    matcher = SequenceMatcher(None, short, long, autojunk=False)
    match = matcher.find_longest_match(0, len(short), 0, len(long))
    return match.size / len(short)


def is_subhead(line: str, *, short_lines_too: bool = False) -> bool:
    """`●某某表示——`, `一、…` (short), or, in an article, any short line ending no
    sentence: a subhead stays inside its story."""
    if len(line) > 40 or any(mark in line[:-1] for mark in "。!?\uff01\uff1f;\uff1b"):
        return False
    if _SUBHEAD.search(line):
        return True
    return (
        short_lines_too and len(line) <= 30 and not line.endswith(tuple(SENTENCE_END))
    )


def is_image_file(line: str) -> bool:
    """An image's file name printed where the page had the image (`QQ图片2020….jpg`)."""
    return bool(_IMAGE_FILE.match(line))


def read_staff(line: str) -> list[tuple[str, str]] | None:
    """`编 辑:王五 一审:赵六` as (label, value) pairs, or None if `line` is not one."""
    if len(line) > 120:
        return None
    pieces = _STAFF_SPLIT.split(line.strip("()\uff08\uff09[]【】"))
    if pieces[0].strip() or len(pieces) < 3:
        return None
    pairs = []
    for label, value in zip(pieces[1::2], pieces[2::2], strict=True):
        value = value.strip()
        if len(value) > 30 or any(mark in value for mark in "。!?\uff01\uff1f"):
            return None
        pairs.append((re.sub(r"\s+", "", label), value))
    return pairs


_REPORTERS = re.compile(
    r"[(\uff08]\s*(?P<byline>(?:全媒体记者|融媒体记者|特约记者|实习记者|见习记者|记者"
    r"|通讯员)\s*[^()\uff08\uff09]{2,40}?)\s*[)\uff09]"
)


def reporters_in(text: str) -> list[str]:
    """Bylines such as `(记者 张三)`, `本报讯(全媒体记者 李四 王五)` in a paragraph."""
    return [re.sub(r"\s+", " ", m["byline"]) for m in _REPORTERS.finditer(text[:200])]


@dataclass
class _RawStory:
    headline: str
    line_no: int
    lines: list[tuple[int, str]]
    day: datetime.date | None


@dataclass
class Budget:
    """Characters left for comparing lines: a crafted page cannot make parsing slow.

    The reference page (29 KB) spends 10,000; this is fifty times that, about 0.1 s
    (it was 5,000,000, over a second a page: 600 pages of 560 KB took 12 minutes).
    """

    left: int = 500_000


@dataclass
class StoryBody:
    blocks: list[Paragraph | PhotoBlock] = field(default_factory=list)
    reporters: list[str] = field(default_factory=list)
    staff: list[tuple[str, str]] = field(default_factory=list)


# Staff labels the article keeps; the others are listed in the report as ignored.
STAFF_FIELDS = {
    "记者": "reporters",
    "作者": "reporters",
    "通讯员": "reporters",
    "编辑": "responsible_editor",
    "责任编辑": "responsible_editor",
    "责编": "responsible_editor",
    "来源": "source",
}


def classify_story_lines(
    lines: list[tuple[int, str]],
    *,
    warnings: list[ParseWarning],
    budget: Budget,
    log: LineLog,
    is_article: bool = False,
) -> StoryBody:
    """Tell paragraphs, subheads, photos (captions, credits) and staff lines apart
    inside one story.

    A caption with a credit (`…/摄`, `… 摄`, `图/…`) is certain. A caption without one
    is recognised by a position marker (`(左二)`) or by restating, in one sentence,
    what another paragraph of the story says (photo captions repeat the lead
    sentence); the story's first line is its introduction, never an uncredited
    caption. Doubtful lines stay paragraphs and are reported so the editor can check
    them.
    """
    body = StoryBody()
    blocks = body.blocks
    text_lines = [
        (no, t) for no, t in lines if not is_boilerplate(t) and read_staff(t) is None
    ]
    texts = [t for _, t in text_lines]
    first_text_no = next((no for no, t in text_lines if not is_image_file(t)), None)
    for line_no, text in lines:
        if is_boilerplate(text):
            log.put(line_no, text, LineKind.IGNORED, "网页按钮或分享文字")
            continue
        staff = read_staff(text)
        if staff is not None:
            kept = [
                f"{label}:{value}" for label, value in staff if label in STAFF_FIELDS
            ]
            dropped = [
                f"{label}:{value}"
                for label, value in staff
                if label not in STAFF_FIELDS
            ]
            body.staff.extend(staff)
            if is_article and kept and not dropped:
                log.put(line_no, text, LineKind.STAFF, "填入稿件的记者/责任编辑")
            else:
                detail = "本系统的三审记录由审核流程生成,不导入" if dropped else ""
                if not is_article:
                    detail = "每周要闻不保存编辑人员署名"
                log.put(line_no, text, LineKind.IGNORED, f"编辑人员署名:{detail}")
            continue
        previous = blocks[-1] if blocks else None
        if is_image_file(text):
            blocks.append(PhotoBlock(caption="", line_no=line_no))
            log.put(line_no, text, LineKind.PHOTO, "图片文件名(没有说明的图片)")
            continue
        credited = _split_credit(text)
        if credited is not None:
            photo, glued = credited
            if glued:
                warnings.append(
                    ParseWarning(
                        line_no, text, "图片说明与署名之间没有分隔,请核对摄影者姓名"
                    )
                )
            photo.line_no = line_no
            detail = f"署名:{photo.credit}"
            if (
                not photo.caption
                and isinstance(previous, PhotoBlock)
                and not previous.credit_name
            ):
                # A credit on a line of its own, under its caption or image.
                previous.credit_role, previous.credit_name = (
                    photo.credit_role,
                    photo.credit_name,
                )
                log.put(line_no, text, LineKind.CREDIT, detail)
                continue
            if (
                not photo.caption
                and isinstance(previous, Paragraph)
                and _is_single_sentence(previous.text)
            ):
                blocks[-1] = PhotoBlock(
                    caption=previous.text,
                    credit_role=photo.credit_role,
                    credit_name=photo.credit_name,
                    line_no=previous.line_no,
                )
                log.put(previous.line_no, previous.text, LineKind.CAPTION)
                log.put(line_no, text, LineKind.CREDIT, detail)
                continue
            if (
                isinstance(previous, PhotoBlock)
                and not previous.caption
                and not previous.credit_name
            ):
                # The image (its file name) first, then its caption.
                previous.caption = photo.caption
                previous.credit_role, previous.credit_name = (
                    photo.credit_role,
                    photo.credit_name,
                )
                log.put(line_no, text, LineKind.CAPTION, detail)
                continue
            if (
                isinstance(previous, Paragraph | PhotoBlock)
                and photo.caption
                and (
                    previous.text
                    if isinstance(previous, Paragraph)
                    else previous.caption
                )
                == photo.caption
            ):
                # The caption printed twice: the image's alt text, then the caption.
                blocks.pop()
                log.put(
                    previous.line_no,
                    _text_of(previous),
                    LineKind.CAPTION,
                    "图片说明重复(替代文字),与下一行合为一张图片",
                )
            blocks.append(photo)
            log.put(line_no, text, LineKind.CAPTION, detail)
            continue
        if (
            isinstance(previous, PhotoBlock)
            and not previous.credit_name
            and previous.caption == text
        ):
            log.put(line_no, text, LineKind.CAPTION, "图片说明重复,合为一张图片")
            continue
        byline = _BYLINE_LINE.match(text)
        if byline:
            body.reporters.append(re.sub(r"\s+", " ", byline["byline"]))
            log.put(line_no, text, LineKind.CREDIT, "记者署名,填入稿件的记者")
            continue
        if is_subhead(text, short_lines_too=is_article):
            blocks.append(Paragraph(text=text, is_subhead=True, line_no=line_no))
            log.put(line_no, text, LineKind.SUBHEAD)
            continue
        is_intro = line_no == first_text_no
        if _POSITION_MARKER.search(text) and _is_single_sentence(text) and not is_intro:
            _uncredited_caption(blocks, line_no, text)
            log.put(line_no, text, LineKind.CAPTION, "位置标记(左二等),无署名")
            continue
        if _is_single_sentence(text) and len(texts) > 1:
            # The scan for longer lines is charged too, and skipped once the budget
            # is spent: scanning every line for every line made long pages quadratic.
            others = []
            if budget.left >= 0:
                budget.left -= len(texts)
                others = _longer_lines(text, texts)
                budget.left -= sum(len(other) + len(text) for other in others)
            if budget.left < 0:
                warnings.append(
                    ParseWarning(
                        line_no, text, "页面太长,未比对是否为图片说明,已作为正文导入"
                    )
                )
                _paragraph(blocks, log, line_no, text, warnings)
                continue
            best = max((_overlap(text[:-1], other) for other in others), default=0.0)
            if best >= 0.7 and not is_intro:
                _uncredited_caption(blocks, line_no, text)
                log.put(line_no, text, LineKind.CAPTION, "复述正文的一句话,无署名")
                continue
            if best >= 0.4 and not is_intro:
                warnings.append(
                    ParseWarning(
                        line_no, text, "无法确定是图片说明还是正文,已作为正文导入"
                    )
                )
        _paragraph(blocks, log, line_no, text, warnings)
        body.reporters.extend(reporters_in(text))
    return body


def _longer_lines(line: str, lines: list[str]) -> list[str]:
    """The lines `line` may restate as a photo caption: the longer ones."""
    return [other for other in lines if other != line and len(other) > len(line)]


def _uncredited_caption(blocks: list, line_no: int, text: str) -> None:
    previous = blocks[-1] if blocks else None
    if isinstance(previous, PhotoBlock) and not previous.caption:
        previous.caption = text  # the caption under its image's file name
    else:
        blocks.append(PhotoBlock(caption=text, line_no=line_no))


def _text_of(block: Paragraph | PhotoBlock) -> str:
    return block.text if isinstance(block, Paragraph) else block.caption


def _paragraph(
    blocks: list, log: LineLog, line_no: int, text: str, warnings: list[ParseWarning]
) -> None:
    blocks.append(Paragraph(text=text, line_no=line_no))
    log.put(line_no, text, LineKind.PARAGRAPH)
    if CREDIT_HINT.search(text):
        warnings.append(
            ParseWarning(
                line_no, text, "这一行有摄影署名的样式,却没有读成图片,已作为正文导入"
            )
        )


@dataclass
class DigestReading:
    document: DigestDocument
    warnings: list[ParseWarning]
    log: LineLog


def parse_legacy_text(text: str) -> tuple[DigestDocument, list[ParseWarning]]:
    """Parse a legacy page. Raises `LegacyFormatError` when the page cannot be read."""
    reading = read_digest_page(text)
    return reading.document, reading.warnings


def read_digest_page(text: str) -> DigestReading:
    """Parse a weekly digest page, saying where every line went."""
    lines = page_lines(text)
    if not lines:
        raise LegacyFormatError("文件是空的。")
    warnings: list[ParseWarning] = []
    log = LineLog()
    header = read_header(lines, log)
    issued_on = header.issued_on

    raw_stories: list[_RawStory] = []
    brief_lines: list[tuple[int, str]] = []
    current_day: datetime.date | None = None
    in_briefs = False
    seen_day_heading = False
    seen_end = False
    body = lines[header.body_start :]
    for position, (line_no, line) in enumerate(body):
        if line == QR_LINE:
            seen_end = True
            log.put(line_no, line, LineKind.IGNORED, "页尾二维码")
            for after_no, after in body[position + 1 :]:
                log.put(after_no, after, LineKind.IGNORED, "页尾之后的内容")
            break
        if line == BRIEFS_HEADING:
            in_briefs = True
            log.put(line_no, line, LineKind.DAY_HEADING, "一周简讯")
            continue
        if is_boilerplate(line):
            log.put(line_no, line, LineKind.IGNORED, "网页按钮或分享文字")
            continue
        if read_staff(line) is not None and (in_briefs or not raw_stories):
            log.put(line_no, line, LineKind.IGNORED, "编辑人员署名:每周要闻不保存")
            continue
        if in_briefs:
            brief_lines.append((line_no, line))
            continue
        day_match = DAY_HEADING.match(line)
        if day_match:
            current_day = _resolve_day(
                int(day_match["m"]), int(day_match["d"]), issued_on
            )
            if current_day is None:
                raise LegacyFormatError(f"第 {line_no} 行:日期无效:{line}")
            seen_day_heading = True
            log.put(line_no, line, LineKind.DAY_HEADING, current_day.isoformat())
            continue
        story = raw_stories[-1] if raw_stories else None
        # Lines that belong inside a story even though they look like headlines; only
        # worked out for headline-like lines (long paragraphs never start a story).
        inside = looks_like_headline(line) and (
            read_staff(line) is not None
            or is_image_file(line)
            or _split_credit(line) is not None
            or is_subhead(line)
        )
        if (
            story is not None
            and not story.lines
            and story.day == current_day
            and looks_like_headline(line)
            and not inside
            and len(story.headline) + len(line) <= MAX_HEADLINE
        ):
            # A display headline wrapped over two lines.
            story.headline += line
            log.put(line_no, line, LineKind.HEADLINE, "标题的第二行(换行排版)")
            continue
        starts_story = (
            story is None
            or (story.day != current_day)
            or (looks_like_headline(line) and story.lines and not inside)
        )
        if starts_story:
            if story is not None and not story.lines:
                warnings.append(
                    ParseWarning(story.line_no, story.headline, "这篇稿件没有正文")
                )
            if not looks_like_headline(line):
                warnings.append(
                    ParseWarning(line_no, line, "这一行像正文,却出现在标题的位置")
                )
            if not seen_day_heading and raw_stories:
                warnings.append(
                    ParseWarning(
                        line_no, line, "日期标题之前有多篇稿件,只有第一篇是头条"
                    )
                )
            raw_stories.append(_RawStory(line, line_no, [], current_day))
            log.put(line_no, line, LineKind.HEADLINE)
        else:
            story.lines.append((line_no, line))

    if not raw_stories:
        raise LegacyFormatError("没有找到任何稿件:日期行之后应是头条标题和正文。")
    if not seen_end and header.has_end_line:
        last_no = lines[-1][0]
        warnings.append(
            ParseWarning(
                last_no,
                lines[-1][1],
                f"页面可能不完整:缺少页尾“{QR_LINE}”,文件在此结束",
            )
        )

    first_day = next((s.day for s in raw_stories if s.day is not None), None)
    budget = Budget()
    stories: list[tuple[_RawStory, Story]] = []
    for raw in raw_stories:
        news_on = raw.day or _date_from_text(raw, issued_on) or first_day or issued_on
        story_body = classify_story_lines(
            raw.lines, warnings=warnings, budget=budget, log=log
        )
        stories.append(
            (
                raw,
                Story(
                    raw.headline,
                    news_on,
                    story_body.blocks,
                    line_no=raw.line_no,
                    reporters=" ".join(dict.fromkeys(story_body.reporters)),
                ),
            )
        )

    document = DigestDocument(
        title=header.title,
        issued_on=issued_on,
        breadcrumb=header.breadcrumb,
        breadcrumb_line_no=header.breadcrumb_line_no,
        title_line_no=header.title_line_no,
    )
    pre_heading = [story for raw, story in stories if raw.day is None]
    if pre_heading:
        document.lead = pre_heading[0]
    days: dict[datetime.date, DaySection] = {}
    for story in pre_heading[1:] + [
        story for raw, story in stories if raw.day is not None
    ]:
        days.setdefault(story.news_on, DaySection(story.news_on)).stories.append(story)
    document.days = sorted(days.values(), key=lambda section: section.day)
    document.briefs = _parse_briefs(brief_lines, issued_on, warnings)
    for line_no, line in brief_lines:
        log.put(line_no, line, LineKind.BRIEF)
    return DigestReading(document, warnings, log)


def _date_from_text(raw: _RawStory, issued_on: datetime.date) -> datetime.date | None:
    for _, text in raw.lines[:2]:
        match = _DATE_IN_TEXT.match(text)
        if match:
            return _resolve_day(int(match["m"]), int(match["d"]), issued_on)
    return None


def _parse_briefs(
    lines: list[tuple[int, str]], issued_on: datetime.date, warnings: list[ParseWarning]
) -> list[BriefLine]:
    briefs: list[BriefLine] = []
    for line_no, line in lines:
        marker = next((m for m in BRIEF_MARKERS if line.startswith(m)), None)
        if marker is None:
            warnings.append(
                ParseWarning(line_no, line, "简讯缺少“>>”等标记,仍作为一条简讯导入")
            )
            body = line
        else:
            body = line[len(marker) :].strip()
        match = _BRIEF_DAY.match(body)
        day, text = (int(match["d"]), match["text"].strip()) if match else (None, "")
        if (start := span_start(body)) is not None:
            day, text = start, body  # `>>16日至18日,…`: the span is the text's own
        happened_on = None
        if day is not None:
            happened_on = _resolve_day(issued_on.month, day, issued_on)
            if happened_on is None or happened_on > issued_on:
                # "28日" in a page of 3 January is still December.
                previous_month = issued_on.replace(day=1) - datetime.timedelta(days=1)
                happened_on = _resolve_day(previous_month.month, day, issued_on)
        if happened_on is None:
            warnings.append(
                ParseWarning(line_no, line, "简讯没有“12日,”这样的日期,暂记为发布日期")
            )
            briefs.append(BriefLine(issued_on, body, line_no=line_no))
        else:
            briefs.append(BriefLine(happened_on, text, line_no=line_no))
    return briefs


def render_legacy_text(document: DigestDocument) -> str:
    """Write a document in the legacy page format, line for line as the site printed it."""
    out: list[str] = [
        f"{BREADCRUMB_LABEL}:{'>'.join([HOME_LABEL, *document.breadcrumb])}",
        document.title,
        f"日期:{document.issued_on.isoformat()}",
        "",
    ]

    def story_lines(story: Story) -> None:
        out.extend([story.headline, ""])
        for block in story.blocks:
            if isinstance(block, PhotoBlock):
                out.append(join_caption_and_credit(block.caption, block.credit))
            else:
                out.append(block.text)
            out.append("")

    if document.lead:
        story_lines(document.lead)
    for section in document.days:
        out.extend([section.heading, ""])
        for story in section.stories:
            story_lines(story)
    if document.briefs:
        out.extend(["", BRIEFS_HEADING, ""])
        for brief in document.briefs:
            out.extend([brief.page_line, ""])
    out.append(QR_LINE)
    return "\n".join(out)
