"""Which URLs the published state has, and which of them a change touches.

`all_paths()` is the whole public site. The `*_paths` functions give the pages that
show one item, from the state the database holds when they run: the queue calls them
before a change (the old state, in the editor's transaction) and the worker after it
(the new state), so that a move from one column, date or official to another updates
the pages of both.
"""

import math

from django.urls import reverse

from articles.models import Article, ArticlePhoto, Column
from digests.models import WeeklyDigest
from people.models import Person

from ..columns import public_columns
from ..sitemaps import section_paths
from .files import REFUSED

# Page sizes of the paged lists (the views' paginate_by).
COLUMN_PAGE_SIZE = 20
PERSON_PAGE_SIZE = 20

# Pages that are the same whatever is published, but are part of the site.
FIXED = (
    "/robots.txt",
    "/404.html",
    "/maintenance.html",
    "/sitemap/",
    *(f"/{file}" for file in REFUSED.values()),  # what nginx answers when it refuses
)


def page_count(items: int, size: int) -> int:
    """Pages of a list of `items` (an empty list still has its first page)."""
    return max(1, math.ceil(items / size))


def _listing_paths(column: Column, items: int) -> list[str]:
    """The column's pages and feed, if it is public (see `public_columns`)."""
    if not items and not public_columns().filter(pk=column.pk).exists():
        return []
    pages = [
        column.page_url(n) for n in range(1, page_count(items, COLUMN_PAGE_SIZE) + 1)
    ]
    return [*pages, reverse("feed", kwargs={"slug": column.slug})]


def _items(column: Column) -> int:
    return (
        Article.objects.published().in_column(column).count()
        + WeeklyDigest.objects.published().in_column(column).count()
    )


def column_paths(column: Column) -> list[str]:
    """Every page of the column's listing, and its feed (none while it is empty: see
    `public_columns`); with the site map's, while it holds at most one item (its first
    published or its last unpublished, the column appears or goes)."""
    items = _items(column)
    paths = _listing_paths(column, items)
    if items <= 1:
        paths += [reverse("site_map"), *section_paths("columns")]
        # Its parents, public only with what is under them, may appear or go with it.
        for parent in column.ancestors()[:-1]:
            paths += _listing_paths(parent, _items(parent))
    return paths


def person_paths(person: Person, *, is_official: bool | None = None) -> list[str]:
    """Every page of an official's reports (none for a person with no appointment)."""
    if is_official is None:
        is_official = Person.objects.officials().filter(pk=person.pk).exists()
    if not is_official:
        return []
    items = Article.objects.published().concerning(person).count()
    return [
        person.page_url(n) for n in range(1, page_count(items, PERSON_PAGE_SIZE) + 1)
    ]


def site_paths() -> list[str]:
    """Pages that list the newest of everything: home and the sitemap's index."""
    return ["/", reverse("sitemap")]


def article_paths(article: Article) -> set[str]:
    """The pages that show `article`, as the database holds it now."""
    paths = {article.get_absolute_url(), *site_paths()}
    paths.update(section_paths("articles", from_pk=article.pk))
    if article.column_id:
        paths.update(column_paths(article.column))
    for neighbour in article.neighbours():
        if neighbour is not None:
            paths.add(neighbour.get_absolute_url())
    for person in Person.objects.officials().filter(articles=article):
        paths.update(person_paths(person, is_official=True))
    for digest in WeeklyDigest.objects.filter(items__article=article).distinct():
        paths.update(digest_paths(digest))
    return paths


def digest_paths(digest: WeeklyDigest) -> set[str]:
    """The pages that show `digest`: its own, its column's, home, the sitemap, and the
    officials' pages that list its stories."""
    paths = {digest.get_absolute_url(), *site_paths()}
    paths.update(section_paths("digests", from_pk=digest.pk))
    if digest.column_id:
        paths.update(column_paths(digest.column))
    officials = Person.objects.officials().filter(articles__digest_items__digest=digest)
    for person in officials:
        paths.update(person_paths(person, is_official=True))
    return paths


def person_related_paths(person: Person) -> set[str]:
    """The pages that name `person`: their own, the articles about them (titles, linked
    mentions), the digests carrying those, the column pages whose filter lists them."""
    paths = set(person_paths(person)) | set(site_paths())
    paths.update(section_paths("people", from_pk=person.pk))
    articles = Article.objects.filter(officials=person).select_related("column")
    columns = set()
    for article in articles.only("pk", "column__slug"):
        paths.add(article.get_absolute_url())
        columns.add(article.column)
    for column in columns:
        paths.update(column_paths(column))
    digests = WeeklyDigest.objects.filter(items__article__officials=person).distinct()
    paths.update(digest.get_absolute_url() for digest in digests.only("pk"))
    return paths


def photo_paths(photo_id: int) -> set[str]:
    paths: set[str] = set()
    placements = ArticlePhoto.objects.filter(photo_id=photo_id).select_related(
        "article"
    )
    for placement in placements:
        paths |= article_paths(placement.article)
    return paths


def all_paths() -> list[str]:
    """Every public URL of the published state, each once."""
    paths = [*site_paths(), *section_paths(), *FIXED]
    for column in public_columns().order_by("rank", "pk"):
        paths.extend(column_paths(column))
    paths.extend(
        reverse("articles:detail", kwargs={"pk": pk})
        for pk in Article.objects.published()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    paths.extend(
        reverse("digests:detail", kwargs={"pk": pk})
        for pk in WeeklyDigest.objects.published()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for person in Person.objects.officials().order_by("pk"):
        paths.extend(person_paths(person, is_official=True))
    return list(dict.fromkeys(paths))
