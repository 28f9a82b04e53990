"""A single-article page of the column (or of a sibling column or site), by example:

    当前位置:首页 > 投资发展 > 招商信息
    我县与重庆某公司签约新能源项目        <- the page title IS the headline
    发布日期:2025-01-12 16:27            <- the publication date
    分享到 :                             <- boilerplate, ignored
    1月10日下午,…签约仪式。记者 张三/摄    <- the photo this site often opens with
    1月10日,我县与…(记者 张三)          <- the news date: the first `M月D日`
    ●某某表示——                         <- a subhead, inside the story
    …
    编 辑:李四  一 审:王五               <- staff lines
    扫一扫在手机打开当前页                <- the end line; what follows is ignored

There is no second headline line: a repeat of the title at the top of the body is
ignored. The body is read by `digests.legacy.classify_story_lines`, like a story of
a digest.
"""

import datetime
import re
from dataclasses import dataclass, field

from .layout import (
    QR_LINE,
    SENTENCE_END,
    LegacyFormatError,
    LineKind,
    LineLog,
    PageHeader,
    ParseWarning,
    page_lines,
    read_header,
)
from .legacy import STAFF_FIELDS, Budget, classify_story_lines
from .structure import Paragraph, PhotoBlock, Story

_FIRST_DATE = re.compile(r"(?<!\d)(?P<m>\d{1,2})月(?P<d>\d{1,2})日")


@dataclass
class ArticlePage:
    header: PageHeader
    story: Story
    responsible_editor: str = ""
    source: str = ""
    warnings: list[ParseWarning] = field(default_factory=list)
    log: LineLog = field(default_factory=LineLog)

    @property
    def breadcrumb(self) -> list[str]:
        return self.header.breadcrumb


def _news_on(blocks, issued_on: datetime.date) -> datetime.date:
    """The first `M月D日` of the body in the page's year (the year before if that
    would be after the page), else the page's date."""
    for block in blocks:
        text = block.text if isinstance(block, Paragraph) else block.caption
        match = _FIRST_DATE.search(text)
        if match is None:
            continue
        for year in (issued_on.year, issued_on.year - 1):
            try:
                day = datetime.date(year, int(match["m"]), int(match["d"]))
            except ValueError:
                break
            if day <= issued_on:
                return day
        return issued_on
    return issued_on


def _skip_repeated_title(
    body: list[tuple[int, str]], title: str, log: LineLog
) -> list[tuple[int, str]]:
    """Drop the title printed again at the top of the body (whole, or over two lines)."""
    compact = re.sub(r"\s+", "", title)
    taken = ""
    for count, (_line_no, line) in enumerate(body[:3]):
        candidate = taken + re.sub(r"\s+", "", line)
        if not compact.startswith(candidate):
            break
        taken = candidate
        if taken == compact:
            for repeat_no, repeat in body[: count + 1]:
                log.put(repeat_no, repeat, LineKind.IGNORED, "正文开头重复的标题")
            return body[count + 1 :]
    return body


def read_article_page(text: str) -> ArticlePage:
    """Parse a single-article page. Raises `LegacyFormatError` when it cannot be read."""
    lines = page_lines(text)
    if not lines:
        raise LegacyFormatError("文件是空的。")
    log = LineLog()
    warnings: list[ParseWarning] = []
    header = read_header(lines, log)
    if len(header.title) > 200:
        raise LegacyFormatError(
            f"第 {header.title_line_no} 行(标题):标题太长({len(header.title)} 个字符),"
            "最多 200 个字符。"
        )
    body = lines[header.body_start :]
    seen_end = False
    for position, (line_no, line) in enumerate(body):
        if line == QR_LINE:
            seen_end = True
            log.put(line_no, line, LineKind.IGNORED, "页尾二维码")
            for after_no, after in body[position + 1 :]:
                log.put(after_no, after, LineKind.IGNORED, "页尾之后的内容")
            body = body[:position]
            break
    body = _skip_repeated_title(body, header.title, log)
    story_body = classify_story_lines(
        body, warnings=warnings, budget=Budget(), log=log, is_article=True
    )
    if not story_body.blocks:
        where = f"第 {header.title_line_no} 行之后" if header.title_line_no else ""
        raise LegacyFormatError(
            f"没有找到正文:{where}日期行之后应是稿件的正文(段落或图片)。"
        )
    _check_complete(header, story_body.blocks, seen_end, lines, warnings)

    reporters = list(dict.fromkeys(story_body.reporters))
    editor = source = ""
    for label, value in story_body.staff:
        target = STAFF_FIELDS.get(label)
        if target == "reporters" and value and value not in " ".join(reporters):
            reporters.append(f"{label} {value}" if label != "作者" else value)
        elif target == "responsible_editor" and value and not editor:
            editor = value
        elif target == "source" and value and not source:
            source = value
    for label in ("作者",):
        if header.date_fields.get(label) and not reporters:
            reporters.append(header.date_fields[label])
    source = (
        source
        or header.date_fields.get("来源", "")
        or header.date_fields.get("信息来源", "")
    )
    if not editor:
        editor = header.date_fields.get("编辑", "") or header.date_fields.get(
            "责任编辑", ""
        )
    story = Story(
        headline=header.title,
        news_on=_news_on(story_body.blocks, header.issued_on),
        blocks=story_body.blocks,
        line_no=header.title_line_no,
        reporters=" ".join(dict.fromkeys(reporters))[:100],
    )
    return ArticlePage(
        header=header,
        story=story,
        responsible_editor=editor[:50],
        source=source[:100],
        warnings=warnings,
        log=log,
    )


def _check_complete(header, blocks, seen_end, lines, warnings) -> None:
    """Warn about a page that looks cut off: mid-sentence, or without its end line."""
    last_text = next(
        (block for block in reversed(blocks) if isinstance(block, Paragraph)), None
    )
    if (
        last_text is not None
        and (last_text.is_subhead or not last_text.text.endswith(tuple(SENTENCE_END)))
        and blocks[-1] is last_text
    ):
        warnings.append(
            ParseWarning(
                last_text.line_no or 0,
                last_text.text,
                "页面可能不完整:最后一段在句子中间结束(应以“。”等标点结束)",
            )
        )
    if not seen_end and header.has_end_line:
        warnings.append(
            ParseWarning(
                lines[-1][0],
                lines[-1][1],
                f"页面可能不完整:这种版式以“{QR_LINE}”结束,文件里没有这一行",
            )
        )
    if not any(isinstance(block, Paragraph) for block in blocks):
        photo = next(block for block in blocks if isinstance(block, PhotoBlock))
        warnings.append(
            ParseWarning(photo.line_no or 0, photo.caption, "这篇稿件只有图片,没有正文")
        )
