"""`python manage.py bake --all | --reconcile`: rebuild or repair the baked site."""

from django.core.management.base import BaseCommand, CommandError

from wuxi_news.publishing import worker
from wuxi_news.publishing.targets import DiskFull, format_size


class Command(BaseCommand):
    help = (
        "--all renders every public URL into a new release, verifies it and makes it "
        "live (the previous release is kept for rollback); --reconcile compares the "
        "published URLs with the files and repairs the drift."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--all", action="store_true", dest="everything")
        group.add_argument("--reconcile", action="store_true")

    def handle(self, *args, everything, reconcile, **options):
        try:
            if everything:
                done = worker.bake_all()
                self.stdout.write(
                    f"Baked {done['pages']} pages in {done['seconds']:.1f} s"
                    + (f" into release {done['release']}" if "release" in done else "")
                    + (
                        f" (previous: {done['previous']})"
                        if done.get("previous")
                        else ""
                    )
                )
            else:
                done = worker.reconcile()
                self.stdout.write(
                    f"Drift: {done['drift']} ({done['rewritten']} rewritten, "
                    f"{done['removed']} removed, {done['failed']} failed to render, "
                    f"{done['temporary']} temporary files of killed writes removed)"
                )
        except (worker.VerifyError, worker.BakeError) as error:
            raise CommandError(f"Nothing was changed: {error}") from error
        except DiskFull as error:
            # One line: what is full and how much is left, not a traceback.
            kept = "线上网站没有改动" if everything else "这一页保持原样"
            raise CommandError(
                f"磁盘已满:无法写入 {error.path}(剩余 {format_size(error.free)})。"
                f"{kept};腾出空间后重新运行。"
            ) from error
