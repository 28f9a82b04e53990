"""nginx in front of the baked site (wuxi_news/publishing/nginx.py), tried with real HTTP.

A real nginx (tests/publishing/nginx.py) serves a temporary baked site whose `current`
is a symlink to a release, in front of a fake Django: a `http.server` that records
each request and answers `django:<path>:<version>`. The microcache is made long
(MICROCACHE) so that a slow machine cannot turn an expected hit into a miss.
"""

from __future__ import annotations

import io
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.publishing.nginx import (
    free_port,
    nginx_binary,
    raw_request,
    request,
    running_nginx,
)
from wuxi_news.publishing import files
from wuxi_news.publishing.nginx import (
    NO_MAINTENANCE_TEXT,
    REFUSED_TEXT,
    RETRY_AFTER_SECONDS,
    nginx_config,
    security_headers,
    upload_limit_bytes,
)

# Real nginx (and gunicorn) processes: `make test-fast` leaves them out.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
MICROCACHE = 300
SECRET = b"NOT FOR THE PUBLIC"

RELEASE = {
    "index.html": "<p>首页 {release}</p>",
    "articles/5/index.html": "<p>稿件 5 {release}</p>",
    "column/wxyw/index.html": "<p>巫溪要闻 {release}</p>",
    "column/wxyw/page/2/index.html": "<p>巫溪要闻 第 2 页 {release}</p>",
    "column/wxyw/rss.xml": "<rss>{release}</rss>",
    "sitemap.xml": "<sitemapindex>{release}</sitemapindex>",
    "sitemap-articles-1.xml": "<urlset>{release}</urlset>",
    "robots.txt": "User-agent: * {release}",
    "404.html": "<p>没有这个页面 {release}</p>",
    "maintenance.html": "<p>网站维护中 {release}</p>",
    "400.html": "<p>请求有误 {release}</p>",
    "413.html": "<p>提交的内容太大 {release}</p>",
    "414.html": "<p>网址太长 {release}</p>",
    "431.html": "<p>请求头太大 {release}</p>",
    ".hidden": "hidden {release}",
}


class Upstream:
    """A fake Django on 127.0.0.1: records requests, answers `django:<path>:<version>`.

    `/set-cookie/…` answers with a cookie, `/private/…` with `Cache-Control: private`;
    every answer sends `X-Frame-Options: SAMEORIGIN`, so that a header nginx added
    would show as a second one.
    """

    def __init__(self):
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.version = "v1"
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                upstream.requests.append((self.command, self.path, dict(self.headers)))
                body = f"django:{self.path}:{upstream.version}".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-Upstream", "django")
                self.send_header("X-Frame-Options", "SAMEORIGIN")
                if self.path.startswith("/set-cookie/"):
                    self.send_header("Set-Cookie", "csrftoken=x; Path=/")
                if self.path.startswith("/private/"):
                    self.send_header("Cache-Control", "private")
                else:  # what Django's page cache sends: for browsers only
                    self.send_header(
                        "Cache-Control", "public, max-age=0, must-revalidate"
                    )
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_HEAD = do_POST = answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )
        self.thread.start()
        self.stopped = False

    def hits(self, path: str) -> int:
        return sum(1 for _, seen, _ in self.requests if seen == path)

    def stop(self):
        """Down: nothing listens on the port any more (connection refused)."""
        if not self.stopped:
            self.stopped = True
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=5)


def write_release(folder: Path, release: str, *, without=()) -> Path:
    for name, text in RELEASE.items():
        if name not in without:
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text.format(release=release), encoding="utf-8")
    return folder


def swap_current(publish_root: Path, release: str) -> None:
    """Point `current` at another release at once, as the baker does (a rename)."""
    new = publish_root / "current.new"
    new.symlink_to(Path("releases") / release)
    os.replace(new, publish_root / "current")


@pytest.fixture
def upstream():
    fake = Upstream()
    yield fake
    fake.stop()


@pytest.fixture
def publish_root(tmp_path):
    root = tmp_path / "site"
    write_release(root / "releases" / "a", "release-a")
    write_release(root / "releases" / "b", "release-b")
    write_release(
        root / "releases" / "c",
        "release-c",
        without={files.MAINTENANCE, files.NOT_FOUND, *files.REFUSED.values()},
    )
    (root / "current").symlink_to(Path("releases") / "a")
    (root / "secret.txt").write_bytes(SECRET)
    (tmp_path / "secret.txt").write_bytes(SECRET)
    return root


