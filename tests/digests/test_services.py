import datetime

import pytest
from django.core.exceptions import PermissionDenied

from articles.models import Article
from digests.models import WeeklyDigest
from digests.services import (
    check_digest,
    fill_digest,
    publish_digest,
    reorder_digest,
)
from tests.factories import (
    add_item,
    make_article,
    make_brief,
    make_column,
    make_draft_digest,
    make_user,
)

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2024, 12, 9)


def draft_digest(column, **overrides):
    return make_draft_digest(column, week_starts_on=MONDAY, **overrides)


def test_fill_adds_the_weeks_published_articles_in_date_order_once():
    column = make_column()
    wed = make_article(column=column, news_on=MONDAY + datetime.timedelta(days=2))
    mon = make_article(column=column, news_on=MONDAY)
    make_article(column=column, news_on=MONDAY - datetime.timedelta(days=1))
    make_article(column=column, news_on=MONDAY, status=Article.Status.DRAFT)
    make_article(column=make_column(), news_on=MONDAY)  # another column
    digest = draft_digest(column)
    assert [item.article for item in fill_digest(digest=digest)] == [mon, wed]
    later = make_article(column=column, news_on=MONDAY + datetime.timedelta(days=1))
    assert [item.article for item in fill_digest(digest=digest)] == [later]
    assert [item.article for item in digest.items.all()] == [mon, wed, later]
    assert fill_digest(digest=digest) == []


def test_reorder_sets_order_and_moves_the_lead_in_one_go():
    column = make_column()
    digest = draft_digest(column)
    first = add_item(digest, make_article(column=column, news_on=MONDAY), is_lead=True)
    second = add_item(digest, make_article(column=column, news_on=MONDAY))
    third = add_item(digest, make_article(column=column, news_on=MONDAY))
    reorder_digest(
        digest=digest, item_ids=[third.pk, first.pk, second.pk], lead_id=second.pk
    )
    items = list(digest.items.all())
    assert items == [third, first, second]
    assert [item.is_lead for item in items] == [False, False, True]


def test_reorder_refuses_a_partial_list_and_changes_nothing():
    column = make_column()
    digest = draft_digest(column)
    first = add_item(digest, make_article(column=column, news_on=MONDAY))
    add_item(digest, make_article(column=column, news_on=MONDAY))
    with pytest.raises(ValueError):
        reorder_digest(digest=digest, item_ids=[first.pk])
    assert list(digest.items.values_list("order", flat=True)) == [0, 1]


def test_check_names_empty_unpublished_and_out_of_week_articles():
    column = make_column()
    digest = draft_digest(column)
    assert check_digest(digest=digest).errors == [
        "本期没有收录任何稿件,不能发布。请先用“填入本周稿件”添加。"
    ]
    add_item(
        digest,
        make_article(column=column, headline="草稿", news_on=MONDAY, status="draft"),
    )
    add_item(
        digest,
        make_article(
            column=column,
            headline="上周的",
            news_on=MONDAY - datetime.timedelta(days=3),
        ),
    )
    check = check_digest(digest=digest)
    assert any("《草稿》尚未发布" in error for error in check.errors)
    assert check.warnings == [
        "《上周的》的新闻日期 2024-12-06 不在本期(2024-12-09 至 2024-12-15)内。"
    ]


def test_publish_needs_permission_and_confirmation_of_warnings():
    column = make_column()
    digest = draft_digest(column)
    add_item(
        digest, make_article(column=column, news_on=MONDAY - datetime.timedelta(days=1))
    )
    with pytest.raises(PermissionDenied):
        publish_digest(digest=digest, user=make_user(roles=["编辑"]))
    publisher = make_user(roles=["终审"])
    check = publish_digest(digest=digest, user=publisher)
    assert check.warnings and not check.errors
    digest.refresh_from_db()
    assert digest.status == WeeklyDigest.Status.DRAFT
    publish_digest(digest=digest, user=publisher, confirmed=True)
    digest.refresh_from_db()
    assert digest.is_published
    assert digest.updated_by == publisher


def test_a_brief_dated_outside_the_week_needs_confirmation_to_publish():
    column = make_column()
    digest = draft_digest(column)
    add_item(digest, make_article(column=column, news_on=MONDAY))
    make_brief(
        digest, happened_on=MONDAY + datetime.timedelta(days=7), text="县里开会。"
    )
    assert check_digest(digest=digest).warnings == [
        "一周简讯“16日,县里开会。”的日期 2024-12-16 不在本期"
        "(2024-12-09 至 2024-12-15)内。"
    ]
    publisher = make_user(roles=["终审"])
    check = publish_digest(digest=digest, user=publisher)
    assert check.warnings and not check.errors
    digest.refresh_from_db()
    assert digest.status == WeeklyDigest.Status.DRAFT
    publish_digest(digest=digest, user=publisher, confirmed=True)
    digest.refresh_from_db()
    assert digest.is_published
