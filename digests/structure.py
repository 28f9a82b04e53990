"""The ordered structure of a weekly digest, shared by the page, import and every export.

Legacy text and JSON are parsed into a `DigestDocument`; a saved digest is turned into one
by `digests.services.build_document`; every export format renders from it.
"""

import datetime
import re
from dataclasses import dataclass, field, replace

from media.credits import format_credit, join_caption_and_credit


@dataclass
class PhotoBlock:
    caption: str
    credit_role: str = ""
    credit_name: str = ""
    # The saved photo when built from the database (None when parsed from text).
    photo: object | None = None
    # The line of the file it was read from, for error messages (None: no such line).
    line_no: int | None = field(default=None, compare=False)

    @property
    def credit(self) -> str:
        return format_credit(self.credit_role, self.credit_name)

    @property
    def caption_line(self) -> str:
        return join_caption_and_credit(self.caption, self.credit)


@dataclass
class Paragraph:
    text: str
    html: str = ""
    # A subhead (`●某某表示——`) inside the story, not a paragraph of running text.
    is_subhead: bool = field(default=False, compare=False)
    line_no: int | None = field(default=None, compare=False)


@dataclass
class Story:
    headline: str
    news_on: datetime.date
    blocks: list[Paragraph | PhotoBlock] = field(default_factory=list)
    # The saved article when built from the database.
    article: object | None = None
    line_no: int | None = field(default=None, compare=False)
    # Bylines read off the page (`记者 吴丹`), for the article's 记者 field.
    reporters: str = field(default="", compare=False)

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    @property
    def photos(self) -> list[PhotoBlock]:
        return [b for b in self.blocks if isinstance(b, PhotoBlock)]


@dataclass
class DaySection:
    day: datetime.date
    stories: list[Story] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"{self.day.month}月{self.day.day}日"


BRIEF_MARKER = ">>"


# A brief may open with the span of days it covers: `16日至18日,…`, `16日—18日`,
# `16日-18日`, `16日到18日`, `16至18日`. From the brief's own day, the span is its date.
_SPAN = re.compile(
    r"^(?P<day>\d{1,2})\s*日?\s*(?:至|到|—{1,2}|–|-|－|~|～)\s*(?:\d{1,2}\s*月\s*)?"
    r"\d{1,2}\s*日"
)


def span_start(text: str) -> int | None:
    """The first day of the span `text` opens with (16 for `16日至18日,…`), or None."""
    match = _SPAN.match(text)
    return int(match["day"]) if match else None


@dataclass
class BriefLine:
    happened_on: datetime.date
    text: str
    line_no: int | None = field(default=None, compare=False)

    @property
    def line(self) -> str:
        """`12日,…`; a text opening with a span from that day already says it."""
        if span_start(self.text) == self.happened_on.day:
            return self.text
        return f"{self.happened_on.day}日,{self.text}"

    @property
    def page_line(self) -> str:
        """The line as the page and the legacy text print it: `>>12日,…`."""
        return f"{BRIEF_MARKER}{self.line}"


@dataclass
class DigestDocument:
    title: str
    issued_on: datetime.date
    breadcrumb: list[str] = field(default_factory=lambda: ["巫溪要闻"])
    lead: Story | None = None
    days: list[DaySection] = field(default_factory=list)
    briefs: list[BriefLine] = field(default_factory=list)
    is_draft: bool = False
    # The public page's path (`/digests/7/`) when built from the database, for print.
    url: str = field(default="", compare=False)
    # Lines of the file they were read from, for error messages.
    breadcrumb_line_no: int | None = field(default=None, compare=False)
    title_line_no: int | None = field(default=None, compare=False)

    @property
    def stories(self) -> list[Story]:
        """Every story in page order: the lead, then each day's."""
        lead = [self.lead] if self.lead else []
        return lead + [story for day in self.days for story in day.stories]

    @property
    def column_name(self) -> str:
        return self.breadcrumb[-1] if self.breadcrumb else ""

    def without_unpublished(self) -> "DigestDocument":
        """The document without stories whose article is not public (yet).

        A published digest must not leak the body of a draft, in-review or scheduled
        article it carries: such stories are left out, and a day left empty goes too.
        """

        def public(story: Story) -> bool:
            return story.article is None or story.article.is_published

        days = [
            DaySection(section.day, [s for s in section.stories if public(s)])
            for section in self.days
        ]
        return replace(
            self,
            lead=self.lead if self.lead and public(self.lead) else None,
            days=[section for section in days if section.stories],
        )

    def week(self) -> tuple[datetime.date, datetime.date]:
        """The first and last news dates covered (the issue date when empty)."""
        dates = [story.news_on for story in self.stories] + [
            brief.happened_on for brief in self.briefs
        ]
        if not dates:
            return self.issued_on, self.issued_on
        return min(dates), max(dates)
