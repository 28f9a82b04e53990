"""Filters of a column page: month, official and a search over headlines and text.

Both filter sets read the same query string, so one form filters articles and digests.
"""

import datetime

import django_filters
from django.db.models import Q

from digests.models import DigestItem, WeeklyDigest
from people.models import Person

from .models import Article


def parse_month(value: str) -> datetime.date | None:
    """`2024-12` as the first day of that month; None for anything else."""
    try:
        year, month = (int(part) for part in value.split("-"))
        return datetime.date(year, month, 1)
    except ValueError:
        return None


def month_range(value: str) -> tuple[datetime.date, datetime.date] | None:
    first = parse_month(value)
    if first is None:
        return None
    following = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return first, following


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
        bounds = month_range(value)
        if bounds is None:
            return queryset
        return queryset.filter(news_on__gte=bounds[0], news_on__lt=bounds[1])

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
        bounds = month_range(value)
        if bounds is None:
            return queryset
        return queryset.filter(issued_on__gte=bounds[0], issued_on__lt=bounds[1])

    def filter_official(self, queryset, name, value):
        carrying = DigestItem.objects.filter(
            article__in=Article.objects.published().concerning(value)
        ).values("digest_id")
        return queryset.filter(pk__in=carrying)
