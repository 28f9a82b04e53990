"""Purgers: tell front caches and CDNs which pages changed, after the files are written.

Configured in PUBLISH_PURGERS, each `{"BACKEND": import path, "OPTIONS": {...}}`. They
run after the write and never inside a transaction (a slow CDN must not hold an
editor's save). A failure is kept as a `PurgeRetry` and tried again with a growing wait
(5 s, 10 s, 20 s … at most an hour); the admin lists what is still failing.
"""

import datetime
import logging
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor, wait
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

TIMEOUT = 5  # seconds per request
BUDGET = 10  # seconds for a batch's purges; the rest are retried later
PARALLEL = 8
MAX_WAIT = 3600


class PurgeError(RuntimeError):
    pass


class HttpPurger:
    """`PURGE <url><path>` for each page (Varnish, nginx with a purge module, CDNs)."""

    method = "PURGE"

    def __init__(self, url: str, headers: dict | None = None):
        self.url = url.rstrip("/")
        self.headers = headers or {}

    def request(self, path: str) -> urllib.request.Request:
        return urllib.request.Request(
            self.url + quote(path), method=self.method, headers=self.headers
        )

    def purge(self, path: str) -> None:
        try:
            with urllib.request.urlopen(self.request(path), timeout=TIMEOUT):
                pass
        except urllib.error.HTTPError as error:
            if error.code != 404:  # 404: the cache did not hold it
                raise PurgeError(f"{self.method} {path}: HTTP {error.code}") from error
        except OSError as error:
            raise PurgeError(f"{self.method} {path}: {error}") from error


class NginxRefreshPurger(HttpPurger):
    """nginx's microcache (deploy/nginx.conf): a GET with `X-Publish-Refresh: 1` from
    the loopback address bypasses the cached copy and stores the fresh one."""

    method = "GET"

    def __init__(self, url: str = "http://127.0.0.1", headers: dict | None = None):
        # The microcache keys on the host readers use, not on the address asked.
        host = urlsplit(settings.PUBLISH_BASE_URL).netloc
        super().__init__(
            url, {"Host": host, "X-Publish-Refresh": "1", **(headers or {})}
        )


class RecordingPurger:
    """Keeps what it was told (tests; a dry run)."""

    purged: list[str] = []

    def __init__(self, fail: bool = False):
        self.fail = fail

    def purge(self, path: str) -> None:
        if self.fail:
            raise PurgeError(f"refused {path}")
        RecordingPurger.purged.append(path)


def configured() -> list[tuple[str, object]]:
    purgers = []
    for config in settings.PUBLISH_PURGERS:
        name = config["BACKEND"]
        purgers.append((name, import_string(name)(**config.get("OPTIONS", {}))))
    return purgers


def _wait(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(5 * 2 ** (attempts - 1), MAX_WAIT))


def _failed(name: str, path: str, error: Exception) -> None:
    from wuxi_news.models import PurgeRetry

    retry, _ = PurgeRetry.objects.get_or_create(purger=name, path=path)
    retry.attempts += 1
    retry.last_error = str(error)[:2000]
    retry.next_attempt_at = timezone.now() + _wait(retry.attempts)
    retry.save()
    logger.warning("Purge failed (%s attempt %d): %s", name, retry.attempts, error)


def _attempt(calls, budget: float) -> list[tuple[str, str, Exception | None]]:
    """Run `calls` (name, path, purger) in parallel for at most `budget` seconds; the
    outcome of each: its error, or None. What did not finish in time is an error too."""
    results = []
    pool = ThreadPoolExecutor(max_workers=PARALLEL)
    futures = {
        pool.submit(purger.purge, path): (name, path) for name, path, purger in calls
    }
    finished, unfinished = wait(futures, timeout=budget)
    for future in finished:
        name, path = futures[future]
        results.append((name, path, future.exception()))
    for future in unfinished:
        name, path = futures[future]
        results.append((name, path, PurgeError(f"not done within {budget:.0f} s")))
    pool.shutdown(wait=False, cancel_futures=True)
    return results


def purge(paths) -> int:
    """Tell every configured purger about `paths`; returns how many failed (kept for
    a retry). At most BUDGET seconds, in parallel: a slow CDN never stops publishing."""
    calls = [
        (name, path, purger)
        for name, purger in configured()
        for path in dict.fromkeys(paths)
    ]
    failures = 0
    for name, path, error in _attempt(calls, BUDGET) if calls else []:
        if error is not None:
            failures += 1
            _failed(name, path, error)
    return failures


def retry_due() -> int:
    """Retry the failed purges whose wait is over; returns how many succeeded."""
    from wuxi_news.models import PurgeRetry

    purgers = dict(configured())
    due = list(PurgeRetry.objects.filter(next_attempt_at__lte=timezone.now())[:200])
    calls = []
    for retry in due:
        if retry.purger not in purgers:  # no longer configured
            retry.delete()
        else:
            calls.append((retry.purger, retry.path, purgers[retry.purger]))
    done = 0
    for name, path, error in _attempt(calls, BUDGET) if calls else []:
        if error is None:
            PurgeRetry.objects.filter(purger=name, path=path).delete()
            done += 1
        else:
            _failed(name, path, error)
    return done
