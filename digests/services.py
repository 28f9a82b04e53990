import datetime
import hashlib
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
from wuxi_news.revisions import revision
from wuxi_news.text import clean_text

from .article_page import ArticlePage
from .checking import check_digest_stories
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
    """What an import did: counts, and one line per change or per item kept as it was."""

    digest: WeeklyDigest | None = None
    created: bool = False
    article: Article | None = None
    articles_created: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    photos_created: int = 0
    officials_linked: list[str] = field(default_factory=list)
    # `更新《…》:标题…;正文…` for each item changed.
    changes: list[str] = field(default_factory=list)
    # Items left as they are because editors changed them or they are published.
    kept: list[str] = field(default_factory=list)
    # What the editor should know, such as a column that was not created.
    warnings: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        """imported, updated or unchanged."""
        if self.created or self.articles_created:
            return "imported"
        if self.changes:
            return "updated"
        return "unchanged"


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


def _check_column_names(names: list[str], line_no: int | None) -> None:
    """Refuse a column name the model refuses before deriving a slug from it."""
    for name in names:
        column = Column(name=name)
        try:
            column.clean_fields(
                exclude=[f.name for f in Column._meta.fields if f.name != "name"]
            )
        except ValidationError as exc:
            where = _where(line_no, f"栏目“{_snippet(name)}”")
            raise DigestImportError(f"{where}:{_refusal(column, exc)}") from exc


def _column_of(
    names: list[str],
    line_no: int | None,
    *,
    add_columns: bool,
    result: ImportResult,
) -> Column:
    """The column a page's breadcrumb names, created under its parents only with
    `add_columns` (columns are the 总编's); otherwise an existing column of that name,
    else the default column (巫溪要闻), with a warning saying so."""
    _check_column_names(names, line_no)
    if add_columns:
        return ensure_column_path(names=names)
    name = names[-1]
    column = Column.objects.filter(name=name).first()
    if column is not None:
        return column
    default = Column.objects.default()
    if default is None:
        raise DigestImportError(
            f"{_where(line_no, f'栏目“{_snippet(name)}”')}:栏目不存在,"
            "你没有新建栏目的权限,也没有默认栏目“巫溪要闻”可放。"
            "请在上传时选择栏目,或请有权限的人先建好栏目。"
        )
    result.warnings.append(
        f"栏目“{_snippet(name)}”不存在,你没有新建栏目的权限,放入“{default.name}”"
    )
    return default


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


# --- Re-import rules: editors' work is never overwritten silently ---


def _normalized(text: str) -> str:
    return " ".join(clean_text(text).split())


def story_fingerprint(story: Story) -> str:
    """A digest of a story's text as printed: headline, date, paragraphs, photos."""
    parts = [_normalized(story.headline), story.news_on.isoformat()]
    for block in story.blocks:
        if isinstance(block, PhotoBlock):
            parts.append(
                "\x1f".join(
                    [
                        "图",
                        _normalized(block.caption),
                        block.credit_role,
                        block.credit_name,
                    ]
                )
            )
        else:
            parts.append("文\x1f" + _normalized(block.text))
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()


def article_fingerprint(article: Article) -> str:
    """`story_fingerprint` of the article as it stands in the database."""
    return story_fingerprint(_story(article))


