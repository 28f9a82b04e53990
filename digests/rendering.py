"""Published rendering: a public digest's page rendered when its content changes, not
on every read.

A digest page is a dozen stories and photos, about 15 ms of queries and template work;
readers ask for it far more often than editors change it. So, as county CMSs publish
static pages, its parts (`Page`) are rendered when something they show changes (the
digest, its items and briefs, an article in it, a photo placed in one, a column of its
breadcrumb) and kept in `DigestRendering`; the page then costs one query. The rendering
is dropped in the editor's transaction and redone right after the commit, in the
editor's request, so readers never see an outdated page.

A stored page is used only while it is current: rendered by the same templates and code
(`fingerprint`), and before `valid_until`, when a scheduled story it leaves out goes
live. Otherwise the request renders the page and stores it for the next readers. Staff
always get a fresh rendering (they may preview stories readers cannot see).
"""

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from articles.models import Article, ArticlePhoto, Column
from media.models import Photo

from .models import Brief, DigestItem, DigestRendering, WeeklyDigest
from .services import build_document

# The templates of the stored parts; editing one changes the fingerprint.
TEMPLATES = (
    "digests/_head.html",
    "digests/_body.html",
    "digests/_story.html",
    "includes/_column_meta.html",
    "includes/_breadcrumb.html",
)
# Bump when Python code that shapes the page changes (photo_figure, build_document …).
CODE_VERSION = 1

# What render_page reads from the digest's row and the rows it joins.
RELATED = ("column__parent__parent",)

# The stored parts of the page (the DigestRendering fields of the same names).
PARTS = ("title", "image_url", "head", "body")


@dataclass
class Page:
    """The digest's own parts of its page; base.html adds what varies per request."""

    title: str
    image_url: str
    head: str  # HTML: the column's and the digest's meta tags, description, Open Graph
    body: str  # HTML: breadcrumb, preview note (staff), the digest


def enabled() -> bool:
    return settings.DIGEST_STORED_RENDERING


_fingerprint: str | None = None


def fingerprint() -> str:
    """What a stored page was rendered with: its templates' sources, CODE_VERSION, the
    site's name (in the page title) and MEDIA_URL (in photo addresses)."""
    global _fingerprint
    if _fingerprint is None or settings.DEBUG:
        digest = hashlib.sha256(
            f"{CODE_VERSION} {settings.SITE['NAME']} {settings.MEDIA_URL}".encode()
        )
        for name in TEMPLATES:
            digest.update(Path(get_template(name).origin.name).read_bytes())
        _fingerprint = digest.hexdigest()
    return _fingerprint


def render_page(digest: WeeklyDigest, *, public: bool = True) -> Page:
    """The digest's page parts as readers see them (`public`) or as staff preview them.

    `digest` should come with `select_related(*RELATED)` (its breadcrumb's columns).
    """
    document = build_document(digest)
    if public:
        document = document.without_unpublished()
    photos = [photo for story in document.stories for photo in story.photos]
    image = photos[0].photo.image if photos and photos[0].photo else None
    context = {
        "digest": digest,
        "document": document,
        "column": digest.column,
        "dated": f"{digest.title}({digest.issued_on:%Y-%m-%d})",
        "lead": document.lead.headline if document.lead else "",
    }
    return Page(
        title=f"{digest.title} - {digest.column.name} - {settings.SITE['NAME']}",
        image_url=image.url if image else "",
        head=render_to_string("digests/_head.html", context),
        body=render_to_string("digests/_body.html", context),
    )


def _next_scheduled(digest: WeeklyDigest):
    """When the first scheduled story of the digest goes live (it is left out until then)."""
    return (
        Article.objects.filter(
            digest_items__digest=digest,
            status=Article.Status.PUBLISHED,
            published_at__gt=timezone.now(),
        )
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )


def published_page(pk: int) -> Page | None:
    """The stored page of digest `pk` if the digest is public and the page current.

    One query, written out: on this page the ORM's query building alone took longer
    than the rest of the request (measured with bench/site_bench.py).
    """
    if not enabled():
        return None
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            _published_page_sql(),
            [pk, WeeklyDigest.Status.PUBLISHED, now, fingerprint(), now],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    page = Page(*row)
    # Safe: rendered by our own escaping templates.
    page.head, page.body = mark_safe(page.head), mark_safe(page.body)
    return page


@functools.cache
def _published_page_sql() -> str:
    quote = connection.ops.quote_name
    rendering, digest = (
        quote(model._meta.db_table) for model in (DigestRendering, WeeklyDigest)
    )
    parts = ", ".join(f"r.{quote(part)}" for part in PARTS)
    return (
        f"SELECT {parts} FROM {rendering} r JOIN {digest} d ON d.id = r.digest_id"
        " WHERE d.id = %s AND d.status = %s AND d.published_at <= %s"
        " AND r.fingerprint = %s AND (r.valid_until IS NULL OR r.valid_until > %s)"
    )


