"""The editorial calendar (编辑日历): a week or a month of articles and digests.

Articles are placed by news date (published, scheduled, or in review); digests by
their issue date. Three queries whatever the range: columns, articles, digests.
"""

import calendar as stdlib_calendar
import datetime
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date

from articles.models import Article, Column
from digests.models import WeeklyDigest

WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]


@dataclass
class Entry:
    title: str
    url: str
    kind: str  # published, scheduled, review, digest
    label: str


@dataclass
class Day:
    date: datetime.date
    in_range: bool
    is_today: bool
    entries: list[Entry] = field(default_factory=list)

    @property
    def weekday(self) -> str:
        return WEEKDAYS[self.date.weekday()]


def _range(view: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The dates shown: Monday to Sunday of the week, or the whole weeks of the month."""
    if view == "month":
        first = day.replace(day=1)
        last = day.replace(day=stdlib_calendar.monthrange(day.year, day.month)[1])
        start = first - datetime.timedelta(days=first.weekday())
        end = last + datetime.timedelta(days=6 - last.weekday())
        return start, end
    start = day - datetime.timedelta(days=day.weekday())
    return start, start + datetime.timedelta(days=6)


def _article_entry(article: Article) -> Entry:
    if article.status == Article.Status.REVIEW:
        kind, label = "review", article.get_review_stage_display()
    elif article.is_scheduled:
        when = timezone.localtime(article.published_at)
        kind, label = "scheduled", f"定时 {when:%m月%d日 %H:%M}"
    else:
        kind, label = "published", "已发布"
    return Entry(
        title=article.headline,
        url=reverse("admin:articles_article_change", args=[article.pk]),
        kind=kind,
        label=label,
    )


def calendar_context(params) -> dict:
    """What the calendar page shows for the query parameters `params`."""
    view = "month" if params.get("view") == "month" else "week"
    today = timezone.localdate()
    try:
        day = parse_date(params.get("date") or "") or today
    except ValueError:
        day = today
    columns = list(Column.objects.order_by("rank", "name"))
    column = next(
        (c for c in columns if str(c.pk) == (params.get("column") or "")), None
    )
    start, end = _range(view, day)
    articles = Article.objects.filter(
        status__in=[Article.Status.PUBLISHED, Article.Status.REVIEW],
        news_on__gte=start,
        news_on__lte=end,
    ).order_by("news_on", "published_at", "pk")
    digests = WeeklyDigest.objects.filter(
        issued_on__gte=start, issued_on__lte=end
    ).order_by("issued_on", "pk")
    if column is not None:
        articles = articles.in_column(column)
        digests = digests.in_column(column)
    days = {
        start + datetime.timedelta(days=n): Day(
            date=start + datetime.timedelta(days=n),
            in_range=view == "week"
            or (start + datetime.timedelta(days=n)).month == day.month,
            is_today=start + datetime.timedelta(days=n) == today,
        )
        for n in range((end - start).days + 1)
    }
    for article in articles:
        days[article.news_on].entries.append(_article_entry(article))
    for digest in digests:
        days[digest.issued_on].entries.append(
            Entry(
                title=digest.title,
                url=reverse("admin:digests_weeklydigest_change", args=[digest.pk]),
                kind="digest",
                label=f"每周要闻 · {digest.get_status_display()}",
            )
        )
    ordered = list(days.values())
    step = (
        datetime.timedelta(days=7)
        if view == "week"
        else datetime.timedelta(days=stdlib_calendar.monthrange(day.year, day.month)[1])
    )
    previous = (
        (day.replace(day=1) - datetime.timedelta(days=1))
        if view == "month"
        else day - step
    )
    following = (day.replace(day=1) + step) if view == "month" else day + step
    return {
        "view": view,
        "day": day,
        "start": start,
        "end": end,
        "weekdays": WEEKDAYS,
        "weeks": [ordered[i : i + 7] for i in range(0, len(ordered), 7)],
        "columns": columns,
        "column": column,
        "previous": previous,
        "following": following,
        "heading": f"{day:%Y年%m月}"
        if view == "month"
        else f"{start:%Y年%m月%d日}至{end:%m月%d日}",
    }
