import datetime

import pytest
from django.utils import timezone

from articles.models import Article
from tests import pages
from tests.factories import (
    add_item,
    make_appointment,
    make_article,
    make_digest,
    make_person,
    make_position,
)

pytestmark = pytest.mark.django_db


def test_official_page_shows_titles_now_and_before(client):
    person = make_person(name="王中")
    today = timezone.localdate()
    make_appointment(
        person=person,
        position=make_position(title="县长", rank=20),
        started_on=today - datetime.timedelta(days=100),
    )
    make_appointment(
        person=person,
        position=make_position(title="副县长", rank=40),
        started_on=today - datetime.timedelta(days=900),
        ended_on=today - datetime.timedelta(days=101),
    )
    soup = pages.soup(client.get(person.get_absolute_url()))
    assert soup.h1.get_text() == "王中"
    lists = soup.select("ul.appointments")
    assert "县长" in lists[0].get_text() and "副县长" not in lists[0].get_text()
    assert "副县长" in lists[1].get_text()
    assert soup.select_one(".titles").get_text() == "县长"


def test_official_page_lists_only_published_articles_newest_first(client):
    person = make_appointment().person
    old = make_article(officials=[person], news_on=datetime.date(2024, 12, 1))
    new = make_article(officials=[person], news_on=datetime.date(2024, 12, 9))
    make_article(officials=[person], status="draft", headline="草稿稿件")
    make_article(officials=[person], status="review", headline="待审稿件")
    make_article(
        officials=[person],
        headline="定时稿件",
        published_at=timezone.now() + datetime.timedelta(hours=3),
    )
    make_article(headline="无关稿件")
    soup = pages.soup(client.get(person.get_absolute_url()))
    links = [a["href"] for a in soup.select(".article-list a")]
    assert links == [new.get_absolute_url(), old.get_absolute_url()]
    for hidden in ("草稿稿件", "待审稿件", "定时稿件", "无关稿件"):
        assert hidden not in soup.get_text()


def test_people_without_appointments_have_no_page(client):
    assert client.get(make_person().get_absolute_url()).status_code == 404


def test_official_page_costs_a_fixed_number_of_queries(
    client, django_assert_num_queries
):
    few = make_appointment().person
    make_article(officials=[few])
    many = make_appointment().person
    for _ in range(4):
        make_appointment(person=many)
    for _ in range(30):
        make_article(officials=[many])
    digest = make_digest()
    for article in Article.objects.concerning(many)[:3]:
        add_item(digest, article)
    # The person, appointments, article count, a page of articles, digest stories.
    with django_assert_num_queries(5):
        pages.soup(client.get(few.get_absolute_url()))
    with django_assert_num_queries(5):
        soup = pages.soup(client.get(many.get_absolute_url()))
    assert len(soup.select("#digest-stories + ul li")) == 3


def test_official_page_lists_articles_and_digest_stories_by_date(client):
    official = make_appointment(person=make_person(name="王中")).person
    today = timezone.localdate()
    older = make_article(
        headline="王中到大河乡调研",
        officials=[official],
        news_on=today - datetime.timedelta(days=8),
    )
    newer = make_article(headline="王中主持召开常务会议", officials=[official])
    make_article(headline="别人的稿件")
    hidden = make_article(headline="王中未公开稿", officials=[official], status="draft")
    digest = make_digest(title="见“政”巫溪这一周")
    add_item(digest, older)
    draft_digest = make_digest(
        title="草稿周报",
        status="draft",
        published_at=None,
        issued_on=digest.issued_on - datetime.timedelta(days=7),
        week_starts_on=digest.week_starts_on - datetime.timedelta(days=7),
        week_ends_on=digest.week_ends_on - datetime.timedelta(days=7),
    )
    add_item(draft_digest, newer)
    soup = pages.soup(client.get(official.get_absolute_url()))
    related = [a.get_text() for a in soup.select("#related + ul a")]
    assert related == [newer.headline, older.headline]
    stories = [
        li.get_text(" ", strip=True) for li in soup.select("#digest-stories + ul li")
    ]
    assert len(stories) == 1
    assert "见“政”巫溪这一周" in stories[0] and older.headline in stories[0]
    assert hidden.headline not in soup.get_text()
