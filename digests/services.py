import datetime
from dataclasses import dataclass, field
from itertools import groupby

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from articles.body import block_text, paragraphs_to_html
from articles.models import Article, ArticlePhoto, Column
from articles.services import ensure_column_path
from media.models import Photo
from people.models import Person

from .models import Brief, DigestItem, WeeklyDigest
from .structure import (
    BriefLine,
    DaySection,
    DigestDocument,
    Paragraph,
    PhotoBlock,
    Story,
)


class DigestImportError(ValidationError):
    """A parsed page the database refuses; the message names the line, for the editor."""


@dataclass
class ImportResult:
    digest: WeeklyDigest
    created: bool
    articles_created: int = 0
    articles_updated: int = 0
    photos_created: int = 0
    officials_linked: list[str] = field(default_factory=list)


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _officials_named_in(text: str, officials: list[Person]) -> list[Person]:
    return [
        person for person in officials if len(person.name) >= 2 and person.name in text
    ]


def _save(instance: models.Model) -> None:
    instance.full_clean()
    instance.save()


def _where(line_no: int | None, what: str) -> str:
    return f"第 {line_no} 行({what})" if line_no else what


def _snippet(text: str) -> str:
    return text if len(text) <= 30 else text[:30] + "…"


def _refusal(instance: models.Model, error: ValidationError) -> str:
    """The model's own messages, each after its field's name."""
    parts = []
    for name, messages in error.message_dict.items():
        label = (
            ""
            if name == NON_FIELD_ERRORS
            else f"{instance._meta.get_field(name).verbose_name}:"
        )
        parts.append(label + "".join(messages))
    return ";".join(parts)


def _save_or_explain(instance: models.Model, where: str) -> None:
    """`_save`, turning a refusal into a `DigestImportError` that says where."""
    try:
        _save(instance)
    except ValidationError as exc:
        raise DigestImportError(f"{where}:{_refusal(instance, exc)}") from exc


def _check_column_names(document: DigestDocument) -> None:
    """Refuse a column name the model refuses before deriving a slug from it."""
    for name in document.breadcrumb:
        column = Column(name=name)
        try:
            column.clean_fields(
                exclude=[f.name for f in Column._meta.fields if f.name != "name"]
            )
        except ValidationError as exc:
            where = _where(document.breadcrumb_line_no, f"栏目“{_snippet(name)}”")
            raise DigestImportError(f"{where}:{_refusal(column, exc)}") from exc


def _check_no_twins(document: DigestDocument) -> None:
    """Two stories with the same headline on the same day would be one article."""
    seen: dict[tuple[datetime.date, str], Story] = {}
    for story in document.stories:
        first = seen.setdefault((story.news_on, story.headline), story)
        if first is not story:
            where = _where(story.line_no, f"稿件《{_snippet(story.headline)}》")
            also = f"第 {first.line_no} 行" if first.line_no else "前面"
            raise DigestImportError(
                f"{where}:与{also}的稿件同一天({story.news_on:%Y-%m-%d})同一标题,"
                "会被当作同一篇稿件。请改正其中一篇的标题或日期。"
            )


def _import_photos(article: Article, story: Story) -> int:
    """Place the story's photos, reusing photos already placed with the same caption."""
    existing = {
        (p.photo.caption, p.photo.credit): p
        for p in article.placements.select_related("photo")
    }
    kept: set[int] = set()
    created = 0
    paragraphs_seen = 0
    order_at: dict[int, int] = {}
    for block in story.blocks:
        if isinstance(block, Paragraph):
            paragraphs_seen += 1
            continue
        order = order_at.get(paragraphs_seen, 0)
        order_at[paragraphs_seen] = order + 1
        placement = existing.get((block.caption, block.credit))
        if placement is None or placement.pk in kept:
            photo = Photo(
                caption=block.caption,
                credit_role=block.credit_role,
                credit_name=block.credit_name,
            )
            where = _where(block.line_no, f"稿件《{_snippet(story.headline)}》中的图片")
            _save_or_explain(photo, where)
            created += 1
            placement = ArticlePhoto(article=article, photo=photo)
        placement.after_paragraph = paragraphs_seen
        placement.order = order
        _save(placement)
        kept.add(placement.pk)
    for placement in existing.values():
        if placement.pk not in kept:
            photo = placement.photo
            placement.delete()
            if not photo.image and not photo.placements.exists():
                photo.delete()
    return created


