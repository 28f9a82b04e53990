import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from digests.exports import FORMATS, ExportError, export_digest
from digests.models import WeeklyDigest


def find_digest(reference: str) -> WeeklyDigest:
    """A digest by id (`7`) or by its date (`2024-12-15`)."""
    if reference.isdigit():
        digest = WeeklyDigest.objects.select_related("column").filter(pk=int(reference))
        if not digest:
            raise CommandError(f"没有编号为 {reference} 的每周要闻。")
        return digest[0]
    try:
        day = datetime.date.fromisoformat(reference)
    except ValueError as exc:
        raise CommandError(
            f"无法识别“{reference}”:请给出每周要闻的编号(如 7)或日期(如 2024-12-15)。"
        ) from exc
    digests = list(WeeklyDigest.objects.select_related("column").filter(issued_on=day))
    if not digests:
        raise CommandError(f"{day.isoformat()} 没有每周要闻。")
    if len(digests) > 1:
        choices = "、".join(f"{d.pk}({d.column.name})" for d in digests)
        raise CommandError(f"{day.isoformat()} 有多期每周要闻,请改用编号:{choices}")
    return digests[0]


class Command(BaseCommand):
    help = (
        "Export a weekly digest as DOCX, PDF, HTML (for the WeChat editor), the legacy "
        "plain-text page or JSON. Drafts are marked 草稿 in the file."
    )

    def add_arguments(self, parser):
        parser.add_argument("digest", help="the digest's id, or its date (2024-12-15)")
        parser.add_argument(
            "--format", dest="fmt", choices=list(FORMATS), default="docx"
        )
        parser.add_argument(
            "--output",
            type=Path,
            help="file or existing folder to write to; default: the named file here",
        )
        parser.add_argument(
            "--force", action="store_true", help="overwrite an existing file"
        )

    def handle(self, *args, digest: str, fmt: str, output, force: bool, **options):
        found = find_digest(digest)
        try:
            exported = export_digest(digest=found, fmt=fmt)
        except ExportError as exc:
            raise CommandError(str(exc)) from exc
        path = output or Path(exported.filename)
        if path.is_dir():
            path = path / exported.filename
        if path.exists() and not force:
            raise CommandError(f"{path} 已存在;加 --force 覆盖。")
        if not path.parent.is_dir():
            raise CommandError(f"文件夹 {path.parent} 不存在。")
        try:
            path.write_bytes(exported.content)
        except OSError as exc:
            raise CommandError(f"无法写入 {path}:{exc.strerror}") from exc
        draft = "(草稿)" if not found.is_published else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"已导出 {found}{draft} 为 {FORMATS[fmt].label}:{path}"
                f"({len(exported.content) / 1024:.0f} KB)"
            )
        )
