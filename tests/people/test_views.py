import datetime

import pytest
from django.utils import timezone

from tests import pages
from tests.factories import (
    make_appointment,
    make_article,
    make_person,
    make_position,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]


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
    with django_assert_num_queries(4):
        pages.soup(client.get(few.get_absolute_url()))
    with django_assert_num_queries(4):
        pages.soup(client.get(many.get_absolute_url()))