@transaction.atomic
def import_digest(*, document: DigestDocument, publish: bool = True) -> ImportResult:
    """Create or update the digest a parsed page describes, with its articles and photos.

    Articles are matched by column, news date and headline, the digest by column and date,
    so importing the same page again changes nothing. Raises `DigestImportError`, naming
    the line, when the database refuses something on the page; nothing is then written.
    """
    _check_column_names(document)
    _check_no_twins(document)
    column = ensure_column_path(names=document.breadcrumb)
    first, last = document.week()
    monday = first - datetime.timedelta(days=first.weekday())
    digest = WeeklyDigest.objects.filter(
        column=column, issued_on=document.issued_on
    ).first()
    created = digest is None
    if created:
        digest = WeeklyDigest(column=column, issued_on=document.issued_on)
    digest.title = document.title
    # The Monday-to-Sunday week of the first story, stretched if stories run past it.
    digest.week_starts_on = monday
    digest.week_ends_on = max(last, monday + datetime.timedelta(days=6))
    if publish:
        digest.status = WeeklyDigest.Status.PUBLISHED
        digest.published_at = digest.published_at or _start_of_day(document.issued_on)
    _save_or_explain(digest, _where(document.title_line_no, "标题"))

    result = ImportResult(digest=digest, created=created)
    officials = list(Person.objects.officials())
    linked: set[str] = set()
    articles: list[Article] = []
    for story in document.stories:
        article = Article.objects.filter(
            column=column, news_on=story.news_on, headline=story.headline
        ).first()
        if article is None:
            article = Article(
                column=column, news_on=story.news_on, headline=story.headline
            )
            result.articles_created += 1
        else:
            result.articles_updated += 1
        article.body = paragraphs_to_html([p.text for p in story.paragraphs])
        if publish:
            article.status = Article.Status.PUBLISHED
            article.published_at = article.published_at or _start_of_day(story.news_on)
        _save_or_explain(
            article, _where(story.line_no, f"稿件《{_snippet(story.headline)}》")
        )
        result.photos_created += _import_photos(article, story)
        text = " ".join([story.headline, *(p.text for p in story.paragraphs)])
        named = _officials_named_in(text, officials)
        article.officials.set(named)
        linked.update(person.name for person in named)
        articles.append(article)

    digest.items.all().delete()
    for order, article in enumerate(articles):
        is_lead = document.lead is not None and order == 0
        _save(DigestItem(digest=digest, article=article, order=order, is_lead=is_lead))
    digest.briefs.all().delete()
    for order, brief in enumerate(document.briefs):
        _save_or_explain(
            Brief(
                digest=digest,
                happened_on=brief.happened_on,
                text=brief.text,
                order=order,
            ),
            _where(brief.line_no, f"简讯“{_snippet(brief.text)}”"),
        )
    result.officials_linked = sorted(linked)
    return result


def build_document(digest: WeeklyDigest) -> DigestDocument:
    """The digest as an ordered structure: lead, day sections, briefs.

    A fixed number of queries whatever the size of the week.
    """
    items = list(
        digest.items.select_related("article").prefetch_related(
            models.Prefetch(
                "article__placements",
                queryset=ArticlePhoto.objects.select_related("photo"),
            )
        )
    )
    document = DigestDocument(
        title=digest.title,
        issued_on=digest.issued_on,
        breadcrumb=[column.name for column in digest.column.ancestors()],
        is_draft=not digest.is_published,
        url=digest.get_absolute_url(),
    )
    lead_items = [item for item in items if item.is_lead]
    if lead_items:
        document.lead = _story(lead_items[0].article)
    others = sorted(
        (item for item in items if not item.is_lead),
        key=lambda item: (item.article.news_on, item.order, item.pk),
    )
    for day, day_items in groupby(others, key=lambda item: item.article.news_on):
        document.days.append(
            DaySection(day, [_story(item.article) for item in day_items])
        )
    document.briefs = [BriefLine(b.happened_on, b.text) for b in digest.briefs.all()]
    return document


def _story(article: Article) -> Story:
    blocks: list[Paragraph | PhotoBlock] = []
    for block in article.blocks():
        if block.kind == "photo":
            photo = block.photo
            blocks.append(
                PhotoBlock(
                    caption=photo.caption,
                    credit_role=photo.credit_role,
                    credit_name=photo.credit_name,
                    photo=photo,
                )
            )
        else:
            blocks.append(Paragraph(text=block_text(block.html), html=block.html))
    return Story(
        headline=article.headline,
        news_on=article.news_on,
        blocks=blocks,
        article=article,
    )


# --- Assembly: fill, reorder, check and publish a digest (the editors' admin) ---


@dataclass
class DigestCheck:
    """What stands in the way of publishing: errors refuse, warnings need confirmation."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def week_articles(*, digest: WeeklyDigest):
    """Public articles of the digest's column (or its sub-columns) news-dated in its week."""
    return (
        Article.objects.published()
        .filter(
            models.Q(column=digest.column) | models.Q(column__parent=digest.column),
            news_on__gte=digest.week_starts_on,
            news_on__lte=digest.week_ends_on,
        )
        .order_by("news_on", "published_at", "pk")
    )


