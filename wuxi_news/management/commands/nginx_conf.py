import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from wuxi_news.publishing.nginx import nginx_config, parse_address


def _absolute(value: str) -> Path:
    # Made absolute, never resolved: `current` must stay the symlink nginx follows.
    return Path(os.path.abspath(value))


class Command(BaseCommand):
    help = (
        "Print the nginx configuration of the baked site: files of the live release "
        "first (PUBLISH_ROOT/current), Django (gunicorn) for the rest, a 503 "
        "maintenance page when Django is down. See README.md, Deploying."
    )
    # It only prints text from the settings: no database, no system checks.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--listen",
            required=True,
            help="Address nginx listens on: HOST:PORT or PORT (production: 80).",
        )
        parser.add_argument(
            "--upstream",
            required=True,
            help="gunicorn's address, HOST:PORT (production: 127.0.0.1:8001).",
        )
        parser.add_argument(
            "--root",
            help="The release nginx serves (default: PUBLISH_ROOT/current, kept as "
            "a symlink).",
        )
        parser.add_argument(
            "--prefix",
            help="Folder of nginx's pid file, logs, temp files and microcache "
            "(default: relative paths, under the prefix nginx is started with, -p).",
        )
        parser.add_argument(
            "--static-root", help="Served as /static/ (default: STATIC_ROOT)."
        )
        parser.add_argument(
            "--media-root", help="Photos served as /uploads/ (default: MEDIA_ROOT)."
        )
        parser.add_argument(
            "--user",
            help="Workers' user when nginx starts as root (production: www-data).",
        )
        parser.add_argument(
            "--pid",
            help="The pid file, when the service manager expects it elsewhere "
            "(Debian's nginx.service: /run/nginx.pid).",
        )

    def handle(self, *args, listen, upstream, root, prefix, **options):
        try:
            parse_address(listen, what="--listen", host_required=False)
            parse_address(upstream, what="--upstream", host_required=True)
            config = nginx_config(
                listen=listen,
                upstream=upstream,
                root=_absolute(root) if root else settings.PUBLISH_ROOT / "current",
                prefix=_absolute(prefix) if prefix else None,
                static_root=_absolute(options["static_root"])
                if options["static_root"]
                else None,
                media_root=_absolute(options["media_root"])
                if options["media_root"]
                else None,
                user=options["user"],
                pid=_absolute(options["pid"]) if options["pid"] else None,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(config, ending="")
        static = Path(options["static_root"] or settings.STATIC_ROOT)
        if not (static / "js" / "prefs.js").exists():
            # On stderr, so the config on stdout stays usable.
            self.stderr.write(
                f"Warning: {static} has no js/prefs.js; run `manage.py collectstatic` "
                "or the site is served without its styles and reading preferences."
            )