@pytest.fixture
def static_and_uploads(tmp_path, settings):
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "x.css").write_text("body { color: black }")
    (static / "css" / "site.0123456789ab.css").write_text("p { margin: 0 }")
    uploads = tmp_path / "uploads"
    (uploads / "photos" / "2024" / "12").mkdir(parents=True)
    (uploads / "imports" / "2024" / "12").mkdir(parents=True)
    (uploads / "a.jpg").write_bytes(b"\xff\xd8\xff jpeg")
    (uploads / "photos" / "2024" / "12" / "b.webp").write_bytes(b"RIFF webp")
    (uploads / "imports" / "2024" / "12" / "pages.zip").write_bytes(SECRET)
    (uploads / "imports" / "2024" / "12" / "pages.jpg").write_bytes(SECRET)
    (uploads / "evil.html").write_bytes(b"<script>alert(1)</script>")
    settings.STATIC_ROOT = static
    settings.MEDIA_ROOT = uploads
    return static, uploads


@pytest.fixture
def nginx(tmp_path, publish_root, upstream, static_and_uploads):
    with running_nginx(
        tmp_path, publish_root / "current", upstream.port, microcache_seconds=MICROCACHE
    ) as (base_url, _port):
        yield base_url


def get(base_url, path, **kwargs):
    return request(base_url, path, **kwargs)


def test_a_baked_page_is_the_file_with_django_s_security_headers(
    nginx, publish_root, upstream
):
    status, headers, body = get(nginx, "/articles/5/")

    assert status == 200
    assert body == (publish_root / "current/articles/5/index.html").read_bytes()
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    expected = security_headers()
    assert expected["Content-Security-Policy"].startswith("default-src 'self'")
    for name, value in expected.items():
        assert headers.get_all(name) == [value], name
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in headers  # DJANGO_SECURE=0 in tests
    assert headers["Cache-Control"] == "public, max-age=60"
    assert headers["ETag"] and headers["Last-Modified"]
    assert get(nginx, "/")[2] == (publish_root / "current/index.html").read_bytes()
    assert upstream.requests == []


def test_each_baked_file_has_the_content_type_of_files_py(nginx, upstream):
    for name in RELEASE:
        if name.startswith(".") or name == files.MAINTENANCE:
            continue
        status, headers, _ = get(nginx, files.path_for(name))
        assert status == 200, name
        assert headers["Content-Type"] == files.content_type_for(name), name
    assert files.content_type_for("column/wxyw/rss.xml") == (
        "application/rss+xml; charset=utf-8"
    )
    assert files.content_type_for("sitemap.xml") == "application/xml; charset=utf-8"
    assert upstream.requests == []


def test_hsts_on_baked_pages_when_the_settings_send_it(
    tmp_path, publish_root, upstream, settings
):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    with running_nginx(tmp_path, publish_root / "current", upstream.port) as (url, _):
        _, headers, _ = get(url, "/articles/5/")
    assert headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )


def test_an_unknown_query_string_gets_the_baked_file(nginx, publish_root, upstream):
    status, _, body = get(nginx, "/articles/5/?utm=1")
    assert status == 200
    assert body == (publish_root / "current/articles/5/index.html").read_bytes()
    assert get(nginx, "/column/wxyw/?Q=x")[2].startswith("<p>巫溪要闻".encode())
    assert upstream.requests == []


def test_a_known_parameter_goes_to_django(nginx, upstream):
    for name in files.KNOWN_PARAMETERS:
        path = f"/column/wxyw/?utm=1&{name}=7"
        status, headers, body = get(nginx, path)
        assert status == 200, name
        assert body == f"django:{path}:v1".encode()
        assert headers["X-Upstream"] == "django"
        assert upstream.hits(path) == 1, name
    assert get(nginx, "/column/wxyw/?q=x")[2] == b"django:/column/wxyw/?q=x:v1"
    assert get(nginx, "/column/wxyw/?page=2")[2] == b"django:/column/wxyw/?page=2:v1"


