"""What every legacy page of this family of Chongqing government and county-media sites
has around its text, whatever its kind (weekly digest or single article):

    您当前的位置:首页>巫溪要闻              当前位置:首页 > 投资发展 > 招商信息
    <title>                                 <title>
    日期:2024-12-15                         发布日期:2020-03-10 16:27
                                            分享到 :
    <body>                                  <body>
    扫一扫在手机打开当前页                   【打印本页】【关闭窗口】

Also read: `刊发日期:2024-03-18 阅读次数: 作者:`, `编辑: 某某 2026-01-19 11:11:42`, a bare
`2024-06-02 19:17`; boilerplate lines (`分享到:`, `【字体:大 中 小】`, `【打印本页】`) anywhere;
everything after the end line `扫一扫在手机打开当前页` is ignored. Every line read is put
in a `LineLog`, so an import report can say where each line went.
"""

import datetime
import re
from dataclasses import dataclass, field

HOME_LABELS = ("首页", "网站首页", "主页")
QR_LINE = "扫一扫在手机打开当前页"
# The layout of the county site's own column prints the QR block as its last line.
LAYOUTS_WITH_END_LINE = ("您当前的位置",)
# The longest paragraph of a real page is under 1,000 characters.
MAX_LINE_CHARS = 5_000
SENTENCE_END = "。!?\uff01\uff1f;\uff1b…”’)\uff09:\uff1a"
MAX_HEADLINE = 80

_BREADCRUMB = re.compile(
    r"^(?P<label>您当前的位置|您现在的位置|您的位置|当前位置|当前的位置|所在位置)"
    r"\s*[:\uff1a]\s*(?P<trail>.+)$"
)
_TRAIL_SEPARATOR = re.compile(r"\s*[>\uff1e»›→]\s*")
_DATE = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<hh>\d{1,2}):(?P<mm>\d{2})(?::(?P<ss>\d{2}))?)?"
)
_META_LABELS = (
    "发布日期|刊发日期|发布时间|更新时间|信息来源|来源|日期|时间|作者|责任编辑|编辑"
    "|阅读次数|浏览次数|点击数|访问量|字号"
)
_META_SPLIT = re.compile(rf"({_META_LABELS})\s*[:\uff1a]")
# Leftovers a date line may carry between its fields.
_META_FILLER = re.compile(r"^[\s|｜丨/\\【】\[\]()\uff08\uff09]*$")
_BOILERPLATE_TOKEN = (
    r"【(?:字体\s*[:\uff1a]?\s*[大中小\s]+|字号\s*[:\uff1a]?\s*[大中小\s]+|打印本页|打印"
    r"|关闭窗口|关闭|收藏|我要纠错|纠错|返回顶部|保存本页)】"
    r"|分享到\s*[:\uff1a]?|字[体号]\s*[:\uff1a]\s*[大中小\s]+|打印本页|关闭窗口|返回顶部"
    r"|收藏本页|微信|微博|QQ空间|QQ好友|新浪微博|腾讯微博|朋友圈"
)
_BOILERPLATE = re.compile(
    rf"^(?:[\s|｜丨/]*(?:{_BOILERPLATE_TOKEN}))+[\s|｜丨/]*$"
    r"|^(?:上一篇|下一篇|上一条|下一条)\s*[:\uff1a]"
)


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


class LineKind:
    """Where a line of a page went, as the import report names it."""

    BREADCRUMB = "位置"
    TITLE = "标题"
    DATE = "日期"
    DAY_HEADING = "日期标题"
    HEADLINE = "稿件标题"
    PARAGRAPH = "正文"
    SUBHEAD = "小标题"
    CAPTION = "图片说明"
    PHOTO = "图片"
    CREDIT = "署名"
    BRIEF = "简讯"
    STAFF = "编辑人员"
    IGNORED = "忽略"


@dataclass(frozen=True)
class LineEntry:
    line_no: int
    text: str
    kind: str
    detail: str = ""


@dataclass
class LineLog:
    """Every non-blank line of a page with where it went; the last word wins."""

    entries: dict[int, LineEntry] = field(default_factory=dict)

    def put(self, line_no: int, text: str, kind: str, detail: str = "") -> None:
        self.entries[line_no] = LineEntry(line_no, text, kind, detail)

    def ordered(self) -> list[LineEntry]:
        return [self.entries[number] for number in sorted(self.entries)]


def page_lines(text: str) -> list[tuple[int, str]]:
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


def is_boilerplate(line: str) -> bool:
    return len(line) <= 120 and bool(_BOILERPLATE.match(line))


