"""Which columns are public: those with something public in them or under them.

A column with no published article or digest, in it or in a column under it, has no
page, no feed and no line in the site map: a column is public from its first published
item until its last is unpublished (the rule of `Article.objects.published()` and
`WeeklyDigest.objects.published()`, not a second one). A parent holding only
sub-columns (投资发展 › 招商信息) is public with them: every breadcrumb link answers.
"""

import datetime

from django.db.models import Exists, OuterRef, Q

from articles.models import Article, Column
from digests.models import WeeklyDigest

# Levels of columns under a column that make it public: 首页 › A › B › C is deeper than
# county sites go.
DEPTH = 3


def public_columns(now: datetime.datetime | None = None):
    """Columns holding a published article or digest, in them or in a column under them
    (ordered as `Column`); one query."""
    holds = Q()
    for depth in range(DEPTH + 1):
        lookup = "column" + "__parent" * depth
        for model in (Article, WeeklyDigest):
            items = model.objects.published(now).filter(**{lookup: OuterRef("pk")})
            holds |= Exists(items)
    return Column.objects.filter(holds)
