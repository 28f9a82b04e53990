"""The sitemap: an index (`/sitemap.xml`) of sections of at most 50,000 URLs each
(the sitemaps.org limit), each section page a file of its own (`/sitemap-articles-2.xml`),
so the site can be baked and a new article rewrites only the last page of its section.

The XML is written here rather than through Django's sitemap templates: a section of
50,000 URLs took seconds to render through `{% spaceless %}` and the template loop.
"""

from xml.sax.saxutils import escape

from django.contrib.sitemaps import Sitemap
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from articles.models import Article
from digests.models import WeeklyDigest
from people.models import Person

from .columns import public_columns

CONTENT_TYPE = "application/xml; charset=utf-8"


class ColumnSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return public_columns().order_by("rank", "pk").only("slug")


class ArticleSitemap(Sitemap):
    changefreq = "weekly"

    # By id, so that new articles go on the last page and older pages stay as baked.
    def items(self):
        return Article.objects.published().order_by("pk").only("pk", "updated_at")

    def lastmod(self, article):
        return article.updated_at


class DigestSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return WeeklyDigest.objects.published().order_by("pk").only("pk", "updated_at")

    def lastmod(self, digest):
        return digest.updated_at


class PersonSitemap(Sitemap):
    """Every registered official has a page (see wuxi_news.views.PersonDetailView)."""

    changefreq = "monthly"

    def items(self):
        return Person.objects.officials().order_by("pk").only("pk")


SECTIONS = {
    "columns": ColumnSitemap,
    "articles": ArticleSitemap,
    "digests": DigestSitemap,
    "people": PersonSitemap,
}


def section_paths(name: str | None = None, *, from_pk: int | None = None) -> list[str]:
    """The paths of the section pages, in the index's order: every section's, or
    `name`'s; with `from_pk`, only the pages from the one holding that item on (the
    ones an item's change can touch, as sections are ordered by id)."""
    paths = []
    for section, sitemap_class in SECTIONS.items():
        if name is not None and section != name:
            continue
        sitemap = sitemap_class()
        first = 1
        if from_pk is not None:
            before = sitemap.items().filter(pk__lt=from_pk).count()
            first = before // sitemap.limit + 1
        paths.extend(
            reverse("sitemap_section", kwargs={"section": section, "page": page})
            for page in range(first, sitemap.paginator.num_pages + 1)
        )
    return paths


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path)


@require_safe
def sitemap_index(request):
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    lines.append('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
    for path in section_paths():
        lines.append(
            f"<sitemap><loc>{escape(_absolute(request, path))}</loc></sitemap>"
        )
    lines.append("</sitemapindex>")
    return _xml(lines)


@require_safe
def sitemap_section(request, section: str, page: int):
    if section not in SECTIONS:
        raise Http404("没有这个网站地图分节。")
    sitemap = SECTIONS[section]()
    try:
        items = sitemap.paginator.page(page).object_list
    except (EmptyPage, PageNotAnInteger) as error:
        raise Http404("网站地图没有这一页。") from error
    root = _absolute(request, "/").rstrip("/")
    changefreq = f"<changefreq>{sitemap.changefreq}</changefreq>"
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    lines.append('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
    has_lastmod = hasattr(sitemap, "lastmod")
    for item in items:
        entry = f"<url><loc>{escape(root + item.get_absolute_url())}</loc>"
        if has_lastmod:
            entry += f"<lastmod>{sitemap.lastmod(item):%Y-%m-%d}</lastmod>"
        lines.append(entry + changefreq + "</url>")
    lines.append("</urlset>")
    return _xml(lines)


def _xml(lines: list[str]) -> HttpResponse:
    response = HttpResponse("\n".join(lines) + "\n", content_type=CONTENT_TYPE)
    response["X-Robots-Tag"] = "noindex, noodp, noarchive"
    return response