def _describe_changes(old: Story, new: Story) -> str:
    """What an update would change, in a line the editor can read."""
    parts = []
    if _normalized(old.headline) != _normalized(new.headline):
        parts.append(f"标题“{_snippet(old.headline)}”→“{_snippet(new.headline)}”")
    if old.news_on != new.news_on:
        parts.append(f"新闻日期 {old.news_on:%Y-%m-%d}→{new.news_on:%Y-%m-%d}")
    old_texts = [_normalized(p.text) for p in old.paragraphs]
    new_texts = [_normalized(p.text) for p in new.paragraphs]
    if old_texts != new_texts:
        differing = [
            number
            for number, (a, b) in enumerate(
                zip(old_texts, new_texts, strict=False), start=1
            )
            if a != b
        ]
        detail = f"第 {'、'.join(map(str, differing[:5]))} 段不同" if differing else ""
        if len(old_texts) != len(new_texts):
            detail += f"{',' if detail else ''}段落 {len(old_texts)}→{len(new_texts)}"
        parts.append(f"正文({detail})")
    old_photos = [(p.caption, p.credit) for p in old.photos]
    new_photos = [(p.caption, p.credit) for p in new.photos]
    if old_photos != new_photos:
        parts.append(f"图片 {len(old_photos)}→{len(new_photos)} 张或说明不同")
    return ";".join(parts) or "格式细节"


def _find_article(column: Column, story: Story, fingerprint: str) -> Article | None:
    """The article a story was imported as: same imported text in any column (even if
    editors changed the headline or moved it since, or it went to another column for
    whoever imported it first), else same date and headline (now or as imported) in
    this column."""
    candidates = sorted(
        Article.objects.filter(
            models.Q(import_fingerprint=fingerprint)
            | models.Q(column=column)
            & (
                models.Q(news_on=story.news_on, headline=story.headline)
                | models.Q(news_on=story.news_on, imported_headline=story.headline)
            )
        ),
        key=lambda article: (article.column_id != column.pk, article.pk),
    )
    for matches in (
        lambda a: a.import_fingerprint == fingerprint,
        lambda a: a.news_on == story.news_on and a.headline == story.headline,
        lambda a: True,
    ):
        found = next((article for article in candidates if matches(article)), None)
        if found is not None:
            return found
    return None


@dataclass
class _Plan:
    """What to do with one story: create, update, leave unchanged, or keep."""

    story: Story
    fingerprint: str
    article: Article | None
    action: str  # "create", "update", "unchanged", "kept"
    change: str = ""


def _plan_story(
    *, column: Column, story: Story, update: bool, result: ImportResult
) -> _Plan:
    fingerprint = story_fingerprint(story)
    article = _find_article(column, story, fingerprint)
    if article is None:
        return _Plan(story, fingerprint, None, "create")
    current_story = _story(article)
    current = story_fingerprint(current_story)
    imported = article.import_fingerprint or current
    label = f"《{_snippet(article.headline)}》"
    if fingerprint in (imported, current):
        if current != imported:
            result.kept.append(f"{label}:编辑导入后改过,页面未变,保留编辑的修改")
        return _Plan(story, fingerprint, article, "unchanged")
    change = _describe_changes(current_story, story)
    # An article not made by an import is the editors' own.
    edited = current != imported or not article.import_fingerprint
    published = article.status == Article.Status.PUBLISHED
    if (edited or published) and not update:
        why = "编辑导入后改过" if edited else "已发布"
        result.kept.append(
            f"{label}:{why},未更新(页面有改动:{change});确认要用页面覆盖请加 --update"
        )
        return _Plan(story, fingerprint, article, "kept", change)
    return _Plan(story, fingerprint, article, "update", change)


def _write_article(
    plan: _Plan,
    *,
    column: Column,
    source: str,
    publish: bool,
    published_at: datetime.datetime,
    officials: list[Person],
    result: ImportResult,
    extra: dict | None = None,
) -> Article:
    """Create or update the article of a story planned "create" or "update"."""
    story = plan.story
    article = plan.article or Article(column=column)
    article.headline = story.headline
    article.news_on = story.news_on
    article.body = paragraphs_to_html(
        [p.text for p in story.paragraphs],
        subheads={i for i, p in enumerate(story.paragraphs) if p.is_subhead},
    )
    if story.reporters:
        article.reporters = story.reporters
    for name, value in (extra or {}).items():
        setattr(article, name, value)
    article.imported_from = source[:255]
    article.imported_headline = story.headline
    article.import_fingerprint = plan.fingerprint
    if publish:
        article.status = Article.Status.PUBLISHED
        article.published_at = article.published_at or published_at
    _save_or_explain(
        article, _where(story.line_no, f"稿件《{_snippet(story.headline)}》")
    )
    result.photos_created += _import_photos(article, story)
    text = " ".join([story.headline, *(p.text for p in story.paragraphs)])
    named = _officials_named_in(text, officials)
    if named or plan.article is not None:
        article.officials.set(named)
    result.officials_linked = sorted(
        set(result.officials_linked) | {person.name for person in named}
    )
    if plan.action == "create":
        result.articles_created += 1
    else:
        result.articles_updated += 1
        result.changes.append(f"更新《{_snippet(story.headline)}》:{plan.change}")
    return article


