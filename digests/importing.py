"""Importing one file of the old site's archive, with a report that names where every
line went: used by `import_pages`, the admin upload and its background task.

A file is read (`digests.reading.read_page_file`), told apart as a weekly digest or a
single-article page, and imported in one transaction (`import_digest`,
`import_article_page`); a refusal, or a dry run, leaves the database as it was.
"""

import datetime
import json
import logging
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import BinaryIO

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from articles.models import Column

from .archive import ArchiveError, is_zip, read_archive
from .layout import LegacyFormatError, LineEntry
from .models import PageImport
from .reading import MAX_FILE_BYTES, DigestFileError, PageReading, read_page_file
from .services import (
    DigestImportError,
    ImportResult,
    import_article_page,
    import_digest,
)

logger = logging.getLogger(__name__)

STATUS_LABELS = {
    "imported": "已导入",
    "updated": "已更新",
    "unchanged": "未变",
    "refused": "拒绝",
}


@dataclass
class FileReport:
    name: str
    status: str = "refused"
    kind: str = ""
    title: str = ""
    summary: str = ""
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    lines: list[LineEntry] = field(default_factory=list)
    blank_lines: int = 0
    admin_url: str = ""
    is_dry_run: bool = False

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def has_warnings(self) -> bool:
        return bool(self.warnings or self.kept)

    def as_json(self) -> dict:
        data = asdict(self)
        data["status_label"] = self.status_label
        data["lines"] = [asdict(line) for line in self.lines]
        return data


class _DryRun(Exception):
    """Raised inside the transaction of a dry run, so that nothing stays written."""


def _summary(reading: PageReading, column=None) -> str:
    """What the file holds; a single article's column is the one it went to (an
    editor's page naming a column that does not exist goes to another)."""
    if reading.digest is not None:
        document = reading.digest
        photos = [photo for story in document.stories for photo in story.photos]
        return (
            f"{document.title} {document.issued_on.isoformat()}:"
            f"{len(document.stories)} 篇稿件,{len(photos)} 张图片"
            f"({sum(1 for p in photos if p.credit_name)} 张有署名),"
            f"{len(document.briefs)} 条简讯"
        )
    page = reading.article
    photos = page.story.photos
    names = [c.name for c in column.ancestors()] if column else page.breadcrumb
    return (
        f"{page.story.headline}(栏目 {' > '.join(names)},"
        f"新闻日期 {page.story.news_on.isoformat()}):"
        f"{len(page.story.paragraphs)} 段,{len(photos)} 张图片"
    )


def _admin_url(result: ImportResult) -> str:
    if result.digest is not None and result.digest.pk:
        return f"/admin/digests/weeklydigest/{result.digest.pk}/change/"
    if result.article is not None and result.article.pk:
        return f"/admin/articles/article/{result.article.pk}/change/"
    return ""