def test_what_has_no_file_goes_to_django_with_its_own_headers(nginx, upstream):
    status, headers, body = get(
        nginx, "/articles/6/", headers={"X-Forwarded-Proto": "https"}
    )
    assert status == 200
    assert body == b"django:/articles/6/:v1"
    # Django's headers as they are: nothing added, nothing doubled.
    assert headers.get_all("X-Frame-Options") == ["SAMEORIGIN"]
    assert "Content-Security-Policy" not in headers
    assert headers.get_all("Cache-Control") == ["public, max-age=0, must-revalidate"]
    _, _, sent = upstream.requests[-1]
    assert sent["Host"] == nginx.removeprefix("http://")  # with its port: CSRF's Origin
    assert sent["X-Forwarded-For"] == "127.0.0.1"
    assert sent["X-Forwarded-Proto"] == "https"

    # No slash, no extension: never a file (Django redirects to the slash).
    assert get(nginx, "/articles/5")[2] == b"django:/articles/5:v1"
    # A hidden file in the release is not served.
    assert get(nginx, "/.hidden")[2] == b"django:/.hidden:v1"
    assert get(nginx, "/column/.hidden")[2] == b"django:/column/.hidden:v1"
    # Not GET or HEAD: Django's, even where there is a file.
    assert get(nginx, "/articles/5/", method="POST", body=b"x=1")[2] == (
        b"django:/articles/5/:v1"
    )
    assert get(nginx, "/column/wxyw/rss.xml", method="POST", body=b"")[2] == (
        b"django:/column/wxyw/rss.xml:v1"
    )


def test_admin_prefs_and_search_always_reach_django(nginx, upstream):
    for path in ("/admin/", "/prefs/?font=large", "/search/?q=%E5%B7%AB%E6%BA%AA"):
        for _ in range(2):
            status, headers, _ = get(nginx, path)
            assert status == 200
            assert "X-Cache" not in headers
        assert upstream.hits(path) == 2, path
    get(nginx, "/admin/login/", method="POST", body=b"username=a")
    get(nginx, "/admin/login/", method="POST", body=b"username=a")
    assert upstream.hits("/admin/login/") == 2


def test_the_microcache_ignores_unknown_parameters(nginx, upstream):
    first = get(nginx, "/fallback/?utm=1")
    second = get(nginx, "/fallback/?utm=2")

    assert upstream.hits("/fallback/?utm=1") + upstream.hits("/fallback/?utm=2") == 1
    assert first[2] == second[2] == b"django:/fallback/?utm=1:v1"
    assert second[1]["X-Cache"] == "HIT"


def test_the_microcache_keys_on_the_known_parameters(nginx, upstream):
    get(nginx, "/fallback/?page=2")
    get(nginx, "/fallback/?page=3")
    assert get(nginx, "/fallback/?page=2&utm=1")[2] == b"django:/fallback/?page=2:v1"
    assert upstream.hits("/fallback/?page=2") == 1
    assert upstream.hits("/fallback/?page=3") == 1
    assert len(upstream.requests) == 2


def test_the_microcache_keys_on_the_path_django_reads(nginx, upstream):
    # nginx resolves `/x..%2f..%2farticles/6/` to `/articles/6/`; Django does not (a
    # 404): its answer must not be kept for the real page.
    assert get(nginx, "/x..%2f..%2farticles/6/")[2] == (
        b"django:/x..%2f..%2farticles/6/:v1"
    )
    assert get(nginx, "/articles/6/")[2] == b"django:/articles/6/:v1"
    assert len(upstream.requests) == 2


def test_ambiguous_known_parameters_are_never_cached(nginx, upstream):
    # Django reads the last `q` and is case-sensitive; nginx's $arg_q is neither.
    for path in (
        "/fallback/?q=a&q=b",
        "/fallback/?Q=a",
        "/fallback/?q=a&utm=1&q=b",
        "/fallback/?month=a&mont%68=b",  # Django decodes the name, nginx does not
    ):
        get(nginx, path)
        get(nginx, path)
        assert upstream.hits(path) == 2, path
    get(nginx, "/fallback/?q=a")
    get(nginx, "/fallback/?q=a")
    assert upstream.hits("/fallback/?q=a") == 1


