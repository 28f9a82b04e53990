import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.models import Column
from digests.importing import FileReport, RunReport, import_file
from digests.reading import MAX_FILE_BYTES

PAGE_SUFFIXES = {".txt", ".json", ".text", ""}


def page_files(paths: list[Path]) -> list[Path]:
    """The files named, and the page files inside the folders named (recursively)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in PAGE_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            found.append(path)
    return found


class Command(BaseCommand):
    help = (
        "Import pages of the old site (weekly digests and single-article pages): files "
        "and folders (recursive), one transaction per file, with a report."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="files or folders")
        parser.add_argument(
            "--dry-run", action="store_true", help="read and report, write nothing"
        )
        parser.add_argument(
            "--update",
            action="store_true",
            help="also update items editors changed or that are published",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="let a published digest lose stories or briefs",
        )
        parser.add_argument(
            "--column", metavar="SLUG", help="the column for single-article pages"
        )
        parser.add_argument("--draft", action="store_true", help="import as drafts")
        parser.add_argument(
            "--report", type=Path, metavar="FILE", help="write the report as JSON"
        )

    def handle(self, *args, paths, dry_run, update, force, column, draft, report, **o):
        target = None
        if column:
            target = Column.objects.filter(slug=column).first()
            if target is None:
                raise CommandError(f"没有网址标识为“{column}”的栏目。")
        missing = [str(path) for path in paths if not path.exists()]
        if missing:
            raise CommandError(f"找不到:{'、'.join(missing)}")
        files = page_files(paths)
        run = RunReport()
        progress = _Progress(self.stderr, total=len(files))
        try:
            for number, path in enumerate(files, start=1):
                file_report = self._import(path, target, update, force, dry_run, draft)
                run.files.append(file_report)
                progress.step(number, file_report)
        except KeyboardInterrupt:
            progress.done()
            self._finish(run, report)
            raise CommandError(
                f"已中断:已完成 {len(run.files)} 个文件;正在导入的文件没有写入任何内容。",
                returncode=130,
            ) from None
        progress.done()
        for file_report in run.files:
            self._print(file_report)
        self._finish(run, report)
        if run.has_refusals:
            refused = sum(1 for r in run.files if r.status == "refused")
            raise CommandError(f"{refused} 个文件被拒绝导入(见上)。")

    def _import(self, path, column, update, force, dry_run, draft) -> FileReport:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                return FileReport(
                    name=str(path),
                    error=f"文件太大,最大 {MAX_FILE_BYTES // 1024 // 1024} MB。",
                )
            raw = path.read_bytes()
        except OSError as exc:
            return FileReport(name=str(path), error=f"无法读取文件:{exc.strerror}")
        return import_file(
            name=str(path),
            raw=raw,
            column=column,
            update=update,
            force=force,
            dry_run=dry_run,
            draft=draft,
            # A shell on the server is the operator's: the columns the pages name
            # are created, as an upload in the admin does only for the 总编.
            add_columns=True,
        )

    def _print(self, report: FileReport) -> None:
        prefix = "(试运行,未写入)" if report.is_dry_run else ""
        if report.status == "refused":
            self.stderr.write(self.style.ERROR(f"拒绝 {report.name}:{report.error}"))
            return
        self.stdout.write(
            f"{prefix}{report.status_label} {report.name}({report.kind}){report.summary}"
        )
        for line in report.changes:
            self.stdout.write(f"  {line}")
        for line in report.kept:
            self.stderr.write(self.style.WARNING(f"  保留 {line}"))
        for line in report.warnings:
            self.stderr.write(self.style.WARNING(f"  {line}"))

    def _finish(self, run: RunReport, report: Path | None) -> None:
        self.stdout.write("\n" + run.table())
        if report is not None:
            report.write_text(
                json.dumps(run.as_json(), ensure_ascii=False, indent=2),
                encoding="utf-8",
            )
            self.stdout.write(f"报告已写入 {report}")


class _Progress:
    """A progress bar on a terminal; plain lines otherwise (logs, pipes)."""

    def __init__(self, stream, *, total: int):
        self.stream = stream
        self.total = total
        self.is_terminal = stream.isatty()

    def step(self, number: int, report: FileReport) -> None:
        if self.is_terminal:
            filled = int(30 * number / max(self.total, 1))
            bar = "█" * filled + "·" * (30 - filled)
            self.stream.write(f"\r[{bar}] {number}/{self.total}", str, ending="")
            self.stream.flush()
        else:
            self.stream.write(
                f"[{number}/{self.total}] {report.status_label} {report.name}"
            )

    def done(self) -> None:
        if self.is_terminal:
            self.stream.write("", str)
