"""Which columns are public: those with something public in them.

A column with no published article or digest has no page, no feed and no line in the
site map: a column is public from its first published item until its last is
unpublished (the rule of `Article.objects.published()` and
`WeeklyDigest.objects.published()`, not a second one).
"""

import datetime

from django.db.models import Exists, OuterRef

from articles.models import Article, Column
from digests.models import WeeklyDigest


def public_columns(now: datetime.datetime | None = None):
    """Columns holding a published article or digest (ordered as `Column`)."""
    return Column.objects.filter(
        Exists(Article.objects.published(now).filter(column=OuterRef("pk")))
        | Exists(WeeklyDigest.objects.published(now).filter(column=OuterRef("pk")))
    )
