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
from dataclasses import dataclass
from difflib import SequenceMatcher

from media.credits import join_caption_and_credit

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
QR_LINE = "扫一扫在手机打开当前页"
BRIEF_MARKERS = (">>", "》》", "●", "◆", "■")

_BREADCRUMB = re.compile(rf"^{BREADCRUMB_LABEL}\s*[:\uff1a]\s*(?P<trail>.+)$")
_DATE_LINE = re.compile(
    r"^日期\s*[:\uff1a]\s*(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?$"
)
_DAY_HEADING = re.compile(
    r"^(?P<m>\d{1,2})月(?P<d>\d{1,2})日(?:\s*[(\uff08]?(?:星期|周)[一二三四五六日天][)\uff09]?)?$"
)
_BRIEF_DAY = re.compile(r"^(?P<d>\d{1,2})日\s*[,\uff0c、]?\s*(?P<text>.*)$", re.S)
_DATE_IN_TEXT = re.compile(r"^(?P<m>\d{1,2})月(?P<d>\d{1,2})日")
_CREDIT = re.compile(
    r"^(?P<caption>.*?)\s*(?:(?P<role>特约记者|实习记者|摄影记者|记者|通讯员)\s*)?"
    r"(?P<name>[\u4e00-\u9fff·]{2,4}(?:、[\u4e00-\u9fff·]{2,4})*)\s*/\s*摄$",
    re.S,
)
# Position markers such as (左二) or (前排右一) belong to photo captions.
_POSITION_MARKER = re.compile(
    r"[(\uff08](?:前排|后排|中排)?[左右中](?:[一二三四五六七八九十\d]+)?[)\uff09]"
)
_SENTENCE_END = "。!?\uff01\uff1f;\uff1b…”’)\uff09:\uff1a"
_MAX_HEADLINE = 80
_MAX_UNCREDITED_CAPTION = 100
# The longest paragraph of a real page is under 1,000 characters.
MAX_LINE_CHARS = 5_000


class LegacyFormatError(ValueError):
    """The file cannot be read as a legacy page; the message is for the editor."""


@dataclass(frozen=True)
class ParseWarning:
    line_no: int
    text: str
    reason: str

    def __str__(self):
        snippet = self.text if len(self.text) <= 40 else self.text[:40] + "…"
        return f"第 {self.line_no} 行:{self.reason}:{snippet}"


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