def _digest_state(*, title: str, items: list, briefs: list) -> str:
    """A digest of what a digest shows: title, items in order with the lead, briefs."""
    parts = [_normalized(title)]
    parts += [f"{article_id}:{int(is_lead)}" for article_id, is_lead in items]
    parts += [f"{day.isoformat()}:{_normalized(text)}" for day, text in briefs]
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()


def _current_digest_state(digest: WeeklyDigest) -> str:
    items = [(i.article_id, i.is_lead) for i in digest.items.order_by("order", "pk")]
    briefs = [(b.happened_on, b.text) for b in digest.briefs.order_by("order", "pk")]
    return _digest_state(title=digest.title, items=items, briefs=briefs)


def _import_revision(source: str, by):
    return revision(user=by, comment=f"导入 {source}" if source else "导入")


@transaction.atomic
def import_digest(
    *,
    document: DigestDocument,
    publish: bool = True,
    source: str = "",
    update: bool = False,
    force: bool = False,
    by=None,
    add_columns: bool = True,
) -> ImportResult:
    """Create or update the digest a parsed page describes, with its articles and photos.

    The digest is matched by column and date, articles by the text they were imported
    with (so an edited headline does not make a duplicate), else by date and headline;
    importing the same page again changes nothing. An article or digest that editors
    changed since it was imported, or that is published, is updated only with
    `update` (the result lists what changed); a published digest never loses stories
    or briefs without `force`. Every import is one revision, “导入 <source>”. Raises
    `DigestImportError`, naming the line, when the page is refused; nothing is then
    written. A column the breadcrumb names is created only with `add_columns` (see
    `_column_of`).
    """
    _check_no_twins(document)
    result = ImportResult()
    column = _column_of(
        document.breadcrumb,
        document.breadcrumb_line_no,
        add_columns=add_columns,
        result=result,
    )
    first, last = document.week()
    monday = first - datetime.timedelta(days=first.weekday())
    digest = WeeklyDigest.objects.filter(
        column=column, issued_on=document.issued_on
    ).first()
    result.digest, result.created = digest, digest is None
    plans = [
        _plan_story(column=column, story=story, update=update, result=result)
        for story in document.stories
    ]
    new_briefs = [(brief.happened_on, brief.text) for brief in document.briefs]
    if digest is not None:
        _check_nothing_lost(digest, plans, new_briefs, force)
        planned_items = [
            (
                plan.article.pk if plan.article else None,
                document.lead is not None and i == 0,
            )
            for i, plan in enumerate(plans)
        ]
        planned = _digest_state(
            title=document.title, items=planned_items, briefs=new_briefs
        )
        current = _current_digest_state(digest)
        imported = digest.import_fingerprint or current
        published = digest.status == WeeklyDigest.Status.PUBLISHED
        if planned != current and (current != imported or published) and not update:
            why = "编辑导入后改过" if current != imported else "已发布"
            result.kept.append(
                f"本期《{_snippet(digest.title)}》{digest.issued_on:%Y-%m-%d}:{why},"
                "页面的稿件、顺序或简讯与之不同,未更新;确认要用页面覆盖请加 --update"
            )
            result.kept.extend(
                f"《{_snippet(p.story.headline)}》:页面上的新稿件,随本期一起未导入"
                for p in plans
                if p.action == "create"
            )
            result.articles_unchanged = len(plans)
            return result
        if planned == current and all(p.action in ("unchanged", "kept") for p in plans):
            result.articles_unchanged = len(plans)
            return result

    with _import_revision(source, by):
        if digest is None:
            digest = WeeklyDigest(column=column, issued_on=document.issued_on)
            result.digest = digest
        digest.title = document.title
        # The Monday-to-Sunday week of the first story, stretched if stories run past.
        digest.week_starts_on = monday
        digest.week_ends_on = max(last, monday + datetime.timedelta(days=6))
        if publish:
            digest.status = WeeklyDigest.Status.PUBLISHED
            digest.published_at = digest.published_at or _start_of_day(
                document.issued_on
            )
        _save_or_explain(digest, _where(document.title_line_no, "标题"))

        officials = list(Person.objects.officials())
        articles: list[Article] = []
        for plan in plans:
            if plan.action in ("unchanged", "kept"):
                result.articles_unchanged += 1
                articles.append(plan.article)
                continue
            articles.append(
                _write_article(
                    plan,
                    column=column,
                    source=source,
                    publish=publish,
                    published_at=_start_of_day(plan.story.news_on),
                    officials=officials,
                    result=result,
                )
            )
        items = [
            (article.pk, document.lead is not None and order == 0)
            for order, article in enumerate(articles)
        ]
        if [
            (i.article_id, i.is_lead) for i in digest.items.order_by("order", "pk")
        ] != items:
            digest.items.all().delete()
            for order, article in enumerate(articles):
                is_lead = document.lead is not None and order == 0
                _save(
                    DigestItem(
                        digest=digest, article=article, order=order, is_lead=is_lead
                    )
                )
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
        before = digest.import_fingerprint
        digest.import_fingerprint = _current_digest_state(digest)
        digest.save(update_fields=["import_fingerprint"])
        if not result.created and digest.import_fingerprint != before:
            result.changes.append(
                f"更新本期《{_snippet(digest.title)}》{digest.issued_on:%Y-%m-%d}"
            )
    return result


