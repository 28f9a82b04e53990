"""The editorial check applied to articles: what is shown, what was set aside, what blocks.

An article is checked on its news date (`news_on`) as one text: the headline, the body
and the photo captions (`check_text`); finding offsets point into that text. A finding
is set aside by a dismissal of the same fingerprint (the rule and the matched text) or
by a site-wide allow-list entry. An error (E) not set aside blocks publishing and
scheduling; warnings and notes never do.
"""

import bisect
import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.html import escape, format_html, format_html_join

from people.editorial import Finding, Register, normalise, run_editorial_check

from .models import AllowedFinding, Article, FindingDismissal

# Who may dismiss what (the services check these; the panel offers what they allow).
DISMISS_NOTE_PERMISSIONS = (
    "articles.change_article",
    "articles.first_review_article",
)
DISMISS_ERROR_PERMISSIONS = ("articles.review_article", "articles.publish_article")
ERROR_REASON_MIN = 4


@dataclass
class CheckedFinding:
    finding: Finding
    dismissal: FindingDismissal | None = None
    allowed: AllowedFinding | None = None

    @property
    def is_set_aside(self) -> bool:
        return self.dismissal is not None or self.allowed is not None

    @property
    def is_blocking(self) -> bool:
        return self.finding.is_error and not self.is_set_aside


def check_text(*, headline: str, body: str, captions: list[str]) -> str:
    """The one text an article is checked as: headline, body, then captions."""
    parts = [f"<h1>{escape(headline)}</h1>", body or ""]
    parts += [f"<figcaption>{escape(caption)}</figcaption>" for caption in captions]
    return "\n".join(parts)


def article_check_text(article: Article, *, headline=None, body=None) -> str:
    # `placements.all()`: the patrol prefetches them (with their photos) for every page.
    captions = [p.photo.caption for p in article.placements.all()] if article.pk else []
    return check_text(
        headline=article.headline if headline is None else headline,
        body=article.body if body is None else body,
        captions=[c for c in captions if c],
    )


def can_dismiss(*, user, finding: Finding) -> bool:
    permissions = (
        DISMISS_ERROR_PERMISSIONS if finding.is_error else DISMISS_NOTE_PERMISSIONS
    )
    return any(user.has_perm(p) for p in permissions) or (
        not finding.is_error
        and any(user.has_perm(p) for p in DISMISS_ERROR_PERMISSIONS)
    )


def set_aside(
    findings: list[Finding],
    *,
    dismissals: list[FindingDismissal],
    allowed: list[AllowedFinding],
) -> list[CheckedFinding]:
    by_fingerprint = {d.fingerprint: d for d in dismissals}
    return [
        CheckedFinding(
            finding=finding,
            dismissal=by_fingerprint.get(finding.fingerprint),
            allowed=next((a for a in allowed if a.allows(finding)), None),
        )
        for finding in findings
    ]


def check_article(
    article: Article,
    *,
    headline: str | None = None,
    body: str | None = None,
    news_on: datetime.date | None = None,
    register: Register | None = None,
    allowed: list[AllowedFinding] | None = None,
) -> list[CheckedFinding]:
    """The article's findings on its news date; `headline`/`body`/`news_on` check
    what an editor has typed but not saved yet."""
    text = article_check_text(article, headline=headline, body=body)
    findings = run_editorial_check(text, news_on or article.news_on, register=register)
    dismissals = list(article.dismissals.all()) if article.pk else []
    if allowed is None:
        allowed = list(AllowedFinding.objects.all())
    return set_aside(findings, dismissals=dismissals, allowed=allowed)


def refusal_message(blocking: list[CheckedFinding]) -> str:
    listed = ";".join(
        f"“{c.finding.excerpt}”:{c.finding.message.rstrip('。')}" for c in blocking[:3]
    )
    more = f"等 {len(blocking)} 处" if len(blocking) > 3 else ""
    return (
        f"校对发现错误尚未处理,不能发布或定时发布:{listed}{more}。"
        "请修改稿件;确属无误的,请审核或终审在“校对”面板写明理由后忽略。"
    )


def ensure_publishable(article: Article, **typed) -> None:
    """Refuse publishing (or scheduling) while an error finding is not set aside."""
    if not article.news_on and not typed.get("news_on"):
        return
    blocking = [c for c in check_article(article, **typed) if c.is_blocking]
    if blocking:
        raise ValidationError(refusal_message(blocking), code="editorial_check")


def highlighted(text: str, checked: list[CheckedFinding]):
    """The checked text as paragraphs with each finding's span marked (safe HTML)."""
    source = normalise(text)
    spans = []
    for number, item in enumerate(checked, start=1):
        start = bisect.bisect_left(source.positions, item.finding.start)
        end = bisect.bisect_left(source.positions, item.finding.end)
        spans.append((start, max(end, start + 1), number, item.finding.severity))
    spans.sort()
    paragraphs, offset = [], 0
    for line in source.text.split("\n"):
        line_start, line_end = offset, offset + len(line)
        offset = line_end + 1
        if not line.strip():
            continue
        pieces, position = [], line_start
        for start, end, number, severity in spans:
            start, end = max(start, position), min(end, line_end)
            if start >= end:
                continue
            pieces.append(escape(source.text[position:start]))
            pieces.append(
                format_html(
                    '<mark class="editorial-{}">{}</mark><sup>{}</sup>',
                    severity,
                    source.text[start:end],
                    number,
                )
            )
            position = end
        pieces.append(escape(source.text[position:line_end]))
        paragraphs.append((format_html_join("", "{}", ((p,) for p in pieces)),))
    return format_html_join("", "<p>{}</p>", paragraphs)
