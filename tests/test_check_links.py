"""`check_links`: every link on the public pages, internal and (when asked) external.

External links are checked against a throwaway HTTP server on 127.0.0.1 only.
"""

import datetime
import http.server
import threading
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article
from tests.factories import add_item, make_article, make_column, make_digest
from wuxi_news.links import check_external, links_in
from wuxi_news.models import CheckedLink

pytestmark = pytest.mark.django_db


class Handler(http.server.BaseHTTPRequestHandler):
    seen: list[tuple[str, str]] = []

    def log_message(self, *args):  # keep the test output quiet
        pass

    def _answer(self, with_body):
        Handler.seen.append((self.command, self.path))
        if self.path == "/slow":
            time.sleep(2)
        if self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok")
        elif self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
        elif self.path in ("/ok", "/slow"):
            self.send_response(200)
        elif self.path == "/no-head" and self.command == "HEAD":
            self.send_response(405)
        elif self.path == "/no-head":
            self.send_response(200)
        else:
            self.send_response(404)
        self.send_header("Content-Length", "2")
        self.end_headers()
        if with_body:
            self.wfile.write(b"ok")

    def do_HEAD(self):
        self._answer(with_body=False)

    def do_GET(self):
        self._answer(with_body=True)


@pytest.fixture
def server():
    Handler.seen = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def site(server):
    column = make_column(name="巫溪要闻", slug="wxyw")
    target = make_article(column=column, headline="被链接的稿件")
    body = (
        f'<p><a href="/column/wxyw/">本栏目</a> <a href="{target.get_absolute_url()}">'
        '上一篇</a> <a href="/articles/999999/">已删除的稿</a> '
        '<a href="/uploads/photos/gone.jpg">原图</a> '
        '<a href="mailto:news@example.cn">来信</a> <a href="#top">顶部</a></p>'
        f'<p><a href="{server}/ok">正常外链</a> <a href="{server}/missing">失效外链</a> '
        f'<a href="{server}/moved">搬家的外链</a> <a href="{server}/slow">很慢的外链</a>'
        f' <a href="{server}/no-head">不认 HEAD</a></p>'
    )
    page = make_article(column=column, headline="含链接的稿件", body=body)
    make_article(
        column=column,
        headline="草稿里的链接",
        status=Article.Status.DRAFT,
        published_at=None,
        body=f'<p><a href="{server}/draft-only">不检查</a></p>',
    )
    return {"column": column, "page": page, "target": target, "server": server}


def run(*args) -> str:
    out = StringIO()
    call_command("check_links", *args, stdout=out)
    return out.getvalue()


def result(target: str) -> CheckedLink:
    return CheckedLink.objects.get(target=target)


def test_links_in_reads_anchors_and_images_and_skips_non_links():
    html = (
        '<p><a href="/a/">甲</a><img src="/uploads/x.jpg" alt="图说">'
        '<a href="mailto:x@y.cn">信</a><a href="javascript:void(0)">无</a>'
        '<a href="#x">锚</a></p>'
    )
    assert links_in(html) == [("甲", "/a/"), ("图说", "/uploads/x.jpg")]


def test_internal_links_are_answered_by_the_site_itself(site):
    output = run()
    page = site["page"].get_absolute_url()
    ok = result("/column/wxyw/")
    assert (ok.outcome, ok.status, ok.page_url) == ("ok", "200", page)
    assert result(site["target"].get_absolute_url()).outcome == "ok"
    gone = result("/articles/999999/")
    assert (gone.outcome, gone.status, gone.text) == ("broken", "404", "已删除的稿")
    upload = result("/uploads/photos/gone.jpg")
    assert (upload.outcome, upload.status) == ("broken", "404 文件不存在")
    assert not CheckedLink.objects.filter(target__startswith="mailto:").exists()
    assert "断链 2 个" in output


def test_external_links_wait_for_the_option(site):
    run()
    external = CheckedLink.objects.filter(is_external=True)
    assert external.count() == 5
    assert set(external.values_list("outcome", flat=True)) == {"unchecked"}
    assert Handler.seen == []


def test_external_links_404_redirect_timeout_and_head_refused(site):
    server = site["server"]
    output = run("--external", "--timeout", "0.5", "--workers", "4")
    assert (result(f"{server}/ok").outcome, result(f"{server}/ok").status) == (
        "ok",
        "200",
    )
    missing = result(f"{server}/missing")
    assert (missing.outcome, missing.status, missing.text) == (
        "broken",
        "404",
        "失效外链",
    )
    moved = result(f"{server}/moved")
    assert moved.outcome == "redirect"
    assert moved.status == f"301 跳转到 {server}/ok"
    slow = result(f"{server}/slow")
    assert (slow.outcome, slow.status) == ("broken", "超时")
    no_head = result(f"{server}/no-head")
    assert no_head.outcome == "ok"
    assert ("GET", "/no-head") in Handler.seen
    assert ("HEAD", "/ok") in Handler.seen and ("GET", "/ok") not in Handler.seen
    assert ("HEAD", "/draft-only") not in Handler.seen
    assert "断链 4 个" in output and "跳转 1 个" in output
    assert f"{server}/missing" in output


def test_redirects_are_bounded(server):
    started = time.monotonic()
    outcome = check_external(f"{server}/loop", timeout=1)
    assert (outcome.outcome, outcome.status) == ("broken", "跳转超过 5 次")
    assert time.monotonic() - started < 5


def test_an_unreachable_host_is_broken_not_an_error():
    outcome = check_external("http://127.0.0.1:9/", timeout=0.5)
    assert outcome.outcome == "broken"
    assert outcome.status.startswith("无法连接")


def test_first_seen_is_kept_and_fixed_links_leave_the_report(site):
    run()
    earlier = timezone.now() - datetime.timedelta(days=3)
    CheckedLink.objects.update(first_seen_at=earlier, last_checked_at=earlier)
    run()
    gone = result("/articles/999999/")
    assert gone.first_seen_at == earlier
    assert gone.last_checked_at > earlier
    page = site["page"]
    page.body = '<p><a href="/column/wxyw/">本栏目</a></p>'
    page.save()
    run()
    assert list(CheckedLink.objects.values_list("target", flat=True)) == [
        "/column/wxyw/"
    ]


def test_a_dry_run_reports_and_keeps_the_last_check(site):
    output = run("--dry-run")
    assert "断链 2 个" in output
    assert CheckedLink.objects.count() == 0


def test_digest_pages_are_checked_too(site):
    digest = make_digest(column=site["column"])
    add_item(digest, site["target"])
    run()
    on_digest = CheckedLink.objects.filter(page_url=digest.get_absolute_url())
    assert on_digest.exists()
    assert set(on_digest.values_list("outcome", flat=True)) <= {"ok", "redirect"}
