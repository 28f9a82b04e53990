"""The editorial check over digests and over everything already public (the patrol).

Each story is checked on its own date: an article on its news date, a brief on the day
it happened. A 2022 story that calls 王中 代县长 is right, and stays right after he is
elected.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch

from articles.checking import CheckedFinding, check_article, set_aside
from articles.models import AllowedFinding, Article, ArticlePhoto
from people.editorial import Register, load_register, run_editorial_check

from .models import Brief, WeeklyDigest


@dataclass
class PageReport:
    """The findings of one page: an article, or a digest's brief."""

    label: str
    day: datetime.date
    checked: list[CheckedFinding] = field(default_factory=list)
    article: Article | None = None
    digest: WeeklyDigest | None = None
    url: str = ""

    @property
    def article_id(self) -> int | None:
        return self.article.pk if self.article else None

    @property
    def open_findings(self) -> list[CheckedFinding]:
        return [c for c in self.checked if not c.is_set_aside]

    @property
    def blocking(self) -> int:
        return sum(c.is_blocking for c in self.checked)


def _articles_for_checking(queryset):
    return queryset.prefetch_related(
        "dismissals",
        Prefetch("placements", queryset=ArticlePhoto.objects.select_related("photo")),
    )


def check_digest_stories(
    digest: WeeklyDigest,
    *,
    as_of: datetime.date | None = None,
    register: Register | None = None,
    allowed: list[AllowedFinding] | None = None,
) -> list[PageReport]:
    """Every story of the digest (lead and items, then briefs), each on its own date."""
    register = register or load_register()
    if allowed is None:
        allowed = list(AllowedFinding.objects.all())
    articles = _articles_for_checking(
        Article.objects.filter(digest_items__digest=digest).order_by(
            "digest_items__order", "pk"
        )
    )
    reports = [
        PageReport(
            label=f"《{article.headline}》",
            day=as_of or article.news_on,
            article=article,
            digest=digest,
            checked=check_article(
                article, news_on=as_of, register=register, allowed=allowed
            ),
        )
        for article in articles
    ]
    for brief in digest.briefs.all():
        day = as_of or brief.happened_on
        findings = run_editorial_check(brief.text, day, register=register)
        reports.append(
            PageReport(
                label=f"简讯:{brief.text[:20]}",
                day=day,
                digest=digest,
                checked=set_aside(findings, dismissals=[], allowed=allowed),
            )
        )
    return reports


def patrol_published(*, now: datetime.datetime | None = None) -> list[PageReport]:
    """Every public article and digest brief, checked on its own date, newest first.

    Articles carried by a digest are checked once, as articles (their own date is the
    same either way). Only pages with findings not set aside are returned.
    """
    register = load_register()
    allowed = list(AllowedFinding.objects.all())
    reports = []
    for article in _articles_for_checking(Article.objects.published(now)):
        checked = check_article(article, register=register, allowed=allowed)
        reports.append(
            PageReport(
                label=f"《{article.headline}》",
                day=article.news_on,
                article=article,
                checked=checked,
                url=article.get_absolute_url(),
            )
        )
    briefs = Brief.objects.filter(
        digest__in=WeeklyDigest.objects.published(now)
    ).select_related("digest")
    for brief in briefs:
        findings = run_editorial_check(brief.text, brief.happened_on, register=register)
        reports.append(
            PageReport(
                label=f"{brief.digest}·简讯:{brief.text[:20]}",
                day=brief.happened_on,
                digest=brief.digest,
                checked=set_aside(findings, dismissals=[], allowed=allowed),
                url=brief.digest.get_absolute_url(),
            )
        )
    reports = [r for r in reports if r.open_findings]
    reports.sort(key=lambda r: (r.day, r.article_id or 0), reverse=True)
    return reports
