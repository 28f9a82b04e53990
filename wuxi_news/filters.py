"""Filters of the site's pages that list articles and digests together: a column page
(search, month, official) and the site search (`/search/`: words, column, month).

Each pair of filter sets reads the same query string, so one form filters articles and
digests.
"""

import django_filters
from django.db.models import Q

from articles.filters import in_month
from articles.models import Article, Column
from digests.models import DigestItem, WeeklyDigest
from people.models import Person

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


class ColumnFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="搜索")
    month = django_filters.CharFilter(method="filter_month", label="月份")
    official = django_filters.ModelChoiceFilter(
        queryset=Person.objects.officials(), method="filter_official", label="领导"
    )


class ArticleFilter(ColumnFilterSet):
    class Meta:
        model = Article
        fields = []

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_month(self, queryset, name, value):
        return queryset.filter(in_month("news_on", value))

    def filter_official(self, queryset, name, value):
        return queryset.concerning(value)


class DigestFilter(ColumnFilterSet):
    class Meta:
        model = WeeklyDigest
        fields = []

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # A digest matches by its title or by a published article it carries.
        carrying = DigestItem.objects.filter(
            article__in=Article.objects.published().search(value)
        ).values("digest_id")
        return queryset.filter(Q(title__icontains=value) | Q(pk__in=carrying))

    def filter_month(self, queryset, name, value):
        return queryset.filter(in_month("issued_on", value))

    def filter_official(self, queryset, name, value):
        carrying = DigestItem.objects.filter(
            article__in=Article.objects.published().concerning(value)
        ).values("digest_id")
        return queryset.filter(pk__in=carrying)
