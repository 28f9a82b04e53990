"""System checks: the baker must be able to speak for the public address."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register
from django.http.request import validate_host


@register(deploy=True)  # a server's settings; `make check` has no hosts
def check_publish_base_url(app_configs=None, **kwargs):
    base = urlsplit(settings.PUBLISH_BASE_URL)
    if base.scheme not in ("http", "https") or not base.hostname:
        return [
            Error(
                f"PUBLISH_BASE_URL {settings.PUBLISH_BASE_URL!r} is not an http(s) address.",
                id="wuxi_news.E101",
            )
        ]
    allowed = settings.ALLOWED_HOSTS or (
        ["localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else []
    )
    if not validate_host(base.hostname, allowed):
        return [
            Error(
                f"PUBLISH_BASE_URL's host {base.hostname!r} is not in ALLOWED_HOSTS: "
                "the baker could not render a single page.",
                hint="Add it to DJANGO_ALLOWED_HOSTS.",
                id="wuxi_news.E102",
            )
        ]
    if base.path not in ("", "/"):
        return [Error("PUBLISH_BASE_URL must not have a path.", id="wuxi_news.E103")]
    return []
