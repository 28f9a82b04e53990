"""What every export format shares: the list of formats, file names, the draft and
missing-photo markers, and the errors and results an export hands back."""

import re
from dataclasses import dataclass

from ..structure import DigestDocument


@dataclass(frozen=True)
class ExportFormat:
    name: str
    label: str
    extension: str
    content_type: str


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in [
        ExportFormat(
            "docx",
            "Word 文档",
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ExportFormat("pdf", "PDF 文档", "pdf", "application/pdf"),
        ExportFormat("html", "网页(公众号)", "html", "text/html; charset=utf-8"),
        ExportFormat("txt", "纯文本", "txt", "text/plain; charset=utf-8"),
        ExportFormat("json", "JSON 数据", "json", "application/json"),
    ]
}

DRAFT_LABEL = "草稿"
DRAFT_NOTICE = "【草稿】未发布,仅供审核,请勿转发。"
MISSING_PHOTO = "〔图片缺失〕"


class ExportError(Exception):
    """An export that cannot be produced; the message is for the editor."""


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: bytes
    content_type: str


def file_stem(document: DigestDocument) -> str:
    """`见政巫溪这一周-2024-12-15`, with `-草稿` for drafts: safe on every file system."""
    title = re.sub(r"[^\w\u4e00-\u9fff-]+", "", document.title) or "每周要闻"
    stem = f"{title}-{document.issued_on.isoformat()}"
    return f"{stem}-{DRAFT_LABEL}" if document.is_draft else stem


def export_filename(document: DigestDocument, fmt: str) -> str:
    return f"{file_stem(document)}.{FORMATS[fmt].extension}"
