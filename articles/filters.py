"""Month parsing shared by the column page's and the site search's filters (wuxi_news)."""

import datetime
import re

from django.db.models import Q

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
