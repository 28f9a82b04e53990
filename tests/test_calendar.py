"""The editorial calendar (编辑日历): week and month, by news date and issue date."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article, make_column, make_digest, make_user
from wuxi_news.calendar import calendar_context

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2024, 12, 9)


def day(context, date) -> list:
    for week in context["weeks"]:
        for d in week:
            if d.date == date:
                return [(e.title, e.kind) for e in d.entries]
    raise AssertionError(f"{date} not shown")


@pytest.fixture
def week():
    news = make_column(name="巫溪要闻", slug="wxyw")
    other = make_column(name="乡镇动态")
    now = timezone.now()
    make_article(column=news, headline="周一已发布", news_on=MONDAY)
    make_article(
        column=news,
        headline="周二定时",
        news_on=MONDAY + datetime.timedelta(days=1),
        published_at=now + datetime.timedelta(days=3),
    )
    make_article(
        column=other,
        headline="周三审核中",
        news_on=MONDAY + datetime.timedelta(days=2),
        status=Article.Status.REVIEW,
        review_stage=Article.ReviewStage.SECOND,
        published_at=None,
    )
    make_article(
        column=news,
        headline="周四草稿",
        news_on=MONDAY + datetime.timedelta(days=3),
        status=Article.Status.DRAFT,
        published_at=None,
    )
    make_digest(
        column=news,
        issued_on=MONDAY + datetime.timedelta(days=6),
        week_starts_on=MONDAY,
        week_ends_on=MONDAY + datetime.timedelta(days=6),
    )
    return {"news": news, "other": other}


def test_the_week_shows_published_scheduled_in_review_and_digests(week):
    context = calendar_context({"date": "2024-12-11"})
    assert (context["start"], context["end"]) == (
        MONDAY,
        MONDAY + datetime.timedelta(days=6),
    )
    assert day(context, MONDAY) == [("周一已发布", "published")]
    assert day(context, MONDAY + datetime.timedelta(days=1)) == [
        ("周二定时", "scheduled")
    ]
    assert day(context, MONDAY + datetime.timedelta(days=2)) == [
        ("周三审核中", "review")
    ]
    assert day(context, MONDAY + datetime.timedelta(days=3)) == []  # drafts are not
    assert day(context, MONDAY + datetime.timedelta(days=6)) == [
        ("见“政”巫溪这一周", "digest")
    ]


def test_the_month_covers_whole_weeks(week):
    context = calendar_context({"view": "month", "date": "2024-12-15"})
    assert context["start"] == datetime.date(2024, 11, 25)
    assert context["end"] == datetime.date(2025, 1, 5)
    assert len(context["weeks"]) == 6
    assert day(context, MONDAY) == [("周一已发布", "published")]
    assert context["previous"] == datetime.date(2024, 11, 30)
    assert context["following"].month == 1


def test_filtering_by_column(week):
    context = calendar_context({"date": "2024-12-11", "column": str(week["other"].pk)})
    entries = [e.title for w in context["weeks"] for d in w for e in d.entries]
    assert entries == ["周三审核中"]


def test_bad_parameters_fall_back_to_this_week(week):
    context = calendar_context({"date": "2024-13-45", "view": "year", "column": "x"})
    assert context["view"] == "week"
    assert context["column"] is None
    assert context["start"] <= timezone.localdate() <= context["end"]


def test_the_page_costs_a_fixed_number_of_queries(
    client, week, django_assert_num_queries
):
    client.force_login(make_user(roles=["记者"]))
    url = reverse("admin:calendar") + "?view=month&date=2024-12-15"
    # session, user, 2 permission queries, the bell; columns, articles, digests.
    with django_assert_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200
    assert "周三审核中" in response.text and "2024年12月" in response.text
