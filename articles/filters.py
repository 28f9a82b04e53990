"""Filters of a column page: month, official and a search over headlines and text.

Both filter sets read the same query string, so one form filters articles and digests.
"""

import datetime
import re

import django_filters
from django.db.models import Q

from digests.models import DigestItem, WeeklyDigest
from people.models import Person

from .models import Article

MONTH = re.compile(r"(\d{4})-(\d{1,2})")


def parse_month(value: str) -> datetime.date | None:
    """`2024-12` as the first day of that month; None for anything else."""
    match = MONTH.fullmatch(value.strip())
    if match is None:
        return None
    try:
        return datetime.date(int(match[1]), int(match[2]), 1)
    except ValueError:  # month 13, year 0
        return None


def in_month(field: str, value: str) -> Q:
    """Rows whose date `field` falls in month `value`; every row if it is no month."""
    first = parse_month(value)
    if first is None:
        return Q()
    within = Q(**{f"{field}__gte": first})
    if first.month < 12:
        within &= Q(**{f"{field}__lt": first.replace(month=first.month + 1)})
    elif first.year < datetime.MAXYEAR:
        within &= Q(**{f"{field}__lt": datetime.date(first.year + 1, 1, 1)})
    return within


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
