"""Importing one file of the old site's archive, with a report that names where every
line went: used by `import_pages`, the admin upload and its background task.

A file is read (`digests.reading.read_page_file`), told apart as a weekly digest or a
single-article page, and imported in one transaction (`import_digest`,
`import_article_page`); a refusal, or a dry run, leaves the database as it was.
"""

import datetime
from dataclasses import asdict, dataclass, field

from django.db import transaction
from django.utils import timezone

from articles.models import Column

from .archive import ArchiveError, is_zip, read_archive
from .layout import LegacyFormatError, LineEntry
from .models import PageImport
from .reading import DigestFileError, PageReading, read_page_file
from .services import (
    DigestImportError,
    ImportResult,
    import_article_page,
    import_digest,
)

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


def _summary(reading: PageReading) -> str:
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
    return (
        f"{page.story.headline}(栏目 {' > '.join(page.breadcrumb)},"
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
) -> FileReport:
    """Import one file; never raises for a bad file: the report says why it was refused.

    A `KeyboardInterrupt` propagates, after the file's transaction is rolled back.
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
                )
            else:
                result = import_article_page(
                    page=reading.article,
                    column=column,
                    source=name,
                    update=update,
                    publish=not draft,
                    by=by,
                )
            report.status = result.outcome
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


def uploaded_files(*, name: str, raw: bytes) -> list[FileReport | tuple[str, bytes]]:
    """The files of an upload: itself, or the entries of a ZIP (refused ones as
    reports). Raises `ArchiveError` for a ZIP that cannot be read at all."""
    if not is_zip(raw):
        return [(name, raw)]
    files: list[FileReport | tuple[str, bytes]] = []
    for entry in read_archive(raw):
        if entry.refusal:
            files.append(FileReport(name=entry.name, error=entry.refusal))
        else:
            files.append((entry.name, entry.raw))
    return files


PUBLISH_PERMISSIONS = ("articles.publish_article", "digests.publish_weeklydigest")


def may_publish_imports(user) -> bool:
    """Whether an upload by `user` may go public as it is imported, or change public
    items: only for those who sign off (终审). Anyone else's import is a draft that goes
    through 三审, and leaves published items as they are. The command line (no user) is
    the operator's."""
    return user is None or all(user.has_perm(p) for p in PUBLISH_PERMISSIONS)


def run_page_import(*, page_import: PageImport, by=None) -> PageImport:
    """Import an uploaded file or ZIP, one transaction per page, and keep the report."""
    page_import.status = PageImport.Status.RUNNING
    page_import.save(update_fields=["status"])
    run = RunReport()
    try:
        with page_import.upload.open("rb") as upload:
            raw = upload.read()
        for item in uploaded_files(name=page_import.original_name, raw=raw):
            if isinstance(item, FileReport):
                run.files.append(item)
                continue
            name, data = item
            importer = by or page_import.created_by
            may_publish = may_publish_imports(importer)
            run.files.append(
                import_file(
                    name=name,
                    raw=data,
                    update=page_import.is_update and may_publish,
                    force=page_import.is_forced and may_publish,
                    dry_run=page_import.is_dry_run,
                    draft=not may_publish,
                    by=importer,
                )
            )
        page_import.status = PageImport.Status.DONE
        page_import.report = run.as_json()
    except (ArchiveError, OSError) as exc:
        page_import.status = PageImport.Status.FAILED
        page_import.report = run.as_json() | {"error": str(exc)}
    page_import.finished_at = timezone.now()
    page_import.save(update_fields=["status", "report", "finished_at"])
    return page_import
