import datetime

import pytest
from django.utils import timezone

from articles.models import Article
from tests import pages
from tests.factories import (
    add_item,
    make_article,
    make_brief,
    make_column,
    make_digest,
    make_photo,
    place_photo,
)

pytestmark = pytest.mark.django_db

DAYS = ["12月10日", "12月11日", "12月12日", "12月13日"]


def test_digest_page_reads_in_the_reference_order(client, reference_digest):
    soup = pages.soup(client.get(reference_digest.get_absolute_url()))
    main = soup.find("main")
    # Every landmark as a reader meets it, in document order.
    sequence = []
    for element in main.find_all(["nav", "h1", "p", "h2", "h3", "figcaption", "aside"]):
        text = " ".join(element.get_text().split())
        if element.name == "nav" and "breadcrumb" in element.get("class", []):
            sequence.append(("breadcrumb", text))
        elif element.name in ("h1", "h2", "h3"):
            sequence.append((element.name, text))
        elif element.name == "figcaption":
            sequence.append(("caption", text))
        elif element.name == "aside":
            sequence.append(("qr", text))
        elif text.startswith("日期:") or text.startswith(">>"):
            sequence.append(("line", text))
    assert sequence[0] == ("breadcrumb", "您当前的位置:首页>巫溪要闻")
    assert sequence[1] == ("h1", "见“政”巫溪这一周")
    assert sequence[2] == ("line", "日期:2024-12-15")
    assert sequence[3] == ("h2", "巫溪县召开2025年社会民生及安全稳定调研座谈会")
    headings = [text for kind, text in sequence if kind == "h2"]
    assert headings[1:] == [*DAYS, "一周简讯"]
    # Stories sit under their day, in order.
    day_of_story = {}
    current = None
    for kind, text in sequence:
        if kind == "h2":
            current = text
        elif kind == "h3":
            day_of_story[text] = current
    assert (
        day_of_story["王中主持召开巫溪县第十八届人民政府第103次常务会议"] == "12月10日"
    )
    assert day_of_story["李卫东主持召开2024年县委书记办公会第13次会议"] == "12月11日"
    assert len(day_of_story) == 11  # twelve stories, the first one the lead
    captions = [text for kind, text in sequence if kind == "caption"]
    assert len(captions) == 14
    assert (
        "12月10日,全县2025年社会民生及安全稳定调研座谈会召开。记者 吴丹/摄" in captions
    )
    assert "巫溪县2024年度财政决算工作会议召开 周超/摄" in captions
    assert sum(caption.endswith("/摄") for caption in captions) == 11
    briefs = [
        text for kind, text in sequence if kind == "line" and text.startswith(">>")
    ]
    assert briefs and briefs[0].startswith(">>12日,")
    assert sequence[-1] == ("qr", "扫一扫在手机打开当前页")
    # The brief comes after the last day, the QR block after the brief.
    kinds = [kind for kind, _ in sequence]
    assert kinds.index("qr") > max(i for i, k in enumerate(kinds) if k == "line")


def test_digest_qr_code_decodes_to_the_page_url(client, reference_digest):
    soup = pages.soup(client.get(reference_digest.get_absolute_url()))
    svg = soup.select_one(".qr-block svg")
    assert (
        pages.decode_svg(svg)
        == "http://testserver" + reference_digest.get_absolute_url()
    )
    assert soup.find("link", rel="canonical")["href"] == pages.decode_svg(svg)


def test_digest_photos_have_alt_text_and_the_credit_marked(client, reference_digest):
    soup = pages.soup(client.get(reference_digest.get_absolute_url()))
    figures = soup.select("main figure.photo")
    assert len(figures) == 14
    for figure in figures:
        image = figure.select_one("img, [role=img]")
        label = image.get("alt") or image.get("aria-label")
        assert label and label in figure.figcaption.get_text()
        credit = figure.select_one(".credit")
        assert credit is None or credit.get_text().endswith("/摄")


def test_caption_after_closing_punctuation_has_no_space_before_the_credit(client):
    article = make_article()
    place_photo(article, make_photo(caption="会议现场。", credit_name="吴丹"))
    place_photo(
        article, make_photo(caption="会议现场", credit_name="周超", credit_role="")
    )
    digest = make_digest(column=article.column)
    add_item(digest, article, is_lead=True)
    soup = pages.soup(client.get(digest.get_absolute_url()))
    captions = [f.get_text() for f in soup.select("figcaption")]
    assert captions == ["会议现场。记者 吴丹/摄", "会议现场 周超/摄"]


def _week(column, *, stories: int, photos_per_story: int = 1) -> object:
    monday = datetime.date(2024, 12, 9)
    digest = make_digest(
        column=column,
        issued_on=monday + datetime.timedelta(days=6),
        week_starts_on=monday,
        week_ends_on=monday + datetime.timedelta(days=6),
    )
    for n in range(stories):
        article = make_article(
            column=column, news_on=monday + datetime.timedelta(n % 4)
        )
        for _ in range(photos_per_story):
            place_photo(article)
        add_item(digest, article, is_lead=n == 0)
    make_brief(digest)
    return digest


