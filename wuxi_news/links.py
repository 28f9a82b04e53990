"""Broken-link check (错链断链) of the public pages: article bodies and digest pages.

Every link and image on a published article or digest page is checked and recorded
(`CheckedLink`): page, link text, target, outcome, status, first seen, last checked.

- Internal links (a path, or a URL on one of the site's own hosts) are answered by
  the site itself, through its URL resolver and middleware, with no network: uploads
  and static files are looked up in their storage.
- External links are checked only when asked (`external=True`): HEAD first, GET when
  a server refuses HEAD, at most `MAX_REDIRECTS` redirects followed by hand (so a
  redirect is reported), a timeout per request and a bounded pool of workers.
"""

import datetime
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import Client
from django.utils import timezone

from articles.models import Article
from digests.models import WeeklyDigest
from digests.page import RELATED, render_page

from .models import CheckedLink

MAX_REDIRECTS = 5
USER_AGENT = "WuxiNews-LinkCheck/1.0"
SKIPPED_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "#")


@dataclass(frozen=True)
class FoundLink:
    page_url: str
    page_title: str
    text: str
    target: str


@dataclass(frozen=True)
class Result:
    outcome: str
    status: str


@dataclass
class CheckSummary:
    checked: int = 0
    broken: int = 0
    redirects: int = 0
    unchecked: int = 0


