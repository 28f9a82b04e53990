"""Site search `/search/?q=`: published articles and digests, Chinese substrings."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article, make_brief, make_column, make_digest

pytestmark = pytest.mark.django_db

SEARCH = "/search/"


def search(client, **params):
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    return response


def titles(response) -> list[str]:
    return [result["entry_title"] for result in response.context["results"]]


def test_search_is_routed_at_its_stable_address():
    assert reverse("search") == SEARCH


def test_finds_a_chinese_substring_in_headlines_and_text(client):
    in_headline = make_article(headline="凤凰水城建设提速")
    in_body = make_article(headline="城市建设", body="<p>加快建设凤凰水城示范区。</p>")
    make_article(headline="凤凰镇新闻", body="<p>水城在别处。</p>")
    response = search(client, q="凤凰水城")
    assert set(titles(response)) == {in_headline.headline, in_body.headline}
    assert response.context["paginator"].count == 2
    assert "共找到 2 条结果" in response.content.decode()


def test_finds_published_items_only(client):
    make_article(
        headline="凤凰水城草稿", status=Article.Status.DRAFT, published_at=None
    )
    make_article(
        headline="凤凰水城定时",
        published_at=timezone.now() + datetime.timedelta(days=1),
    )
    make_digest(title="凤凰水城每周要闻草稿", status="draft", published_at=None)
    assert titles(search(client, q="凤凰水城")) == []


def test_finds_digests_by_title_and_briefs(client):
    by_title = make_digest(title="见“政”巫溪这一周")
    by_brief = make_digest(
        issued_on=by_title.issued_on - datetime.timedelta(days=7),
        week_starts_on=by_title.week_starts_on - datetime.timedelta(days=7),
        week_ends_on=by_title.week_ends_on - datetime.timedelta(days=7),
        title="每周要闻",
    )
    make_brief(by_brief, text="县政府召开巫溪这一周工作会。")
    response = search(client, q="巫溪这一周")
    assert titles(response) == [by_title.title, by_brief.title]
    assert "县政府召开<mark>巫溪这一周</mark>工作会。" in response.content.decode()


def test_newest_first_or_by_relevance(client):
    today = timezone.localdate()
    older_headline = make_article(
        headline="脱贫攻坚成果", news_on=today - datetime.timedelta(days=9)
    )
    newer_text = make_article(headline="乡村新闻", body="<p>巩固脱贫攻坚成果。</p>")
    assert titles(search(client, q="脱贫攻坚")) == [
        newer_text.headline,
        older_headline.headline,
    ]
    assert titles(search(client, q="脱贫攻坚", order="relevance")) == [
        older_headline.headline,
        newer_text.headline,
    ]


def test_filters_by_column_and_month(client):
    wxyw, other = make_column(slug="wxyw"), make_column(slug="other")
    today = timezone.localdate()
    first_of_month = today.replace(day=1)
    last_month = first_of_month - datetime.timedelta(days=1)
    kept = make_article(headline="项目建设现场会", column=wxyw, news_on=today)
    make_article(headline="项目建设推进会", column=other, news_on=today)
    make_article(headline="项目建设调度会", column=wxyw, news_on=last_month)
    response = search(
        client, q="项目建设", column="wxyw", month=today.strftime("%Y-%m")
    )
    assert titles(response) == [kept.headline]
    assert 'value="wxyw" selected' in response.content.decode()


def test_two_characters_search_headlines_only_and_one_is_refused(client):
    make_article(headline="王中调研", body="<p>内容。</p>")
    make_article(headline="调研", body="<p>王中说。</p>")
    response = search(client, q="王中")
    assert titles(response) == ["王中调研"]
    assert "两个字只检索标题" in response.content.decode()
    response = search(client, q="王")
    assert titles(response) == []
    assert "请至少输入 2 个字" in response.content.decode()


def test_matches_are_highlighted_and_the_query_is_escaped(client):
    make_article(headline="<b>凤凰水城</b> & 项目", body="<p>推进凤凰水城建设。</p>")
    body = search(client, q="凤凰水城").content.decode()
    assert "&lt;b&gt;<mark>凤凰水城</mark>&lt;/b&gt; &amp; 项目" in body
    assert "推进<mark>凤凰水城</mark>建设。" in body
    hostile = '"><script>alert(1)</script>'
    make_article(headline=f"标题{hostile}")
    body = search(client, q=hostile).content.decode()
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_highlighting_ignores_letter_case(client):
    make_article(headline="巫溪APP上线")
    body = search(client, q="app").content.decode()
    assert "巫溪<mark>APP</mark>上线" in body


def test_results_have_page_numbers(client):
    for n in range(23):
        make_article(headline=f"森林防火第{n}期")
    response = search(client, q="森林防火")
    assert response.context["paginator"].count == 23
    assert len(titles(response)) == 20
    body = response.content.decode()
    assert "q=%E6%A3%AE%E6%9E%97%E9%98%B2%E7%81%AB&amp;page=2" in body
    assert len(titles(search(client, q="森林防火", page=2))) == 3


def test_search_pages_may_be_kept_briefly_by_a_front_cache(client):
    response = search(client, q="凤凰水城")
    assert "public" in response["Cache-Control"]
    assert "max-age=60" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_search_costs_a_fixed_number_of_queries(client, django_assert_num_queries):
    digest = make_digest(title="凤凰水城周报")
    make_brief(digest, text="凤凰水城简讯。")
    for n in range(5):
        make_article(headline=f"凤凰水城{n}")
    # count, page of results, article texts, digest briefs, columns of the form
    with django_assert_num_queries(5):
        search(client, q="凤凰水城")
    with django_assert_num_queries(1):  # the columns of the form
        search(client)


def test_search_without_words_lists_nothing(client):
    make_article(headline="任意稿件")
    response = search(client)
    assert "results" in response.context
    assert titles(response) == []
    assert "共找到" not in response.content.decode()


def test_two_latin_letters_still_ignore_case(client):
    make_article(headline="巫溪App上线")
    assert titles(search(client, q="AP")) == ["巫溪App上线"]
