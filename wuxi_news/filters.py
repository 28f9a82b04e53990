"""Filters of the site search (`/search/`): words, column and month.

Both filter sets read the same query string, so one form filters articles and digests.
"""

import django_filters

from articles.filters import in_month
from articles.models import Article, Column
from digests.models import WeeklyDigest

# One character finds nearly everything; two characters are too short for the trigram
# index, so they search the headlines (and digest titles) only, which stays fast.
MIN_QUERY_LENGTH = 2
FULL_TEXT_MIN_LENGTH = 3
MAX_QUERY_LENGTH = 100


def search_words(value: str | None) -> str:
    """The search text as the filters use it: trimmed and cut to a sane length."""
    return (value or "").strip()[:MAX_QUERY_LENGTH]


def is_headlines_only(query: str) -> bool:
    return len(query) < FULL_TEXT_MIN_LENGTH


class SearchFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="检索词")
    column = django_filters.ModelChoiceFilter(
        queryset=Column.objects.all(),
        to_field_name="slug",
        method="filter_column",
        label="栏目",
    )
    month = django_filters.CharFilter(method="filter_month", label="月份")
    date_field = ""

    def filter_search(self, queryset, name, value):
        query = search_words(value)
        if len(query) < MIN_QUERY_LENGTH:
            return queryset.none()
        return queryset.search(query, headlines_only=is_headlines_only(query))

    def filter_column(self, queryset, name, value):
        return queryset.in_column(value)

    def filter_month(self, queryset, name, value):
        return queryset.filter(in_month(self.date_field, value))


class ArticleSearchFilter(SearchFilterSet):
    date_field = "news_on"

    class Meta:
        model = Article
        fields = []


class DigestSearchFilter(SearchFilterSet):
    date_field = "issued_on"

    class Meta:
        model = WeeklyDigest
        fields = []