def test_staff_with_a_session_cookie_bypass_the_microcache(nginx, upstream):
    staff = {"Cookie": "sessionid=abc; csrftoken=x"}
    assert get(nginx, "/preview/")[2] == b"django:/preview/:v1"
    upstream.version = "v2"

    assert get(nginx, "/preview/", headers=staff)[2] == b"django:/preview/:v2"
    assert get(nginx, "/preview/", headers=staff)[2] == b"django:/preview/:v2"
    # ... and what staff saw was not stored for the public.
    assert get(nginx, "/preview/")[2] == b"django:/preview/:v1"
    assert upstream.hits("/preview/") == 3


def test_posts_cookies_and_private_pages_are_never_cached(nginx, upstream):
    for path, method in (
        ("/fallback/form/", "POST"),
        ("/set-cookie/", "GET"),
        ("/private/", "GET"),
    ):
        for _ in range(2):
            assert get(nginx, path, method=method, body=b"")[0] == 200
        assert upstream.hits(path) == 2, path


def test_a_refresh_from_this_node_replaces_the_cached_page(nginx, upstream):
    refresh = {"X-Publish-Refresh": "1"}
    assert get(nginx, "/fallback/")[2] == b"django:/fallback/:v1"
    upstream.version = "v2"
    assert get(nginx, "/fallback/")[2] == b"django:/fallback/:v1"  # cached

    assert get(nginx, "/fallback/", headers=refresh)[2] == b"django:/fallback/:v2"
    assert get(nginx, "/fallback/")[2] == b"django:/fallback/:v2"  # the fresh copy
    assert upstream.hits("/fallback/") == 2
    assert all("X-Publish-Refresh" not in sent for _, _, sent in upstream.requests)

    # From another address (127.0.0.2 is not the publish worker) it is ignored.
    upstream.version = "v3"
    _, headers, body = get(nginx, "/fallback/", headers=refresh, source="127.0.0.2")
    assert body == b"django:/fallback/:v2"
    assert headers["X-Cache"] == "HIT"
    assert upstream.hits("/fallback/") == 2


def test_django_down_gives_the_maintenance_page_and_files_still_work(
    nginx, publish_root, upstream
):
    upstream.stop()
    maintenance = (publish_root / "current" / files.MAINTENANCE).read_bytes()

    for path, method in (
        ("/articles/6/", "GET"),
        ("/column/wxyw/?q=x", "GET"),
        ("/admin/", "GET"),
        ("/admin/login/", "POST"),
        ("/search/?q=x", "GET"),
    ):
        status, headers, body = get(nginx, path, method=method, body=b"")
        assert status == 503, path
        assert body == maintenance, path
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert headers["Cache-Control"] == "no-store"
        assert headers["X-Frame-Options"] == "DENY"

    status, _, body = get(nginx, "/articles/5/")
    assert status == 200
    assert body == (publish_root / "current/articles/5/index.html").read_bytes()
    assert get(nginx, "/column/wxyw/rss.xml")[0] == 200


def test_a_missing_maintenance_page_does_not_loop(nginx, publish_root, upstream):
    upstream.stop()
    swap_current(publish_root, "c")  # a release without maintenance.html

    status, headers, body = get(nginx, "/articles/6/")

    assert status == 503
    assert body.decode() == NO_MAINTENANCE_TEXT + "\n"
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)


def test_swapping_current_changes_the_pages_without_a_reload(
    nginx, publish_root, upstream
):
    assert get(nginx, "/articles/5/")[2] == "<p>稿件 5 release-a</p>".encode()
    swap_current(publish_root, "b")
    assert get(nginx, "/articles/5/")[2] == "<p>稿件 5 release-b</p>".encode()
    assert get(nginx, "/column/wxyw/rss.xml")[2] == b"<rss>release-b</rss>"
    swap_current(publish_root, "a")  # a rollback is the same swap
    assert get(nginx, "/articles/5/")[2] == "<p>稿件 5 release-a</p>".encode()
    assert upstream.requests == []