def _lines(text: str) -> list[tuple[int, str]]:
    """Non-blank lines with their 1-based numbers; indentation (full-width too) removed.

    Refuses a line longer than `MAX_LINE_CHARS`: nothing on a page is that long, and
    every later step stays quick on what is left.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    result = []
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise LegacyFormatError(
                f"第 {number} 行太长({len(line):,} 个字符),一行最多 "
                f"{MAX_LINE_CHARS:,} 个字符。请检查文件是否正确(网页的纯文本文件)。"
            )
        stripped = line.strip()
        if stripped:
            result.append((number, stripped))
    return result


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
    match = _CREDIT.match(line)
    if not match:
        return None
    start = match.start("role") if match["role"] else match.start("name")
    glued = bool(match["caption"]) and bool(
        re.match(r"[\u4e00-\u9fff]", line[start - 1])
    )
    photo = PhotoBlock(
        caption=match["caption"].rstrip(),
        credit_role=match["role"] or "",
        credit_name=match["name"],
    )
    return photo, glued


def _looks_like_headline(line: str) -> bool:
    return len(line) <= _MAX_HEADLINE and not line.endswith(tuple(_SENTENCE_END))


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


@dataclass
class _RawStory:
    headline: str
    line_no: int
    lines: list[tuple[int, str]]
    day: datetime.date | None


@dataclass
class _Budget:
    """Characters left for comparing lines: a crafted page cannot make parsing slow."""

    left: int = 5_000_000


def _classify(
    raw: _RawStory, warnings: list[ParseWarning], budget: _Budget
) -> list[Paragraph | PhotoBlock]:
    """Tell paragraphs from photo captions inside one story.

    A caption with a credit (`…/摄`) is certain. A caption without one is recognised by a
    position marker (`(左二)`) or by restating, in one sentence, what another paragraph of
    the story says (photo captions repeat the lead sentence). Doubtful lines stay
    paragraphs and are reported so the editor can check them.
    """
    blocks: list[Paragraph | PhotoBlock] = []
    texts = [text for _, text in raw.lines]
    for index, (line_no, text) in enumerate(raw.lines):
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
            blocks.append(photo)
            continue
        if _POSITION_MARKER.search(text) and _is_single_sentence(text):
            blocks.append(PhotoBlock(caption=text, line_no=line_no))
            continue
        if _is_single_sentence(text) and len(texts) > 1:
            others = [
                t for i, t in enumerate(texts) if i != index and len(t) > len(text)
            ]
            budget.left -= sum(len(other) + len(text) for other in others)
            if budget.left < 0:
                warnings.append(
                    ParseWarning(
                        line_no, text, "页面太长,未比对是否为图片说明,已作为正文导入"
                    )
                )
                blocks.append(Paragraph(text=text))
                continue
            best = max((_overlap(text[:-1], other) for other in others), default=0.0)
            if best >= 0.7:
                blocks.append(PhotoBlock(caption=text, line_no=line_no))
                continue
            if best >= 0.4:
                warnings.append(
                    ParseWarning(
                        line_no, text, "无法确定是图片说明还是正文,已作为正文导入"
                    )
                )
        blocks.append(Paragraph(text=text))
    return blocks


def parse_legacy_text(text: str) -> tuple[DigestDocument, list[ParseWarning]]:
    """Parse a legacy page. Raises `LegacyFormatError` when the page cannot be read."""
    lines = _lines(text)
    if not lines:
        raise LegacyFormatError("文件是空的。")
    warnings: list[ParseWarning] = []
    position = 0

    breadcrumb = ["巫溪要闻"]
    breadcrumb_line_no = None
    match = _BREADCRUMB.match(lines[0][1])
    if match:
        trail = [
            part.strip()
            for part in re.split(r"[>\uff1e]", match["trail"])
            if part.strip()
        ]
        if trail and trail[0] == HOME_LABEL:
            trail = trail[1:]
        breadcrumb = trail or breadcrumb
        breadcrumb_line_no = lines[0][0]
        position = 1

    if position >= len(lines) or _DATE_LINE.match(lines[position][1]):
        raise LegacyFormatError("缺少标题行:位置行之后应是标题,如“见“政”巫溪这一周”。")
    title_line_no, title = lines[position]
    position += 1
    if position >= len(lines) or not (
        date_match := _DATE_LINE.match(lines[position][1])
    ):
        raise LegacyFormatError("缺少日期行:标题之后应是“日期:2024-12-15”这样的一行。")
    try:
        issued_on = datetime.date(
            int(date_match["y"]), int(date_match["m"]), int(date_match["d"])
        )
    except ValueError as exc:
        raise LegacyFormatError(f"日期无效:{lines[position][1]}") from exc
    position += 1

    raw_stories: list[_RawStory] = []
    brief_lines: list[tuple[int, str]] = []
    current_day: datetime.date | None = None
    in_briefs = False
    seen_day_heading = False
    for line_no, line in lines[position:]:
        if line == QR_LINE:
            break
        if line == BRIEFS_HEADING:
            in_briefs = True
            continue
        if in_briefs:
            brief_lines.append((line_no, line))
            continue
        day_match = _DAY_HEADING.match(line)
        if day_match:
            current_day = _resolve_day(
                int(day_match["m"]), int(day_match["d"]), issued_on
            )
            if current_day is None:
                raise LegacyFormatError(f"第 {line_no} 行:日期无效:{line}")
            seen_day_heading = True
            continue
        story = raw_stories[-1] if raw_stories else None
        starts_story = (
            story is None
            or (story.day != current_day)
            or (
                _looks_like_headline(line)
                and story.lines
                and _split_credit(line) is None
            )
        )
        if starts_story:
            if story is not None and not story.lines:
                warnings.append(
                    ParseWarning(story.line_no, story.headline, "这篇稿件没有正文")
                )
            if not _looks_like_headline(line):
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
        else:
            story.lines.append((line_no, line))

    if not raw_stories:
        raise LegacyFormatError("没有找到任何稿件:日期行之后应是头条标题和正文。")

    first_day = next((s.day for s in raw_stories if s.day is not None), None)
    budget = _Budget()
    stories: list[tuple[_RawStory, Story]] = []
    for raw in raw_stories:
        news_on = raw.day or _date_from_text(raw, issued_on) or first_day or issued_on
        blocks = _classify(raw, warnings, budget)
        stories.append((raw, Story(raw.headline, news_on, blocks, line_no=raw.line_no)))

    document = DigestDocument(
        title=title,
        issued_on=issued_on,
        breadcrumb=breadcrumb,
        breadcrumb_line_no=breadcrumb_line_no,
        title_line_no=title_line_no,
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
    return document, warnings


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
