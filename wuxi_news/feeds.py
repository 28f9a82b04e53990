import datetime

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.html import escape

from articles.models import Article
from digests.models import WeeklyDigest

from .columns import public_columns


class StableRssFeed(Rss201rev2Feed):
    """An empty feed's lastBuildDate is a fixed date, not the time of rendering: a
    baked feed is the same bytes until something is published."""

    def latest_post_date(self):
        if any(item["pubdate"] or item["updateddate"] for item in self.items):
            return super().latest_post_date()
        return datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


class ColumnFeed(Feed):
    """RSS of a column: its latest published articles and digests."""

    feed_type = StableRssFeed
    limit = 30

    def get_object(self, request, slug):
        return get_object_or_404(public_columns(), slug=slug)

    def title(self, column):
        return column.name

    def link(self, column):
        return column.get_absolute_url()

    # Feed readers take a description as HTML: plain text is escaped for it first
    # (a summary typed as `<img onerror=…>` must reach them as text).
    def description(self, column):
        return escape(column.description or f"{column.name}最新发布")

    def items(self, column):
        articles = list(
            Article.objects.published().in_column(column).newest_first()[: self.limit]
        )
        digests = list(
            WeeklyDigest.objects.published()
            .in_column(column)
            .newest_first()[: self.limit]
        )
        items = articles + digests
        items.sort(key=lambda item: item.published_at, reverse=True)
        return items[: self.limit]

    def item_title(self, item):
        return getattr(item, "headline", None) or item.title

    def item_description(self, item):
        if isinstance(item, Article):
            return escape(item.description())
        return escape(f"{item.title}({item.issued_on:%Y-%m-%d})")

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return getattr(item, "reporters", "") or None
