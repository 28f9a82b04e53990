"""Reading a digest file to import: a legacy page, a TXT export (a draft carries a
notice line first) or a JSON export, validated against
`digests/schema/weekly_digest.schema.json`. Everything that imports a digest file
(`import_digest`, `seed_demo`) goes through `read_digest_file`; the exports write these
formats (`digests.exports.text`, `digests.exports.jsonfile`)."""

import datetime
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jsonschema

from .article_page import ArticlePage, read_article_page
from .layout import LineLog, page_lines
from .legacy import (
    BRIEFS_HEADING,
    DAY_HEADING,
    ParseWarning,
    decode,
    parse_legacy_text,
    read_digest_page,
)
from .structure import (
    BriefLine,
    DaySection,
    DigestDocument,
    Paragraph,
    PhotoBlock,
    Story,
)

JSON_SCHEMA_ID = "wuxi-news/weekly-digest"
JSON_SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).parent / "schema" / "weekly_digest.schema.json"
# A real page is about 30 KB; anything this big is the wrong file.
MAX_FILE_BYTES = 2 * 1024 * 1024


class DigestFileError(ValueError):
    """A file to import that cannot be read; the message is for the editor."""


def _without_draft_notice(text: str) -> tuple[str, bool]:
    body = text.lstrip("\ufeff")
    first_line = body.lstrip().split("\n", 1)[0].strip()
    is_draft = first_line.startswith("【草稿】")
    if is_draft:
        body = body.lstrip().split("\n", 1)[1] if "\n" in body.lstrip() else ""
    return body, is_draft


def parse_text_export(text: str) -> tuple[DigestDocument, list[ParseWarning]]:
    """Parse a legacy page, or a TXT export of a draft (notice line first)."""
    body, is_draft = _without_draft_notice(text)
    document, warnings = parse_legacy_text(body)
    document.is_draft = is_draft
    return document, warnings


@lru_cache(maxsize=1)
def json_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


_SCHEMA_ERRORS = {
    "required": "缺少必填字段",
    "type": "类型不对",
    "additionalProperties": "有不认识的字段",
    "minLength": "不能为空",
    "pattern": "格式不对(日期应为 YYYY-MM-DD)",
    "enum": "取值不在允许范围内",
    "const": "取值不对",
    "oneOf": "既不是正文段落也不是图片",
    "minItems": "不能为空列表",
}


def _schema_error_message(error: jsonschema.ValidationError) -> str:
    where = "/".join(str(part) for part in error.absolute_path) or "(顶层)"
    reason = _SCHEMA_ERRORS.get(error.validator, "不符合格式")
    detail = ""
    if error.validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        detail = f":{'、'.join(missing)}" if missing else ""
    return (
        f"JSON 不符合每周要闻格式(第 {JSON_SCHEMA_VERSION} 版):{where} {reason}{detail}"
    )


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise DigestFileError(f"JSON 中的日期无效:{value}") from exc


def _story_from_json(data: dict) -> Story:
    blocks: list[Paragraph | PhotoBlock] = []
    for block in data["blocks"]:
        if block["type"] == "paragraph":
            blocks.append(Paragraph(text=block["text"]))
        else:
            blocks.append(
                PhotoBlock(
                    caption=block.get("caption", ""),
                    credit_role=block.get("credit_role", ""),
                    credit_name=block.get("credit_name", ""),
                )
            )
    return Story(headline=data["headline"], news_on=_date(data["date"]), blocks=blocks)


_TOO_DEEP = "JSON 嵌套层数太多,不是每周要闻的导出文件(导出文件只嵌套几层)。"


def _json_line_of_long_number(raw: bytes | str) -> str:
    text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    match = re.search(r"\d{1000,}", text)
    if match is None:
        return ""
    return f"(第 {text.count(chr(10), 0, match.start()) + 1} 行)"