def stored_rendering(digest: WeeklyDigest) -> DigestRendering | None:
    try:
        return digest.rendering
    except DigestRendering.DoesNotExist:
        return None


def _values(digest: WeeklyDigest, page: Page) -> dict:
    return {part: getattr(page, part) for part in PARTS} | {
        "fingerprint": fingerprint(),
        "valid_until": _next_scheduled(digest),
        "rendered_at": timezone.now(),
    }


def store(digest: WeeklyDigest, page: Page, *, replacing=None) -> None:
    """Keep the public `page` a reader's request rendered, for the next readers.

    `replacing` is the stored rendering found outdated (None if there was none): if
    another request stored a newer one meanwhile, this one is dropped, not written over.
    """
    if not enabled():
        return
    values = _values(digest, page)
    if replacing is None:
        try:
            with transaction.atomic():
                DigestRendering.objects.create(digest=digest, **values)
        except IntegrityError:
            pass  # stored meanwhile by an editor's commit or another reader
    else:
        DigestRendering.objects.filter(
            digest=digest, rendered_at=replacing.rendered_at
        ).update(**values)


def refresh(digest_ids) -> None:
    """Render the public page of each published digest among `digest_ids` afresh; drop
    the stored page of the others (unpublished, scheduled, deleted)."""
    digest_ids = set(digest_ids)
    digests = WeeklyDigest.objects.filter(pk__in=digest_ids).select_related(*RELATED)
    live = list(digests.published())
    DigestRendering.objects.filter(digest_id__in=digest_ids).exclude(
        digest__in=live
    ).delete()
    if not enabled():
        return
    for digest in live:
        DigestRendering.objects.update_or_create(
            digest=digest, defaults=_values(digest, render_page(digest))
        )


# --- What changed, and which digests show it --------------------------------------


def content_changed(sender, instance, **kwargs) -> None:
    """A save or delete of something stored pages show: drop those pages at once, in the
    editor's transaction, so that from the commit on no reader gets them (readers render
    the page meanwhile); render them anew right after the commit.

    Changes gather on the connection; the first of the callbacks to run after the
    commit renders them all, the others find nothing left. (What a rolled-back
    transaction noted is rendered again with the next change: harmless.)
    """
    if sender in (Column, Article, Photo) and kwargs.get("created"):
        # Nothing shows it yet: a new column has no digests, a new article is in no
        # digest and a new photo is placed nowhere (their items and placements are
        # saved after them, and those saves count).
        return
    kind, pk, showing = _pages_showing(sender, instance)
    DigestRendering.objects.filter(showing).delete()
    changes = transaction.get_connection().__dict__.setdefault(
        "digest_changes", {"digests": set(), "articles": set(), "photos": set()}
    )
    if kind in changes:
        changes[kind].add(pk)
    # Runs at once outside a transaction. robust: a failure is logged, not raised into
    # the editor's finished save; the pages concerned then render on request.
    transaction.on_commit(_flush, robust=True)


def _pages_showing(sender, instance) -> tuple[str, int, Q]:
    """What changed, as (kind, id), and which stored pages show it."""
    if sender is WeeklyDigest:
        return "digests", instance.pk, Q(digest_id=instance.pk)
    if sender in (DigestItem, Brief):
        return "digests", instance.digest_id, Q(digest_id=instance.digest_id)
    if sender is Article:
        return "articles", instance.pk, Q(digest__items__article_id=instance.pk)
    if sender is ArticlePhoto:
        article = instance.article_id
        return "articles", article, Q(digest__items__article_id=article)
    if sender is Photo:
        return (
            "photos",
            instance.pk,
            Q(digest__items__article__placements__photo=instance.pk),
        )
    # A column's name is in the breadcrumb of every digest under it. Columns change
    # rarely and digests are many: their stored pages go, readers render them anew.
    return "columns", instance.pk, Q()


def _flush() -> None:
    changes = transaction.get_connection().__dict__.pop("digest_changes", None)
    if not changes:
        return
    articles = set(changes["articles"])
    if changes["photos"]:
        articles |= set(
            ArticlePhoto.objects.filter(photo_id__in=changes["photos"]).values_list(
                "article_id", flat=True
            )
        )
    digests = set(changes["digests"])
    if articles:
        digests |= set(
            DigestItem.objects.filter(article_id__in=articles).values_list(
                "digest_id", flat=True
            )
        )
    if not digests:
        return
    try:
        refresh(digests)
    except Exception:
        # Never leave an outdated page behind.
        DigestRendering.objects.filter(digest_id__in=digests).delete()
        raise


# What the stored page shows, and so what its rendering depends on.
DEPENDENCIES = (WeeklyDigest, DigestItem, Brief, Article, ArticlePhoto, Photo, Column)


def connect_signals() -> None:
    for model in DEPENDENCIES:
        uid = f"digest-rendering-{model._meta.label_lower}"
        post_save.connect(content_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"{uid}-del")