def test_static_files_and_uploaded_photos(nginx, upstream):
    status, headers, body = get(nginx, "/static/x.css")
    assert (status, body) == (200, b"body { color: black }")
    assert headers["Content-Type"] == "text/css; charset=utf-8"
    assert headers["Cache-Control"] == "public, max-age=3600"
    assert headers["X-Content-Type-Options"] == "nosniff"
    _, headers, _ = get(nginx, "/static/css/site.0123456789ab.css")
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    status, _, body = get(nginx, "/static/css/")
    assert status in (403, 404) and b"site.0123456789ab" not in body  # no listing

    status, headers, body = get(nginx, "/uploads/a.jpg")
    assert (status, body) == (200, b"\xff\xd8\xff jpeg")
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"].startswith("sandbox")
    status, headers, _ = get(nginx, "/uploads/photos/2024/12/b.webp")
    assert (status, headers["Content-Type"]) == (200, "image/webp")
    # Only photos: not a page that could run a script, not the editors' imports.
    for path in (
        "/uploads/evil.html",
        "/uploads/imports/2024/12/pages.zip",
        "/uploads/imports/2024/12/pages.jpg",
        "/uploads/photos/2024/",
        "/uploads/",
    ):
        status, _, body = get(nginx, path)
        assert status == 404, path
        assert SECRET not in body and b"<script>" not in body
    assert upstream.requests == []


# What nginx refuses itself: the release's Chinese page, with the status.

RAW_UTF8 = "GET /巫溪 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
LONG_URL = (
    b"GET /column/wxyw/?q=" + b"%E5%B7%AB" * 1000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
)
BIG_COOKIE = b"GET / HTTP/1.1\r\nHost: x\r\nCookie: a=" + b"x" * 9000 + b"\r\n\r\n"


def released(publish_root, file: str) -> bytes:
    return (publish_root / "current" / file).read_bytes()


@pytest.mark.parametrize(
    ("data", "status", "file"),
    [
        (RAW_UTF8, 400, "400.html"),
        ("GET /column/wxyw/?q=巫溪 HTTP/1.1\r\nHost: x\r\n\r\n".encode(), 400, "400.html"),
        (b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400, "400.html"),
        (b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, "400.html"),
        (LONG_URL, 414, "414.html"),
        (BIG_COOKIE, 431, "431.html"),
        (b"POST /column/wxyw/ HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n",
         413, "413.html"),
        (b"POST /admin/digests/import/ HTTP/1.1\r\nHost: x\r\nContent-Length: "
         + str(upload_limit_bytes() + 1024**2).encode() + b"\r\n\r\n", 413, "413.html"),
    ],
    ids=["raw-utf8-path", "raw-utf8-query", "space", "bad-host", "url-over-8k",
         "header-over-8k", "body-over-1m", "upload-over-the-limit"],
)  # fmt: skip
def test_what_nginx_refuses_gets_the_release_s_chinese_page(
    nginx, publish_root, upstream, data, status, file
):
    answer, headers, body = raw_request(nginx, data)

    assert answer == status
    assert body == released(publish_root, file)
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"
    assert upstream.requests == []  # never passed on to Django


def test_a_raw_utf8_query_for_a_baked_page_still_gets_the_page(nginx, publish_root):
    # Only Django (gunicorn) cannot take it; a file can be served all the same.
    data = "GET /articles/5/?from=微信 HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    status, _, body = raw_request(nginx, data)
    assert (status, body) == (200, released(publish_root, "articles/5/index.html"))


def test_a_missing_static_file_or_photo_gets_the_release_s_404_page(
    nginx, publish_root, upstream
):
    for path in ("/static/missing.css", "/static/css/", "/uploads/nothing.jpg"):
        status, _, body = get(nginx, path)
        assert (status, body) == (404, released(publish_root, "404.html")), path
    assert upstream.requests == []


def test_a_page_of_what_nginx_refuses_is_itself_when_asked_for(nginx, publish_root):
    for file in files.REFUSED.values():
        status, _, body = get(nginx, f"/{file}")
        assert (status, body) == (200, released(publish_root, file)), file


