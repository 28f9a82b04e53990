from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from digests.checking import check_digest_stories
from digests.legacy import LegacyFormatError
from digests.reading import DigestFileError, read_digest_file
from digests.services import DigestImportError, import_digest

NOTHING_WRITTEN = "没有写入任何内容。"


class Command(BaseCommand):
    help = (
        "Import a legacy plain-text 巫溪要闻 page (such as 见“政”巫溪这一周), or a TXT or "
        "JSON export of a digest (.json), as a digest."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            type=Path,
            help="the page's text file (UTF-8 or GB18030), or a JSON export (.json)",
        )
        parser.add_argument(
            "--draft",
            action="store_true",
            help="import as a draft instead of published",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="parse and report, write nothing"
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

    def handle(self, *args, path: Path, draft: bool, dry_run: bool, **options):
        try:
            # One transaction: a refusal or Ctrl-C anywhere leaves the database as it was.
            with transaction.atomic():
                self._import(
                    path=path,
                    draft=draft,
                    dry_run=dry_run,
                    update=options["update"],
                    force=options["force"],
                )
        except DigestImportError as exc:
            raise CommandError(f"{path}:{exc.message}{NOTHING_WRITTEN}") from exc
        except KeyboardInterrupt:
            raise CommandError(f"已中断,{NOTHING_WRITTEN}", returncode=130) from None

    def _import(
        self, *, path: Path, draft: bool, dry_run: bool, update: bool, force: bool
    ) -> None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}:{exc.strerror}") from exc
        try:
            document, warnings = read_digest_file(name=path.name, raw=raw)
        except (LegacyFormatError, DigestFileError) as exc:
            raise CommandError(f"{path}:{exc}") from exc

        for warning in warnings:
            self.stderr.write(self.style.WARNING(f"需核对 {warning}"))
        photos = [photo for story in document.stories for photo in story.photos]
        summary = (
            f"{document.title} {document.issued_on.isoformat()}:"
            f"{len(document.stories)} 篇稿件,{len(photos)} 张图片"
            f"({sum(1 for p in photos if p.credit_name)} 张有署名),"
            f"{len(document.briefs)} 条简讯"
        )
        if dry_run:
            self.stdout.write(f"(试运行,未写入){summary}")
            return
        # An exported draft (TXT notice line, JSON status) comes back as a draft.
        result = import_digest(
            document=document,
            publish=not (draft or document.is_draft),
            source=path.name,
            update=update,
            force=force,
            add_columns=True,  # the command line is the operator's
        )
        verb = {"imported": "已导入", "updated": "已更新", "unchanged": "未变"}
        self.stdout.write(self.style.SUCCESS(f"{verb[result.outcome]} {summary}"))
        for line in result.changes:
            self.stdout.write(f"  {line}")
        for line in result.kept:
            self.stderr.write(self.style.WARNING(f"  保留 {line}"))
        self.stdout.write(
            f"新建稿件 {result.articles_created} 篇,更新 {result.articles_updated} 篇,"
            f"未变 {result.articles_unchanged} 篇,"
            f"新建图片 {result.photos_created} 张;关联领导:"
            f"{'、'.join(result.officials_linked) or '无(名录为空?先运行 seed_demo)'}"
        )
        self.report_findings(result.digest)
        self.stdout.write(
            f"后台编辑:/admin/digests/weeklydigest/{result.digest.pk}/change/"
        )

    def report_findings(self, digest) -> None:
        """The editorial check of every story on its own date: reported, never blocking."""
        reports = [r for r in check_digest_stories(digest) if r.open_findings]
        found = [c for r in reports for c in r.open_findings]
        if not found:
            self.stdout.write("校对:没有发现问题。")
            return
        errors = sum(c.finding.is_error for c in found)
        self.stdout.write(
            self.style.WARNING(
                f"校对:{len(found)} 条提示,其中错误 {errors} 条(导入不受影响;"
                "发布前请在稿件的“校对”面板处理)。"
            )
        )
        for report in reports:
            for checked in report.open_findings:
                finding = checked.finding
                self.stdout.write(
                    f"  {report.day.isoformat()} {report.label} [{finding.severity}] "
                    f"{finding.code} “{finding.excerpt}”:{finding.message}"
                )