def import_file(
    *,
    name: str,
    raw: bytes,
    column: Column | None = None,
    update: bool = False,
    force: bool = False,
    dry_run: bool = False,
    draft: bool = False,
    by=None,
    add_columns: bool,
) -> FileReport:
    """Import one file; never raises for a bad file: the report says why it was refused.

    A column the page names that does not exist is created only with `add_columns`
    (see `may_add_columns`); otherwise the page goes to the default column, with a
    warning. A `KeyboardInterrupt` propagates, after the file's transaction is rolled
    back.
    """
    report = FileReport(name=name, is_dry_run=dry_run)
    try:
        reading = read_page_file(name=name, raw=raw)
    except (LegacyFormatError, DigestFileError) as exc:
        report.error = str(exc)
        return report
    report.kind = reading.kind
    report.lines = reading.log.ordered()
    report.blank_lines = reading.blank_lines
    report.warnings = [f"需核对 {warning}" for warning in reading.warnings]
    report.summary = _summary(reading)
    report.title = (
        reading.digest.title if reading.digest else reading.article.story.headline
    )
    try:
        with transaction.atomic():
            if reading.digest is not None:
                result = import_digest(
                    document=reading.digest,
                    publish=not (draft or reading.digest.is_draft),
                    source=name,
                    update=update,
                    force=force,
                    by=by,
                    add_columns=add_columns,
                )
            else:
                result = import_article_page(
                    page=reading.article,
                    column=column,
                    source=name,
                    update=update,
                    publish=not draft,
                    by=by,
                    add_columns=add_columns,
                )
            report.status = result.outcome
            if result.article is not None and result.article.column_id:
                report.summary = _summary(reading, result.article.column)
            report.warnings = result.warnings + report.warnings
            report.changes = result.changes
            report.kept = result.kept
            report.admin_url = "" if dry_run else _admin_url(result)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except DigestImportError as exc:
        report.status = "refused"
        report.error = f"{exc.message}没有写入任何内容。"
    except IntegrityError as exc:
        # Someone else's import or save wrote the same row at the same instant.
        logger.warning("Import of %s met a concurrent write: %s", name, exc)
        report.status = "refused"
        report.error = (
            "与同时进行的导入或保存冲突,没有写入任何内容。请重新导入这个文件。"
        )
    return report


@dataclass
class RunReport:
    """The reports of a run over many files, and the table that sums them up."""

    files: list[FileReport] = field(default_factory=list)
    started_at: str = field(
        default_factory=lambda: datetime.datetime.now(datetime.UTC).isoformat()
    )

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUS_LABELS.values(), 0)
        for report in self.files:
            counts[report.status_label] += 1
        counts["有警告"] = sum(1 for report in self.files if report.has_warnings)
        return counts

    @property
    def has_refusals(self) -> bool:
        return any(report.status == "refused" for report in self.files)

    def table(self) -> str:
        counts = self.counts()
        width = max(len(label) for label in counts) + 2
        rows = [f"{'文件数':<{width}}{len(self.files):>6}"]
        rows += [f"{label:<{width}}{count:>6}" for label, count in counts.items()]
        return "\n".join(rows)

    def as_json(self) -> dict:
        return {
            "started_at": self.started_at,
            "counts": self.counts(),
            "files": [report.as_json() for report in self.files],
        }


def uploaded_files(
    *, name: str, file: BinaryIO
) -> Iterator[FileReport | tuple[str, bytes]]:
    """The files of an upload, one at a time: itself, or the entries of a ZIP (refused
    ones as reports). Raises `ArchiveError` at once for a ZIP that cannot be read."""
    head = file.read(4)
    file.seek(0)
    if not is_zip(head) and name.lower().endswith(".zip"):
        # A page renamed .zip, or a RAR or photo: say so, rather than read it as a page.
        yield FileReport(
            name=name,
            error="不是有效的 ZIP 压缩包(可能是改了扩展名的其他文件),没有导入。"
            "请上传 ZIP 压缩包,或直接上传网页文件。",
        )
        return
    if not is_zip(head):
        raw = file.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            yield FileReport(
                name=name, error=f"文件太大,最大 {MAX_FILE_BYTES // 1024 // 1024} MB。"
            )
        else:
            yield name, raw
        return
    for entry in read_archive(file):
        if entry.refusal:
            yield FileReport(name=entry.name, error=entry.refusal)
        else:
            yield entry.name, entry.raw


PUBLISH_PERMISSIONS = ("articles.publish_article", "digests.publish_weeklydigest")
ADD_COLUMN_PERMISSION = "articles.add_column"
# An import makes progress at least once a file (a second or two); one that has made
# none for this long has lost the process that ran it (a killed worker or request).
STALLED_AFTER = datetime.timedelta(minutes=5)
INTERRUPTED = (
    "导入被中断(处理进程已停止),请重新上传。已导入的页面会保留,重新上传时显示为“未变”。"
)
CRASHED = "导入出错(程序错误,已记入日志),正在导入的页面没有写入。请联系管理员。"