@transaction.atomic
def fill_digest(*, digest: WeeklyDigest) -> list[DigestItem]:
    """Append the week's published articles not yet in the digest, in date order."""
    WeeklyDigest.objects.select_for_update().filter(pk=digest.pk).first()
    present = set(digest.items.values_list("article_id", flat=True))
    last = digest.items.aggregate(last=models.Max("order"))["last"]
    order = -1 if last is None else last
    added = []
    for article in week_articles(digest=digest).exclude(pk__in=present):
        order += 1
        item = DigestItem(digest=digest, article=article, order=order)
        _save(item)
        added.append(item)
    return added


@transaction.atomic
def reorder_digest(
    *, digest: WeeklyDigest, item_ids: list[int], lead_id: int | None = None
) -> None:
    """Give the digest's items the order of `item_ids`, and `lead_id` the lead, at once."""
    items = {item.pk: item for item in digest.items.select_for_update()}
    if set(item_ids) != set(items) or len(item_ids) != len(items):
        raise ValueError("item_ids must list every item of the digest exactly once")
    if lead_id is not None and lead_id not in items:
        raise ValueError("the lead must be an item of the digest")
    # Saved one by one (not update()) so that revisions and the page cache see it;
    # the old lead is cleared first, as at most one lead may exist at any moment.
    for item in items.values():
        if item.is_lead and item.pk != lead_id:
            item.is_lead = False
            item.save(update_fields=["is_lead"])
    for order, pk in enumerate(item_ids):
        item = items[pk]
        if (item.order, item.is_lead) != (order, pk == lead_id):
            item.order, item.is_lead = order, pk == lead_id
            item.save(update_fields=["order", "is_lead"])


def check_digest(*, digest: WeeklyDigest) -> DigestCheck:
    """Reasons the digest should not be published as it stands."""
    check = DigestCheck()
    items = list(digest.items.select_related("article"))
    if not items:
        check.errors.append("本期没有收录任何稿件,不能发布。请先用“填入本周稿件”添加。")
    public = set(
        Article.objects.published()
        .filter(pk__in=[item.article_id for item in items])
        .values_list("pk", flat=True)
    )
    seen: set[int] = set()
    for item in items:
        article = item.article
        if article.pk in seen:
            check.errors.append(f"《{article.headline}》在本期中收录了两次。")
        seen.add(article.pk)
        if article.pk not in public:
            check.errors.append(
                f"《{article.headline}》尚未发布(或定时发布时间未到),"
                "不能收录在要发布的每周要闻中。请先发布该稿件或把它移出本期。"
            )
        if not digest.covers(article.news_on):
            check.warnings.append(
                f"《{article.headline}》的新闻日期 {article.news_on:%Y-%m-%d} 不在本期"
                f"({digest.week_starts_on:%Y-%m-%d} 至 {digest.week_ends_on:%Y-%m-%d})内。"
            )
    if sum(item.is_lead for item in items) > 1:
        check.errors.append("每期只能有一篇头条。")
    return check


def can_see_unpublished_digests(user) -> bool:
    """Whether `user` may preview unpublished digests and export them.

    Those who may change or publish digests; for everyone else an unpublished digest
    does not exist (404 on its page, refused export), exactly as for the public.
    """
    return (
        user.is_active
        and user.is_staff
        and (
            user.has_perm("digests.change_weeklydigest")
            or user.has_perm("digests.publish_weeklydigest")
        )
    )


@transaction.atomic
def publish_digest(
    *, digest: WeeklyDigest, user, confirmed: bool = False
) -> DigestCheck:
    """Publish the digest unless `check_digest` finds errors (or unconfirmed warnings).

    Returns the check; the digest is published only when it has no errors and its
    warnings, if any, were confirmed.
    """
    if not user.has_perm("digests.publish_weeklydigest"):
        raise PermissionDenied("你没有发布每周要闻的权限(需要终审角色)。")
    check = check_digest(digest=digest)
    if check.errors or (check.warnings and not confirmed):
        return check
    digest.status = WeeklyDigest.Status.PUBLISHED
    digest.published_at = timezone.now()
    digest.updated_by = user
    _save(digest)
    return check


@transaction.atomic
def unpublish_digest(*, digest: WeeklyDigest, user) -> WeeklyDigest:
    if not user.has_perm("digests.publish_weeklydigest"):
        raise PermissionDenied("你没有撤销发布每周要闻的权限(需要终审角色)。")
    digest.status = WeeklyDigest.Status.DRAFT
    digest.updated_by = user
    _save(digest)
    return digest