def _check_nothing_lost(
    digest: WeeklyDigest, plans: list[_Plan], briefs: list, force: bool
) -> None:
    """A published digest loses stories or briefs only when the editor insists."""
    if digest.status != WeeklyDigest.Status.PUBLISHED or force:
        return
    kept_ids = {plan.article.pk for plan in plans if plan.article is not None}
    lost = [
        item.article.headline
        for item in digest.items.select_related("article")
        if item.article_id not in kept_ids
    ]
    new_briefs = {(day, _normalized(text)) for day, text in briefs}
    lost_briefs = [
        brief.text
        for brief in digest.briefs.all()
        if (brief.happened_on, _normalized(brief.text)) not in new_briefs
    ]
    if not lost and not lost_briefs:
        return
    parts = []
    if lost:
        names = "、".join(f"《{_snippet(h)}》" for h in lost[:5])
        parts.append(f"{len(lost)} 篇稿件({names}{'等' if len(lost) > 5 else ''})")
    if lost_briefs:
        parts.append(f"{len(lost_briefs)} 条简讯")
    raise DigestImportError(
        f"已发布的本期《{_snippet(digest.title)}》({digest.issued_on:%Y-%m-%d})"
        f"会失去 {'和'.join(parts)}:页面可能不完整。确认要删去,请加 --force。"
    )


