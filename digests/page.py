"""A digest's page: its own parts (meta tags, breadcrumb, the digest), rendered from the
digest's document; base.html adds the site around them. Readers get the published
stories only; those who may change digests preview the rest."""

from dataclasses import dataclass, replace

from django.conf import settings
from django.template.loader import render_to_string

from articles.mentions import link_first_mentions
from articles.models import Article
from people.models import Person

from .models import WeeklyDigest
from .services import build_document
from .structure import DigestDocument, Paragraph

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
    _link_officials(document)
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


def _link_officials(document: DigestDocument) -> None:
    """Each story's first mention of the officials its article is about links to their
    page, as on the article's own page (articles/mentions.py). Two queries a week."""
    stories = [story for story in document.stories if story.article is not None]
    ids = {story.article.pk for story in stories}
    if not ids:
        return
    people = {
        person.pk: person
        for person in Person.objects.officials()
        .filter(articles__in=ids)
        .with_namesake_flag()
    }
    about: dict[int, list[Person]] = {}
    pairs = Article.officials.through.objects.filter(article_id__in=ids)
    for article_id, person_id in pairs.values_list("article_id", "person_id"):
        if person_id in people:
            about.setdefault(article_id, []).append(people[person_id])
    for story in stories:
        officials = about.get(story.article.pk)
        if not officials:
            continue
        paragraphs = [b for b in story.blocks if isinstance(b, Paragraph) and b.html]
        linked = iter(link_first_mentions([b.html for b in paragraphs], officials))
        changed = {id(b): replace(b, html=next(linked)) for b in paragraphs}
        story.blocks = [changed.get(id(b), b) for b in story.blocks]
