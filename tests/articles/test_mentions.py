"""Officials linked from an article's text: first mention only, never a namesake."""

import pytest

from articles.mentions import link_first_mentions
from people.models import Person
from tests import pages
from tests.factories import make_appointment, make_article, make_person

pytestmark = pytest.mark.django_db


def official(name: str, **overrides) -> Person:
    return make_appointment(person=make_person(name=name, **overrides)).person


def links(soup) -> list[tuple[str, str]]:
    return [(a.get_text(), a["href"]) for a in soup.select(".body a.official")]


def test_first_mention_in_the_text_links_to_the_official(client):
    wang = official("王中")
    article = make_article(
        headline="王中到大河乡调研",
        body="<p>县委副书记、县长王中到大河乡调研。</p><p>王中强调,要抓好落实。</p>",
        officials=[wang],
    )
    soup = pages.soup(client.get(article.get_absolute_url()))
    assert links(soup) == [("王中", wang.get_absolute_url())]
    assert "县长<a" in str(soup.select_one(".body p"))
    assert not soup.select("h1 a")  # never inside the headline
    listed = soup.select("#officials-heading + ul a")
    assert [(a.get_text(), a["href"]) for a in listed] == [
        ("王中", wang.get_absolute_url())
    ]


def test_namesakes_marked_in_the_register_are_not_linked(client):
    chen = official("陈钢", has_namesakes=True)
    article = make_article(body="<p>村民陈钢说,路修好了。</p>", officials=[chen])
    soup = pages.soup(client.get(article.get_absolute_url()))
    assert links(soup) == []
    # Still listed under 涉及领导: the editor said the article is about him.
    assert soup.select_one("#officials-heading + ul a").get_text() == "陈钢"


def test_two_registered_officials_of_one_name_are_not_linked(client):
    first, second = official("张伟"), official("张伟")
    article = make_article(body="<p>张伟参加活动。</p>", officials=[first])
    assert links(pages.soup(client.get(article.get_absolute_url()))) == []
    assert (
        second.get_absolute_url()
        not in client.get(article.get_absolute_url()).content.decode()
    )


def test_only_the_articles_officials_are_linked(client):
    official("林永")
    article = make_article(body="<p>县领导林永参加。</p>")
    assert links(pages.soup(client.get(article.get_absolute_url()))) == []


def test_private_citizens_are_not_linked(client):
    citizen = make_person(name="邹启凡")  # no appointment: no page
    article = make_article(body="<p>监测户邹启凡说。</p>", officials=[citizen])
    soup = pages.soup(client.get(article.get_absolute_url()))
    assert links(soup) == []
    assert not soup.select("#officials-heading")


def test_linking_skips_existing_links_and_tags():
    person = make_appointment(person=make_person(name="王中")).person
    person = Person.objects.with_namesake_flag().get(pk=person.pk)
    blocks = [
        '<p><a href="/x/">王中讲话</a></p>',
        '<p title="王中"><strong>王中</strong>主持。王中又说。</p>',
    ]
    assert link_first_mentions(blocks, [person]) == [
        blocks[0],
        f'<p title="王中"><strong><a class="official" href="/people/{person.pk}/">'
        "王中</a></strong>主持。王中又说。</p>",
    ]


def test_a_longer_name_is_not_taken_for_a_shorter_one():
    short = make_appointment(person=make_person(name="王中")).person
    long = make_appointment(person=make_person(name="王中华")).person
    people = list(
        Person.objects.with_namesake_flag().filter(pk__in=[short.pk, long.pk])
    )
    [html] = link_first_mentions(["<p>王中华和王中</p>"], people)
    assert html == (
        f'<p><a class="official" href="/people/{long.pk}/">王中华</a>和'
        f'<a class="official" href="/people/{short.pk}/">王中</a></p>'
    )