def test_a_release_without_those_pages_still_answers_in_chinese(
    nginx, publish_root, upstream
):
    swap_current(publish_root, "c")  # baked before there were such pages
    for data, status in ((RAW_UTF8, 400), (LONG_URL, 414), (BIG_COOKIE, 431)):
        answer, headers, body = raw_request(nginx, data)
        assert answer == status
        assert body.decode() == REFUSED_TEXT[status] + "\n"
        assert headers["Content-Type"] == "text/plain; charset=utf-8"
    status, _, body = get(nginx, "/static/missing.css")
    assert (status, body.decode()) == (404, REFUSED_TEXT[404] + "\n")


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2E%2E/secret.txt",
        "/articles/../../secret.txt",
        "/articles/5/..%2f..%2f..%2fsecret.txt",
        "/..%2fsecret.txt",
        "/static/../../secret.txt",
        "/static..%2f..%2fsecret.txt",
        "/static/..%2f..%2fsecret.txt",
        "/uploads/..%2f..%2fsecret.txt",
        "/uploads/../site/secret.txt",
        "/current/../secret.txt",
    ],
)
def test_no_request_escapes_the_roots(nginx, path):
    status, _, body = get(nginx, path)
    assert SECRET not in body
    assert status != 200 or body.startswith(b"django:")


def test_the_command_prints_a_configuration_nginx_accepts(tmp_path, settings):
    binary = nginx_binary()
    prefix = tmp_path / "prefix"
    prefix.mkdir()
    settings.PUBLISH_ROOT = tmp_path / "site"
    out = io.StringIO()
    call_command(
        "nginx_conf",
        "--listen",
        "127.0.0.1:8080",
        "--upstream",
        "127.0.0.1:8001",
        "--prefix",
        str(prefix),
        stdout=out,
    )
    config = out.getvalue()
    assert f'root "{tmp_path / "site" / "current"}";' in config  # the default root
    config_file = prefix / "nginx.conf"
    config_file.write_text(config)

    result = subprocess.run(
        [binary, "-t", "-p", f"{prefix}/", "-c", str(config_file)],
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 0, result.stderr
    assert "[warn]" not in result.stderr and "[emerg]" not in result.stderr


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--listen", "nope"),
        ("--listen", "127.0.0.1:99999"),
        ("--listen", "127.0.0.1:80; evil"),
        ("--upstream", "8001"),
        ("--upstream", "127.0.0.1:"),
        ("--upstream", "http://127.0.0.1:8001"),
    ],
)
def test_the_command_refuses_bad_addresses(option, value):
    arguments = {"--listen": "80", "--upstream": "127.0.0.1:8001", option: value}
    with pytest.raises(CommandError, match=option):
        call_command(
            "nginx_conf", *[part for pair in arguments.items() for part in pair]
        )


def test_relative_paths_without_a_prefix(tmp_path):
    config = nginx_config(
        listen="80", upstream="127.0.0.1:8001", root=tmp_path / "current"
    )
    assert 'pid "nginx.pid";' in config
    assert 'proxy_cache_path "microcache"' in config
    with pytest.raises(ValueError, match="root"):
        nginx_config(listen="80", upstream="127.0.0.1:8001", root=Path("site"))


# The production example: how deploy/nginx.conf is made (README.md, Deploying).
PRODUCTION_ENVIRONMENT = {"DJANGO_SECRET_KEY": "unused", "DJANGO_SECURE": "1"}
PRODUCTION_ARGUMENTS = (
    "--listen 80 --upstream 127.0.0.1:8001 --root /srv/wuxi_news/site/current "
    "--prefix /srv/wuxi_news/nginx --static-root /srv/wuxi_news/var/static "
    "--media-root /srv/wuxi_news/uploads --user www-data --pid /run/nginx.pid"
)


