"""`python manage.py publishworker`: bake the public site as editors change it."""

from django.core.management.base import BaseCommand

from wuxi_news.publishing import worker


class Command(BaseCommand):
    help = (
        "Drain the publish queue: bake the pages each reviewed change touches, delete "
        "unpublished ones, purge front caches, and fire scheduled go-live on time. "
        "Run exactly one per site (a second one waits for the first's lock)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=0.5, help="Seconds between polls."
        )
        parser.add_argument(
            "--once", action="store_true", help="Drain what is due, then stop."
        )

    def handle(self, *args, interval, once, **options):
        worker.run(interval=interval, once=once, stdout=self.stdout)
