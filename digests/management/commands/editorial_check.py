import datetime
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from articles.checking import check_article, set_aside
from articles.models import AllowedFinding, Article
from digests.checking import check_digest_stories, patrol_published
from people.editorial import run_editorial_check

from .export_digest import find_digest


class Command(BaseCommand):
    help = (
        "Check officials' names, titles and order against the register on the text's "
        "date, and the lexicon of fixed expressions. Exit status 1 when an error (E) "
        "finding remains."
    )

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--text", help="the text (or HTML) to check")
        source.add_argument("--file", help="a UTF-8 file to check")
        source.add_argument("--article", type=int, help="an article's id")
        source.add_argument("--digest", help="a digest's id, or its date")
        source.add_argument(
            "--published",
            action="store_true",
            help="every published article and digest story, each on its own date",
        )
        parser.add_argument(
            "--date",
            help="check as of YYYY-MM-DD (default: today for --text/--file, "
            "each story's own date otherwise)",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON list")

    def handle(self, *args, **options):
        as_of = None
        if options["date"]:
            try:
                as_of = datetime.date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError("日期格式应为 YYYY-MM-DD,如 2024-12-10。") from error
        rows = []  # (page label, article id or None, CheckedFinding)
        if options["text"] is not None or options["file"]:
            text = options["text"]
            if text is None:
                try:
                    text = Path(options["file"]).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as error:
                    raise CommandError(f"无法读取文件:{error}") from error
            findings = run_editorial_check(text, as_of or timezone.localdate())
            allowed = list(AllowedFinding.objects.all())
            checked = set_aside(findings, dismissals=[], allowed=allowed)
            rows = [("", None, c) for c in checked]
            with_article = False
        elif options["article"] is not None:
            article = Article.objects.filter(pk=options["article"]).first()
            if article is None:
                raise CommandError(f"没有编号为 {options['article']} 的稿件。")
            checked = check_article(article, news_on=as_of)
            rows = [(f"《{article.headline}》", article.pk, c) for c in checked]
            with_article = True
        elif options["digest"]:
            digest = find_digest(options["digest"])
            for report in check_digest_stories(digest, as_of=as_of):
                rows += [(report.label, report.article_id, c) for c in report.checked]
            with_article = True
        else:
            for report in patrol_published():
                label = f"{report.day.isoformat()} {report.label}"
                rows += [(label, report.article_id, c) for c in report.open_findings]
            with_article = True
        self.report(rows, as_json=options["json"], with_article=with_article)
        if any(c.is_blocking for _, _, c in rows):
            sys.exit(1)

    def report(self, rows, *, as_json: bool, with_article: bool) -> None:
        if as_json:
            items = []
            for _, article_id, checked in rows:
                if checked.is_set_aside:
                    continue
                item = checked.finding.as_dict()
                if with_article:
                    item["article"] = article_id
                items.append(item)
            self.stdout.write(json.dumps(items, ensure_ascii=False, indent=1))
            return
        shown = 0
        page = None
        for label, _, checked in rows:
            finding = checked.finding
            if label != page and label:
                self.stdout.write(label)
                page = label
            state = ""
            if checked.dismissal:
                state = f"(已忽略:{checked.dismissal.reason})"
            elif checked.allowed:
                state = f"(全站允许:{checked.allowed.reason})"
            self.stdout.write(
                f"  [{finding.severity}] {finding.code} {finding.start}-{finding.end} "
                f"“{finding.excerpt}”:{finding.message}"
                + (f" 建议:{finding.suggestion}" if finding.suggestion else "")
                + state
            )
            shown += 1
        errors = sum(c.is_blocking for _, _, c in rows)
        self.stdout.write(f"共 {shown} 条校对提示,其中未处理的错误 {errors} 条。")
