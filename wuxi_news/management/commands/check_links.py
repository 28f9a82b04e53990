from django.core.management.base import BaseCommand

from wuxi_news.links import check_links
from wuxi_news.models import CheckedLink


class Command(BaseCommand):
    help = (
        "检查已发布稿件正文和每周要闻页面中的全部链接和图片,记录断链和跳转;"
        "站内链接每次都查,外部链接只在加 --external 时查。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--external", action="store_true", help="同时检查外部网站的链接。"
        )
        parser.add_argument(
            "--timeout", type=float, default=10.0, help="每个外部请求的超时秒数。"
        )
        parser.add_argument(
            "--workers", type=int, default=8, help="同时检查的外部链接数。"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="只检查和报告,不更新检查结果。"
        )

    def handle(self, *args, external, timeout, workers, dry_run, **options):
        summary = check_links(
            external=external, timeout=timeout, workers=workers, dry_run=dry_run
        )
        if not dry_run:
            for link in CheckedLink.objects.broken():
                self.stdout.write(f"断链 {link.page_url} → {link.target}:{link.status}")
        self.stdout.write(
            f"检查了 {summary.checked} 个链接:断链 {summary.broken} 个,"
            f"跳转 {summary.redirects} 个,未检查的外部链接 {summary.unchecked} 个。"
        )
