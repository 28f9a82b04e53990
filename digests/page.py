"""A digest's page: its own parts (meta tags, breadcrumb, the digest), rendered from the
digest's document; base.html adds the site around them. Readers get the published
stories only; those who may change digests preview the rest."""

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string

from .models import WeeklyDigest
from .services import build_document

# What render_page reads from the digest's row and the rows it joins.
RELATED = ("column__parent__parent",)


@dataclass
class Page:
    """The digest's own parts of its page; base.html adds what varies per request."""

    title: str
    image_url: str
    head: str  # HTML: the column's and the digest's meta tags, description, Open Graph
    body: str  # HTML: breadcrumb, preview note (staff), the digest


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