def looks_like_headline(line: str) -> bool:
    return len(line) <= MAX_HEADLINE and not line.endswith(tuple(SENTENCE_END))


@dataclass
class DateLine:
    day: datetime.date
    time: datetime.time | None
    fields: dict[str, str]


def read_date_line(line: str, line_no: int) -> DateLine | None:
    """A page's date line in any of the layouts' forms, or None if `line` is not one.

    Raises `LegacyFormatError` for a date line whose date does not exist.
    """
    if len(line) > 120:
        return None
    match = _DATE.search(line)
    if match is None:
        return None
    rest = f"{line[: match.start()]} {line[match.end() :]}"
    pieces = _META_SPLIT.split(rest)
    if not _META_FILLER.match(pieces[0]):
        return None
    fields = {}
    for label, value in zip(pieces[1::2], pieces[2::2], strict=True):
        fields[label] = value.strip(" \t|｜丨【】[]")
    if any(len(value) > 40 for value in fields.values()):
        return None
    try:
        day = datetime.date(int(match["y"]), int(match["m"]), int(match["d"]))
        time = (
            datetime.time(int(match["hh"]), int(match["mm"]), int(match["ss"] or 0))
            if match["hh"]
            else None
        )
    except ValueError as exc:
        raise LegacyFormatError(f"第 {line_no} 行:日期无效:{line}") from exc
    return DateLine(day, time, fields)


@dataclass
class PageHeader:
    breadcrumb: list[str]
    breadcrumb_label: str
    breadcrumb_line_no: int | None
    title: str
    title_line_no: int
    issued_on: datetime.date
    issued_time: datetime.time | None
    date_fields: dict[str, str]
    # Index in the page's lines of the first body line.
    body_start: int

    @property
    def has_end_line(self) -> bool:
        """Whether this layout ends with the QR line (so a page without it is cut off)."""
        return self.breadcrumb_label in LAYOUTS_WITH_END_LINE


def read_header(
    lines: list[tuple[int, str]], log: LineLog, *, default_column: str = "巫溪要闻"
) -> PageHeader:
    """Breadcrumb (optional), title (wrapped over two lines at most), date line."""
    position = 0
    breadcrumb, label, breadcrumb_line_no = [default_column], "", None
    for index, (line_no, line) in enumerate(lines[:3]):
        match = _BREADCRUMB.match(line)
        if match:
            trail = [p for p in _TRAIL_SEPARATOR.split(match["trail"]) if p.strip()]
            trail = [p.strip() for p in trail]
            if trail and trail[0] in HOME_LABELS:
                trail = trail[1:]
            breadcrumb = trail or breadcrumb
            label, breadcrumb_line_no = match["label"], line_no
            for before_no, before in lines[:index]:
                log.put(before_no, before, LineKind.IGNORED, "位置行之前的页头")
            log.put(line_no, line, LineKind.BREADCRUMB, " > ".join(breadcrumb))
            position = index + 1
            break

    if position >= len(lines) or read_date_line(lines[position][1], lines[position][0]):
        raise LegacyFormatError("缺少标题行:位置行之后应是标题,如“见“政”巫溪这一周”。")
    title_line_no, title = lines[position]
    log.put(title_line_no, title, LineKind.TITLE)
    position += 1
    # A display title wrapped over two lines: the second is short and ends no sentence.
    date = None
    for extra in range(2):
        if position >= len(lines):
            break
        line_no, line = lines[position]
        date = read_date_line(line, line_no)
        if date is not None or extra == 1 or not looks_like_headline(line):
            break
        next_no, next_line = (
            lines[position + 1] if position + 1 < len(lines) else (0, "")
        )
        if next_no and read_date_line(next_line, next_no):
            title += line
            log.put(line_no, line, LineKind.TITLE, "标题的第二行(换行排版)")
            position += 1
            continue
        break
    if date is None:
        where = f"第 {lines[position][0]} 行" if position < len(lines) else "文件末尾"
        raise LegacyFormatError(
            f"缺少日期行:标题之后应是“日期:2024-12-15”这样的一行"
            f"(也认“发布日期:2020-03-10 16:27”“2024-06-02 19:17”等),{where}不是。"
        )
    date_line_no, date_text = lines[position]
    log.put(date_line_no, date_text, LineKind.DATE, date.day.isoformat())
    return PageHeader(
        breadcrumb=breadcrumb,
        breadcrumb_label=label,
        breadcrumb_line_no=breadcrumb_line_no,
        title=title,
        title_line_no=title_line_no,
        issued_on=date.day,
        issued_time=date.time,
        date_fields=date.fields,
        body_start=position + 1,
    )
