import re

from django.db import transaction
from pypinyin import Style, lazy_pinyin

from .models import Column


def column_slug(name: str) -> str:
    """An ASCII slug from a Chinese column name: its pinyin initials (巫溪要闻 → wxyw)."""
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore"))
    slug = re.sub(r"[^a-z0-9]+", "-", initials.lower()).strip("-")
    return slug or "column"


@transaction.atomic
def ensure_column_path(*, names: list[str]) -> Column:
    """The column at the end of a breadcrumb trail, creating missing ones under their parent."""
    parent = None
    column = None
    for name in names:
        column = Column.objects.filter(name=name).first()
        if column is None:
            base = column_slug(name)
            slug, suffix = base, 2
            while Column.objects.filter(slug=slug).exists():
                slug, suffix = f"{base}-{suffix}", suffix + 1
            column = Column(name=name, slug=slug, parent=parent)
            column.full_clean()
            column.save()
        parent = column
    if column is None:
        raise ValueError("a column path needs at least one name")
    return column