@transaction.atomic
def import_article_page(
    *,
    page: ArticlePage,
    column: Column | None = None,
    source: str = "",
    update: bool = False,
    publish: bool = True,
    by=None,
    add_columns: bool = True,
) -> ImportResult:
    """Create or update the article a single-article page describes.

    The column is the page's breadcrumb (created under its parents only with
    `add_columns`, see `_column_of`) unless `column` is given; the rules for editors'
    changes, published articles and revisions are those of `import_digest`.
    """
    result = ImportResult()
    if column is None:
        column = _column_of(
            page.breadcrumb,
            page.header.breadcrumb_line_no,
            add_columns=add_columns,
            result=result,
        )
    plan = _plan_story(column=column, story=page.story, update=update, result=result)
    result.article = plan.article
    if plan.action in ("unchanged", "kept"):
        result.articles_unchanged = 1
        return result
    header = page.header
    published_at = timezone.make_aware(
        datetime.datetime.combine(
            header.issued_on, header.issued_time or datetime.time()
        )
    )
    extra = {
        name: value
        for name, value in (
            ("responsible_editor", page.responsible_editor),
            ("source", page.source),
        )
        if value
    }

    with _import_revision(source, by):
        result.article = _write_article(
            plan,
            column=column,
            source=source,
            publish=publish,
            published_at=published_at,
            officials=list(Person.objects.officials()),
            result=result,
            extra=extra,
        )
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
def fill_digest(*, digest: WeeklyDigest, user=None) -> list[DigestItem]:
    """Append the week's published articles not yet in the digest, in date order.

    A fill is a change like a save: the digest's `updated_at` moves on, so that a page
    opened before it is refused (naming `user`) instead of saving a list of items
    that lacks the new ones."""
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
    if added:
        digest.updated_at = timezone.now()
        digest.updated_by = user or digest.updated_by
        WeeklyDigest.objects.filter(pk=digest.pk).update(
            updated_at=digest.updated_at, updated_by=digest.updated_by
        )
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
    check.warnings += briefs_outside_week(digest=digest)
    for report in check_digest_stories(digest):
        if report.blocking:
            check.errors.append(
                f"{report.label}校对发现 {report.blocking} 处错误尚未处理"
                f"(按 {report.day:%Y-%m-%d} 核对),不能发布。"
                + (
                    "请在稿件的“校对”面板处理。"
                    if report.article
                    else "请修改这条简讯。"
                )
            )
    return check


def briefs_outside_week(*, digest: WeeklyDigest) -> list[str]:
    """A warning for each brief dated outside the digest's week (本周起–本周止)."""
    return [
        f"一周简讯“{_snippet(brief.line)}”的日期 {brief.happened_on:%Y-%m-%d} 不在本期"
        f"({digest.week_starts_on:%Y-%m-%d} 至 {digest.week_ends_on:%Y-%m-%d})内。"
        for brief in digest.briefs.all()
        if not digest.covers(brief.happened_on)
    ]


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
    _lock_for_step(digest)
    check = check_digest(digest=digest)
    if check.errors or (check.warnings and not confirmed):
        return check
    digest.status = WeeklyDigest.Status.PUBLISHED
    digest.published_at = timezone.now()
    _save_step(digest, user)
    return check


@transaction.atomic
def unpublish_digest(*, digest: WeeklyDigest, user) -> WeeklyDigest:
    if not user.has_perm("digests.publish_weeklydigest"):
        raise PermissionDenied("你没有撤销发布每周要闻的权限(需要终审角色)。")
    _lock_for_step(digest)
    digest.status = WeeklyDigest.Status.DRAFT
    _save_step(digest, user)
    return digest


def _lock_for_step(digest: WeeklyDigest) -> None:
    """Lock the digest's row until the step commits and act on its committed state:
    a save racing the step is neither undone by it nor overtaken unseen."""
    WeeklyDigest.objects.select_for_update().filter(pk=digest.pk).first()
    digest.refresh_from_db()


def _save_step(digest: WeeklyDigest, user) -> None:
    """Save what a step changes, never the rest of a possibly older instance."""
    digest.updated_by = user
    digest.full_clean()
    digest.save(update_fields=["status", "published_at", "updated_by", "updated_at"])