def may_publish_imports(user) -> bool:
    """Whether an upload by `user` may go public as it is imported, or change public
    items: only for those who sign off (终审). Anyone else's import is a draft that goes
    through 三审, and leaves published items as they are. The command line does not
    ask (its operator chooses with --draft)."""
    return user is not None and all(user.has_perm(p) for p in PUBLISH_PERMISSIONS)


def may_add_columns(user) -> bool:
    """Whether an upload by `user` may create the columns its pages name: only for
    those who may add columns (the 总编). The command line is the operator's and
    always may (it says so when it imports)."""
    return user is not None and user.has_perm(ADD_COLUMN_PERMISSION)


def _beat(page_import: PageImport, files_done: int) -> bool:
    """Record progress; False when the import is no longer running (it was marked
    interrupted meanwhile), so that it stops."""
    return bool(
        PageImport.objects.filter(
            pk=page_import.pk, status=PageImport.Status.RUNNING
        ).update(files_done=files_done, heartbeat_at=timezone.now())
    )


class _Stopped(Exception):
    """The import was marked interrupted while it ran."""


def _finish(page_import: PageImport, *, status: str, report: dict) -> None:
    """Store the outcome unless the import was marked interrupted meanwhile; a failed
    upload's file is deleted (its report says why)."""
    finished_at = timezone.now()
    updated = PageImport.objects.filter(
        pk=page_import.pk, status=PageImport.Status.RUNNING
    ).update(status=status, report=report, finished_at=finished_at)
    page_import.refresh_from_db()
    if updated and status == PageImport.Status.FAILED:
        _delete_upload(page_import)


def _delete_upload(page_import: PageImport) -> None:
    if page_import.upload:
        page_import.upload.delete(save=False)
        PageImport.objects.filter(pk=page_import.pk).update(upload="")


# Files whose report the import's page shows (and `report` keeps); the report file,
# and the download, have every file's.
SHOWN_FILES = 50
SHOWN_WARNINGS = 20


class _StoredRun:
    """The report of an upload as it is stored: each file's whole report (every line)
    goes to a file as soon as the file is imported; only the counts and the first
    `SHOWN_FILES` files' reports stay in memory, so that an import's memory does not
    grow with its number of pages."""

    def __init__(self):
        self.started_at = datetime.datetime.now(datetime.UTC).isoformat()
        self.counts = dict.fromkeys(STATUS_LABELS.values(), 0) | {"有警告": 0}
        self.file_count = 0
        self.files: list[dict] = []
        self.spool = tempfile.TemporaryFile()

    def add(self, report: FileReport) -> None:
        data = report.as_json()
        self.spool.write(json.dumps(data, ensure_ascii=False).encode() + b"\n")
        self.file_count += 1
        self.counts[report.status_label] += 1
        self.counts["有警告"] += report.has_warnings
        if len(self.files) < SHOWN_FILES:
            data["line_count"] = len(data.pop("lines"))
            # A long page can have thousands (需核对 each line); the page shows all
            # of them from the report file.
            data["warning_count"] = len(data["warnings"])
            data["warnings"] = data["warnings"][:SHOWN_WARNINGS]
            self.files.append(data)

    def as_json(self) -> dict:
        return {
            "started_at": self.started_at,
            "counts": self.counts,
            "file_count": self.file_count,
            "files": self.files,
        }

    def save_to(self, page_import: PageImport) -> None:
        """Store the report file (nothing when no file was imported)."""
        if self.file_count:
            self.spool.seek(0)
            page_import.report_file.save("report.jsonl", File(self.spool), save=False)
            PageImport.objects.filter(pk=page_import.pk).update(
                report_file=page_import.report_file.name
            )
        self.spool.close()