def document_from_json(raw: bytes | str) -> DigestDocument:
    """Parse and validate a JSON export. Raises `DigestFileError` with a Chinese message."""
    try:
        data = json.loads(raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw)
    except UnicodeDecodeError as exc:
        raise DigestFileError("JSON 文件必须是 UTF-8 编码。") from exc
    except json.JSONDecodeError as exc:
        raise DigestFileError(
            f"不是有效的 JSON:第 {exc.lineno} 行第 {exc.colno} 列附近有错误。"
        ) from exc
    except RecursionError as exc:
        raise DigestFileError(_TOO_DEEP) from exc
    except ValueError as exc:
        # Python refuses integers of over 4,300 digits (int_max_str_digits).
        raise DigestFileError(
            f"JSON 中有超长的数字,不是每周要闻的导出文件"
            f"{_json_line_of_long_number(raw)}。"
        ) from exc
    if isinstance(data, dict) and data.get("schema_version") not in (
        None,
        JSON_SCHEMA_VERSION,
    ):
        raise DigestFileError(
            f"不支持的 JSON 版本 {data.get('schema_version')!r},"
            f"本系统只能读取第 {JSON_SCHEMA_VERSION} 版。"
        )
    validator = jsonschema.Draft202012Validator(json_schema())
    try:
        error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    except RecursionError as exc:
        raise DigestFileError(_TOO_DEEP) from exc
    if error is not None:
        raise DigestFileError(_schema_error_message(error))
    document = DigestDocument(
        title=data["title"],
        issued_on=_date(data["issued_on"]),
        breadcrumb=list(data["column"]),
        is_draft=data["status"] == "draft",
    )
    if data["lead"]:
        document.lead = _story_from_json(data["lead"])
    for section in data["days"]:
        day = _date(section["date"])
        stories = [_story_from_json(story) for story in section["stories"]]
        if any(story.news_on != day for story in stories):
            raise DigestFileError(
                f"JSON 中 {section['date']} 这一天下的稿件日期与该日不一致。"
            )
        document.days.append(DaySection(day, stories))
    document.briefs = [
        BriefLine(_date(brief["date"]), brief["text"]) for brief in data["briefs"]
    ]
    return document


def _check_size(raw: bytes) -> None:
    if len(raw) > MAX_FILE_BYTES:
        raise DigestFileError(
            f"文件太大({len(raw) / 1024 / 1024:.1f} MB),最大 "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB。一期每周要闻的文本不过几十 KB,"
            "请确认选的是网页的纯文本文件或导出的 JSON。"
        )


def read_digest_file(
    *, name: str, raw: bytes
) -> tuple[DigestDocument, list[ParseWarning]]:
    """A digest file to import: a JSON export, a TXT export or a legacy page.

    Raises `DigestFileError` (JSON) or `LegacyFormatError` (text) with a Chinese message.
    """
    _check_size(raw)
    if name.lower().endswith(".json"):
        return document_from_json(raw), []
    return parse_text_export(decode(raw))


@dataclass
class PageReading:
    """A page read for import: a weekly digest or a single article, with where each
    of its lines went (`log`; none for JSON)."""

    name: str
    digest: DigestDocument | None = None
    article: ArticlePage | None = None
    warnings: list[ParseWarning] = field(default_factory=list)
    log: LineLog = field(default_factory=LineLog)
    blank_lines: int = 0

    @property
    def kind(self) -> str:
        return "每周要闻" if self.digest is not None else "单篇稿件"


def is_digest_page(text: str) -> bool:
    """A weekly digest has day headings (`12月10日`) or `一周简讯`, or says 这一周."""
    lines = page_lines(text)
    if any("这一周" in line for _, line in lines[:4]):
        return True
    return any(line == BRIEFS_HEADING or DAY_HEADING.match(line) for _, line in lines)


def read_page_file(*, name: str, raw: bytes) -> PageReading:
    """Any page to import: a digest (legacy page, TXT or JSON export) or a
    single-article page, told apart by their layout.

    Raises `DigestFileError` (JSON) or `LegacyFormatError` (text) with a Chinese message.
    """
    if name.lower().endswith(".json"):
        document, warnings = read_digest_file(name=name, raw=raw)
        return PageReading(name=name, digest=document, warnings=warnings)
    _check_size(raw)
    text, is_draft = _without_draft_notice(decode(raw))
    blank = sum(1 for line in text.splitlines() if not line.strip())
    if is_draft or is_digest_page(text):
        reading = read_digest_page(text)
        reading.document.is_draft = is_draft
        return PageReading(
            name=name,
            digest=reading.document,
            warnings=reading.warnings,
            log=reading.log,
            blank_lines=blank,
        )
    page = read_article_page(text)
    return PageReading(
        name=name, article=page, warnings=page.warnings, log=page.log, blank_lines=blank
    )