def test_digest_page_costs_the_same_queries_for_a_week_twice_as_large(
    client, reference_digest, django_assert_num_queries, settings
):
    """Rendered on the request, as the baker renders it (tests/publishing)."""
    larger = _week(make_column(), stories=24, photos_per_story=2)
    # the digest, its items with their articles, their photos, the briefs, and the
    # officials the stories are about with who is about which (linked mentions)
    with django_assert_num_queries(6):
        pages.soup(client.get(reference_digest.get_absolute_url()))
    with django_assert_num_queries(6):
        soup = pages.soup(client.get(larger.get_absolute_url()))
    assert len(soup.select("figure.photo")) == 48


@pytest.mark.parametrize(
    "change",
    [
        {"status": Article.Status.DRAFT},
        {"status": Article.Status.REVIEW},
        {"published_at": "future"},
    ],
    ids=["draft", "in-review", "scheduled"],
)
def test_published_digest_leaves_out_an_article_that_is_not_public(
    client, change, admin_client
):
    column = make_column()
    public = make_article(
        column=column, headline="公开的稿件", body="<p>公开正文。</p>"
    )
    if change.get("published_at") == "future":
        change = {"published_at": timezone.now() + datetime.timedelta(days=1)}
    hidden = make_article(
        column=column, headline="未公开的稿件", body="<p>保密正文。</p>", **change
    )
    place_photo(hidden, make_photo(caption="未公开的图片。"))
    digest = make_digest(column=column)
    add_item(digest, hidden, is_lead=True)
    add_item(digest, public)
    html = client.get(digest.get_absolute_url()).content.decode()
    assert "公开的稿件" in html
    for secret in (
        "未公开的稿件",
        "保密正文",
        "未公开的图片",
        f"/articles/{hidden.pk}/",
    ):
        assert secret not in html
    # Staff preview the whole digest, the unpublished story included.
    assert "保密正文" in admin_client.get(digest.get_absolute_url()).content.decode()


def test_a_day_left_with_no_public_story_loses_its_heading(client):
    column = make_column()
    digest = make_digest(column=column)
    lead = make_article(column=column, news_on=digest.week_starts_on)
    draft = make_article(
        column=column,
        news_on=digest.week_starts_on + datetime.timedelta(days=1),
        status=Article.Status.DRAFT,
    )
    add_item(digest, lead, is_lead=True)
    add_item(digest, draft)
    soup = pages.soup(client.get(digest.get_absolute_url()))
    assert not soup.select(".day-heading")


@pytest.mark.parametrize("status", ["draft", "review"])
def test_unpublished_digest_is_404_to_the_public_and_visible_to_staff(
    client, admin_client, status
):
    digest = make_digest(status=status)
    assert client.get(digest.get_absolute_url()).status_code == 404
    response = admin_client.get(digest.get_absolute_url())
    assert response.status_code == 200
    assert "预览" in response.content.decode()


def test_scheduled_digest_is_404_until_its_time(client):
    digest = make_digest(published_at=timezone.now() + datetime.timedelta(hours=2))
    assert client.get(digest.get_absolute_url()).status_code == 404


def test_digest_page_carries_the_government_meta_tags(client, reference_digest):
    soup = pages.soup(client.get(reference_digest.get_absolute_url()))
    meta = {
        m.get("name"): m.get("content") for m in soup.find_all("meta") if m.get("name")
    }
    assert meta["ColumnName"] == "巫溪要闻"
    assert meta["ArticleTitle"] == "见“政”巫溪这一周"
    assert meta["PubDate"] == "2024-12-15 00:00"
    assert soup.find("meta", property="og:url")["content"].endswith(
        reference_digest.get_absolute_url()
    )


def test_printed_digest_pages_carry_the_digest_date_in_the_margin(
    client, reference_digest
):
    head = pages.soup(client.get(reference_digest.get_absolute_url())).head
    style = head.find("style", media="print").get_text()
    assert '@top-right { content: "日期:2024-12-15"; }' in style


def test_a_story_links_the_first_mention_of_the_officials_its_article_is_about(client):
    from tests.factories import make_appointment, make_person

    official = make_appointment(person=make_person(name="王中"))
    column = make_column()
    article = make_article(
        column=column,
        body="<p>王中到大河乡调研。</p><p>王中强调,要抓好落实。</p>",
        officials=[official.person],
    )
    digest = make_digest(column=column)
    add_item(digest, article, is_lead=True)
    story = pages.soup(client.get(digest.get_absolute_url())).select_one(".lead-story")
    links = [
        a
        for a in story.find_all("a")
        if a["href"] == official.person.get_absolute_url()
    ]
    assert [a.get_text() for a in links] == ["王中"]  # the first mention only
    assert "王中强调" in story.get_text()