def test_deploy_nginx_conf_is_what_the_command_generates(tmp_path):
    """Regenerate with:

    DJANGO_SECRET_KEY=unused DJANGO_SECURE=1 python manage.py nginx_conf <PRODUCTION_ARGUMENTS> > deploy/nginx.conf
    """
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PUBLISH_", "PHOTO_", "SITE_"))
        and key not in ("DATABASE_URL", "CACHE_URL")
    }
    environment |= PRODUCTION_ENVIRONMENT | {
        "DJANGO_SETTINGS_MODULE": "wuxi_news.settings",
        "DJANGO_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "nginx_conf", *shlex.split(PRODUCTION_ARGUMENTS)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr

    generated = result.stdout
    assert "Strict-Transport-Security" in generated  # production settings
    assert (ROOT / "deploy" / "nginx.conf").read_text() == generated, (
        "deploy/nginx.conf is out of date: regenerate it with "
        "DJANGO_SECRET_KEY=unused DJANGO_SECURE=1 python manage.py nginx_conf "
        f"{PRODUCTION_ARGUMENTS} > deploy/nginx.conf"
    )


# gunicorn as deployed (deploy/systemd), behind nginx.

GUNICORN_UNIT = ROOT / "deploy" / "systemd" / "wuxi-news-gunicorn.service"
WSGI_APP = """
def application(environ, start_response):
    body = ("app:" + environ["RAW_URI"]).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
"""


def deployed_gunicorn_limits() -> list[str]:
    """The `--limit-request-*` options of the unit's ExecStart."""
    text = GUNICORN_UNIT.read_text().replace("\\\n", " ")
    start = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    words = shlex.split(start)
    limits = []
    for n, word in enumerate(words):
        if word.startswith("--limit-request"):
            limits += [word] if "=" in word else [word, words[n + 1]]
    return limits


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn with the deployed unit's request limits, serving a WSGI app that
    answers `app:<the request's URI>`; yields its port."""
    binary = Path(sys.executable).parent / "gunicorn"
    if not binary.exists():
        pytest.skip("gunicorn is not installed in this virtualenv (make install)")
    (tmp_path / "tinyapp.py").write_text(WSGI_APP)
    port = free_port()
    process = subprocess.Popen(
        [str(binary), "--chdir", str(tmp_path), "tinyapp", "--workers", "1"]
        + ["--bind", f"127.0.0.1:{port}", *deployed_gunicorn_limits()],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_deployed_gunicorn_takes_every_url_nginx_passes_on(
    tmp_path, publish_root, gunicorn, static_and_uploads
):
    search = "/search/?q=" + "%E5%B7%AB" * 800  # 7 KB: over gunicorn's default 4094
    with running_nginx(tmp_path, publish_root / "current", gunicorn) as (url, _):
        status, _, body = get(url, search)
        assert (status, body) == (200, f"app:{search}".encode())
        # What gunicorn would refuse in English, nginx refuses in Chinese.
        status, _, body = raw_request(url, RAW_UTF8)
        assert (status, body) == (400, released(publish_root, "400.html"))


MANY_HEADERS = b"".join(b"X-H%d: 1\r\n" % n for n in range(120))


@pytest.mark.parametrize(
    "data",
    [
        b"GET /search/?q=ab HTTP/1.1\r\nHost: x\r\n" + MANY_HEADERS + b"\r\n",
        b"GET /search/?q=ab HTTP/1.1\r\nHost: x\r\nX-Long: "
        + b"a" * 8170
        + b"\r\n\r\n",
        b"GET /search/?q=ab HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: "
        + b"1" * 8165
        + b"\r\n\r\n",
    ],
    ids=["120-headers", "header-line-near-8k", "forwarded-for-near-8k"],
)
def test_deployed_gunicorn_takes_every_request_nginx_passes_on(
    tmp_path, publish_root, gunicorn, static_and_uploads, data
):
    """nginx bounds the request; gunicorn's own limits only answered in English."""
    with running_nginx(tmp_path, publish_root / "current", gunicorn) as (url, _):
        status, _, body = raw_request(url, data)
        assert (status, body) == (200, b"app:/search/?q=ab")


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"AB /search/ HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"ABCDEFGHIJKLMNOPQRSTUVWXYZ / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"TRACE / HTTP/1.1\r\nHost: x\r\n\r\n", 405),
        (b"POST /static/x.css HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405),
        (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        (b"GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=9999999-\r\n\r\n", 416),
        (b'GET / HTTP/1.1\r\nHost: x\r\nIf-Match: "nope"\r\n\r\n', 412),
    ],
    ids=["short-method", "long-method", "trace", "post-a-file", "http-2.0",
         "range", "precondition"],
)  # fmt: skip
def test_other_requests_nginx_cannot_take_get_the_chinese_page_with_their_status(
    tmp_path, publish_root, gunicorn, static_and_uploads, data, status
):
    with running_nginx(tmp_path, publish_root / "current", gunicorn) as (url, _):
        answer, _, body = raw_request(url, data)
    assert answer == status
    assert body == released(publish_root, "400.html")