class _LinkParser(HTMLParser):
    """`<a href>` with its text, and `<img src>` with its alt text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self._open: list[str] | None = None
        self._href = ""

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self._href, self._open = attributes["href"].strip(), []
        elif tag == "img" and attributes.get("src"):
            self.links.append(
                (attributes.get("alt") or "图片", attributes["src"].strip())
            )

    def handle_data(self, data):
        if self._open is not None:
            self._open.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._open is not None:
            self.links.append(("".join(self._open).strip(), self._href))
            self._open = None


def links_in(html: str) -> list[tuple[str, str]]:
    parser = _LinkParser()
    parser.feed(html or "")
    parser.close()
    return [
        (text[:300], target)
        for text, target in parser.links
        if target and not target.lower().startswith(SKIPPED_SCHEMES)
    ]


def public_pages() -> Iterator[tuple[str, str, str]]:
    """(URL, title, HTML) of every public article body and digest page."""
    for article in Article.objects.published().with_placements():
        photos = "".join(
            f'<img src="{p.photo.image.url}" alt="{p.photo.caption}">'
            for p in article.placements.all()
            if p.photo.image
        )
        yield article.get_absolute_url(), article.headline, article.body + photos
    for digest in WeeklyDigest.objects.published().select_related(*RELATED):
        yield digest.get_absolute_url(), str(digest), render_page(digest).body


def found_links() -> list[FoundLink]:
    found: dict[tuple[str, str], FoundLink] = {}
    for url, title, html in public_pages():
        for text, target in links_in(html):
            absolute = urljoin(url, target)
            key = (url, absolute)
            if key not in found:
                found[key] = FoundLink(url, title[:200], text, absolute[:1000])
    return list(found.values())


def _own_hosts() -> set[str]:
    hosts = {h for h in settings.ALLOWED_HOSTS if h and not h.startswith((".", "*"))}
    return hosts | {settings.SITE["DOMAIN"]}


def is_internal(target: str) -> bool:
    parts = urlsplit(target)
    return not parts.netloc or parts.hostname in _own_hosts()


class InternalChecker:
    """Asks the site itself, as an anonymous reader, without the network."""

    def __init__(self):
        hosts = sorted(h for h in settings.ALLOWED_HOSTS if h and h != "*")
        self.host = hosts[0].lstrip(".") if hosts else "localhost"
        self.client = Client(HTTP_HOST=self.host, raise_request_exception=False)
        self.secure = settings.SECURE_SSL_REDIRECT

    def __call__(self, target: str) -> Result:
        path = urlsplit(target).path or "/"
        for prefix, exists in (
            (settings.MEDIA_URL, default_storage.exists),
            (settings.STATIC_URL, finders.find),
        ):
            if prefix and path.startswith(prefix):
                found = exists(path.removeprefix(prefix))
                return (
                    Result(CheckedLink.Outcome.OK, "200")
                    if found
                    else Result(CheckedLink.Outcome.BROKEN, "404 文件不存在")
                )
        query = urlsplit(target).query
        response = self.client.get(
            path + (f"?{query}" if query else ""), secure=self.secure
        )
        return _classify(response.status_code, response.get("Location", ""))


def _classify(code: int, location: str = "") -> Result:
    if 300 <= code < 400:
        return Result(CheckedLink.Outcome.REDIRECT, f"{code} 跳转到 {location}")
    if code >= 400:
        return Result(CheckedLink.Outcome.BROKEN, str(code))
    return Result(CheckedLink.Outcome.OK, str(code))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # followed by hand, so each hop is seen and counted


_opener = urllib.request.build_opener(_NoRedirect)


def _request(method: str, url: str, timeout: float) -> tuple[int, str]:
    request = urllib.request.Request(
        url, method=method, headers={"User-Agent": USER_AGENT}
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            if method == "GET":
                response.read(1024)  # a bounded read: the status is what counts
            return response.status, ""
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers.get("Location", "")


def check_external(url: str, *, timeout: float = 10.0) -> Result:
    """HEAD (GET when HEAD is refused), following at most MAX_REDIRECTS redirects."""
    first_code, current = None, url
    try:
        for _ in range(MAX_REDIRECTS + 1):
            code, location = _request("HEAD", current, timeout)
            if code in (403, 405, 501) or code >= 500:
                code, location = _request("GET", current, timeout)
            first_code = first_code or code
            if not (300 <= code < 400 and location):
                break
            current = urljoin(current, location)
        else:
            return Result(CheckedLink.Outcome.BROKEN, f"跳转超过 {MAX_REDIRECTS} 次")
    except TimeoutError:
        return Result(CheckedLink.Outcome.BROKEN, "超时")
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            return Result(CheckedLink.Outcome.BROKEN, "超时")
        return Result(CheckedLink.Outcome.BROKEN, f"无法连接:{error.reason}")
    except (OSError, ValueError) as error:
        return Result(CheckedLink.Outcome.BROKEN, f"无法连接:{error}")
    if current != url:
        if code >= 400:
            return Result(
                CheckedLink.Outcome.BROKEN, f"{first_code} 跳转到 {current}:{code}"
            )
        return Result(CheckedLink.Outcome.REDIRECT, f"{first_code} 跳转到 {current}")
    return _classify(code)


def check_links(
    *,
    external: bool = False,
    timeout: float = 10.0,
    workers: int = 8,
    dry_run: bool = False,
    now: datetime.datetime | None = None,
) -> CheckSummary:
    """Check every link on the public pages and record what was found (not when
    `dry_run`: the report keeps the last real check)."""
    now = now or timezone.now()
    links = found_links()
    internal = InternalChecker()
    results: dict[str, Result] = {}
    outside = sorted({link.target for link in links if not is_internal(link.target)})
    for link in links:
        if link.target not in results and is_internal(link.target):
            results[link.target] = internal(link.target)
    if external and outside:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            checked = pool.map(
                lambda url: check_external(url, timeout=timeout), outside
            )
            results.update(zip(outside, checked, strict=True))
    return _record(links, results, now, dry_run=dry_run)


@transaction.atomic
def _record(
    links: list[FoundLink], results: dict[str, Result], now, *, dry_run: bool
) -> CheckSummary:
    summary = CheckSummary()
    existing = {(row.page_url, row.target): row for row in CheckedLink.objects.all()}
    keep = set()
    for link in links:
        row = existing.get((link.page_url, link.target)) or CheckedLink(
            page_url=link.page_url, target=link.target, first_seen_at=now
        )
        row.page_title, row.text = link.page_title, link.text
        row.is_external = not is_internal(link.target)
        result = results.get(link.target)
        if result is not None:
            row.outcome, row.status, row.last_checked_at = (
                result.outcome,
                result.status[:200],
                now,
            )
        elif row.pk is None:
            row.outcome, row.status = CheckedLink.Outcome.UNCHECKED, "外部链接,未检查"
            row.last_checked_at = now
        row.full_clean()
        row.save()
        keep.add(row.pk)
        summary.checked += result is not None
        summary.broken += row.outcome == CheckedLink.Outcome.BROKEN
        summary.redirects += row.outcome == CheckedLink.Outcome.REDIRECT
        summary.unchecked += result is None
    # Links no longer on any public page are no longer a problem.
    CheckedLink.objects.exclude(pk__in=keep).delete()
    if dry_run:
        transaction.set_rollback(True)
    return summary