def file_reports(page_import: PageImport, *, limit: int | None = None):
    """The whole report of each file of an import, read one at a time from its report
    file (older imports kept them in `report`)."""
    if not page_import.report_file:
        yield from page_import.report.get("files", [])[:limit]
        return
    with page_import.report_file.open("rb") as lines:
        for number, line in enumerate(lines):
            if limit is not None and number >= limit:
                return
            yield json.loads(line)


def run_page_import(*, page_import: PageImport, by=None) -> PageImport:
    """Import an uploaded file or ZIP, one transaction per page, and keep the report.

    The upload is read one page at a time, and each page's report written out before
    the next is read (`_StoredRun`); progress is recorded after each file
    (`fail_interrupted_imports` relies on it). Never raises for a bad upload or a bug
    in the importer: the import is then 失败 with the reason, and its file deleted.
    """
    importer = by or page_import.created_by
    may_publish = may_publish_imports(importer)
    add_columns = may_add_columns(importer)
    page_import.status = PageImport.Status.RUNNING
    page_import.files_done = 0
    page_import.heartbeat_at = timezone.now()
    page_import.save(update_fields=["status", "files_done", "heartbeat_at"])
    run = _StoredRun()
    status, error = PageImport.Status.DONE, ""
    try:
        with page_import.upload.open("rb") as upload:
            for item in uploaded_files(name=page_import.original_name, file=upload):
                if isinstance(item, FileReport):
                    run.add(item)
                else:
                    name, data = item
                    run.add(
                        import_file(
                            name=name,
                            raw=data,
                            column=page_import.column,
                            update=page_import.is_update and may_publish,
                            force=page_import.is_forced and may_publish,
                            dry_run=page_import.is_dry_run,
                            draft=not may_publish,
                            by=importer,
                            add_columns=add_columns,
                        )
                    )
                if not _beat(page_import, run.file_count):
                    raise _Stopped
    except _Stopped:
        logger.warning("Page import %s was stopped: marked interrupted", page_import.pk)
        run.save_to(page_import)
        page_import.refresh_from_db()
        return page_import
    except ArchiveError as exc:
        status, error = PageImport.Status.FAILED, str(exc)
    except OSError as exc:
        logger.warning(
            "Page import %s: cannot read the upload: %s", page_import.pk, exc
        )
        status, error = PageImport.Status.FAILED, "无法读取上传的文件,请重新上传。"
    except Exception:
        logger.exception("Page import %s failed", page_import.pk)
        status, error = PageImport.Status.FAILED, CRASHED
    run.save_to(page_import)
    report = run.as_json() | ({"error": error} if error else {})
    _finish(page_import, status=status, report=report)
    return page_import


def fail_interrupted_imports(*, now: datetime.datetime | None = None) -> int:
    """Mark 失败 the imports left 导入中 by a process that stopped (no progress for
    `STALLED_AFTER`), with the reason, and delete their uploads. Returns how many.

    Not resumed: what stopped the process (a worker killed for its memory, a deploy)
    may stop it again, and a new upload of the same file imports the rest (the pages
    already imported, each in its own transaction, are found 未变).
    """
    cutoff = (now or timezone.now()) - STALLED_AFTER
    stalled = Q(heartbeat_at__lt=cutoff) | Q(
        heartbeat_at__isnull=True, created_at__lt=cutoff
    )
    count = 0
    running = PageImport.objects.filter(stalled, status=PageImport.Status.RUNNING)
    for page_import in running.only("pk", "upload", "report"):
        updated = PageImport.objects.filter(
            stalled, pk=page_import.pk, status=PageImport.Status.RUNNING
        ).update(
            status=PageImport.Status.FAILED,
            finished_at=now or timezone.now(),
            report=page_import.report | {"error": INTERRUPTED},
        )
        if updated:
            logger.warning(
                "Page import %s was interrupted: marked failed", page_import.pk
            )
            _delete_upload(page_import)
            count += 1
    return count
