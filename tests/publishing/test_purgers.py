"""Purgers speak HTTP to a front cache: what they send, and what counts as failure."""

import http.server
import threading

import pytest

from wuxi_news.publishing.purgers import HttpPurger, NginxRefreshPurger, PurgeError


@pytest.fixture
def front_cache():
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self):
            seen.append((self.command, self.path, dict(self.headers)))
            status = (
                500 if "broken" in self.path else 404 if "absent" in self.path else 200
            )
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_PURGE = _answer

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()
    server.server_close()


def test_the_nginx_refresh_asks_for_the_page_as_readers_do(front_cache, settings):
    url, seen = front_cache
    settings.PUBLISH_BASE_URL = "https://www.cqwx.gov.cn"
    NginxRefreshPurger(url).purge("/column/wxyw/page/2/")
    method, path, headers = seen[0]
    assert (method, path) == ("GET", "/column/wxyw/page/2/")
    assert headers["Host"] == "www.cqwx.gov.cn"
    assert headers["X-Publish-Refresh"] == "1"


def test_a_purge_is_a_purge_request_and_a_miss_is_no_failure(front_cache):
    url, seen = front_cache
    purger = HttpPurger(url)
    purger.purge("/articles/5/")
    purger.purge("/articles/absent/")  # 404: the cache did not hold it
    assert [(m, p) for m, p, _ in seen] == [
        ("PURGE", "/articles/5/"),
        ("PURGE", "/articles/absent/"),
    ]
    with pytest.raises(PurgeError, match="HTTP 500"):
        purger.purge("/broken/")


def test_an_unreachable_cache_is_a_failure_to_retry():
    with pytest.raises(PurgeError):
        HttpPurger("http://127.0.0.1:1").purge("/")


class SlowPurger:
    """A CDN that never answers in time."""

    def __init__(self, seconds: float = 2):
        self.seconds = seconds

    def purge(self, path):
        import time

        time.sleep(self.seconds)


@pytest.mark.django_db
def test_a_slow_cdn_never_holds_up_publishing(settings, monkeypatch):
    import time

    from tests.factories import make_article
    from wuxi_news.models import PurgeRetry
    from wuxi_news.publishing import purgers, worker

    settings.PUBLISH_PURGERS = [
        {
            "BACKEND": "tests.publishing.test_purgers.SlowPurger",
            "OPTIONS": {"seconds": 3},
        }
    ]
    monkeypatch.setattr(purgers, "BUDGET", 0.5)
    article = make_article()
    started = time.monotonic()
    done, outcome = worker.drain_once()
    assert done == 1 and article.get_absolute_url() in outcome.written
    assert time.monotonic() - started < 2.5  # the budget, not 3 s for each page
    retry = PurgeRetry.objects.get(path=article.get_absolute_url())
    assert "not done within" in retry.last_error
