import datetime
import io
from xml.etree import ElementTree

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from articles.models import Article
from tests import pages
from tests.factories import (
    add_item,
    make_appointment,
    make_article,
    make_column,
    make_digest,
    make_photo,
    make_user,
    place_photo,
)

pytestmark = pytest.mark.django_db


def _column_url(column, **query):
    url = reverse("column", kwargs={"slug": column.slug})
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


# Article page


def test_article_page_shows_the_reference_layout(client):
    column = make_column(name="巫溪要闻", slug="wxyw")
    article = make_article(
        column=column,
        headline="王中到大河乡调研",
        news_on=datetime.date(2024, 12, 12),
        body="<p>第一段。</p><p>第二段。</p>",
        reporters="记者 吴丹",
        responsible_editor="张三",
    )
    place_photo(article, make_photo(caption="调研现场。"), after_paragraph=1)
    soup = pages.soup(client.get(article.get_absolute_url()))
    main = soup.find("main")
    crumb = main.select_one("nav.breadcrumb")
    assert pages.text(crumb) == "您当前的位置:首页>巫溪要闻"
    assert [a["href"] for a in crumb.find_all("a")] == ["/", "/column/wxyw/"]
    assert len(soup.find_all("h1")) == 1
    assert pages.text(main.h1) == "王中到大河乡调研"
    meta = pages.text(main.select_one("p.meta"))
    assert meta.startswith("日期:2024-12-12")
    assert "来源:巫溪县融媒体中心" in meta and "记者 吴丹" in meta
    body = [child for child in main.select_one(".body").children if child.name]
    assert [c.name for c in body] == ["p", "figure", "p"]
    assert pages.text(body[1].figcaption) == "调研现场。记者 吴丹/摄"
    assert pages.text(main.select_one(".editor")) == "责任编辑:张三"
    assert pages.text(main.select_one(".qr-block p")) == "扫一扫在手机打开当前页"
    assert pages.decode_svg(main.select_one(".qr-block svg")) == (
        "http://testserver" + article.get_absolute_url()
    )


def test_article_page_government_meta_tags(client):
    article = make_article(
        reporters="记者 吴丹",
        published_at=datetime.datetime(2024, 12, 12, 1, 30, tzinfo=datetime.UTC),
    )
    soup = pages.soup(client.get(article.get_absolute_url()))
    meta = {
        m.get("name"): m.get("content") for m in soup.find_all("meta") if m.get("name")
    }
    assert meta["ArticleTitle"] == article.headline
    assert meta["PubDate"] == "2024-12-12 09:30"  # Beijing time
    assert meta["ContentSource"] == "巫溪县融媒体中心"
    assert meta["Author"] == "记者 吴丹"
    assert meta["ColumnName"] == article.column.name
    assert meta["description"] == "第一段。"
    assert soup.find("meta", property="og:title")["content"] == article.headline
    assert soup.find("link", rel="canonical")["href"] == (
        "http://testserver" + article.get_absolute_url()
    )


def test_article_page_prefers_the_review_line_when_there_is_one(client, monkeypatch):
    article = make_article(responsible_editor="张三")
    monkeypatch.setattr(
        Article, "review_line", "责任编辑:张三 审核:李四 终审:王五", raising=False
    )
    soup = pages.soup(client.get(article.get_absolute_url()))
    assert pages.text(soup.select_one(".editor")) == "责任编辑:张三 审核:李四 终审:王五"


def test_previous_and_next_skip_articles_that_are_not_public(client):
    column = make_column()
    day = datetime.date(2024, 12, 10)
    older = make_article(column=column, news_on=day - datetime.timedelta(days=2))
    make_article(
        column=column, news_on=day - datetime.timedelta(days=1), status="draft"
    )
    current = make_article(column=column, news_on=day)
    make_article(
        column=column,
        news_on=day + datetime.timedelta(days=1),
        published_at=timezone.now() + datetime.timedelta(days=1),
    )
    newer = make_article(column=column, news_on=day + datetime.timedelta(days=2))
    make_article(news_on=day + datetime.timedelta(days=1))  # another column
    soup = pages.soup(client.get(current.get_absolute_url()))
    links = soup.select(".prev-next a")
    assert [a["href"] for a in links] == [
        older.get_absolute_url(),
        newer.get_absolute_url(),
    ]


@pytest.mark.parametrize(
    "overrides",
    [
        {"status": "draft"},
        {"status": "review"},
        {"published_at": "future"},
        {"published_at": None, "status": "published"},
    ],
    ids=["draft", "in-review", "scheduled", "published-without-time"],
)
def test_unpublished_article_is_404_to_the_public_and_previewed_by_staff(
    client, admin_client, overrides
):
    if overrides.get("published_at") == "future":
        overrides = {"published_at": timezone.now() + datetime.timedelta(hours=1)}
    article = make_article(**overrides)
    assert client.get(article.get_absolute_url()).status_code == 404
    response = admin_client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "预览" in response.content.decode()


def test_article_page_costs_a_fixed_number_of_queries(
    client, django_assert_num_queries
):
    column = make_column()
    small = make_article(column=column)
    place_photo(small)
    large = make_article(
        column=column, body="".join(f"<p>第{n}段。</p>" for n in range(30))
    )
    for n in range(12):
        place_photo(large, after_paragraph=n)
    small.officials.set([make_appointment().person])
    large.officials.set([make_appointment().person for _ in range(3)])
    # The article with its column, its photos, its officials with their appointments,
    # the review trail, previous and next.
    with django_assert_num_queries(7):
        pages.soup(client.get(small.get_absolute_url()))
    with django_assert_num_queries(7):
        soup = pages.soup(client.get(large.get_absolute_url()))
    assert len(soup.select("figure.photo")) == 12
    assert len(soup.select("#officials-heading + ul li")) == 3


def test_photos_without_alt_text_use_the_caption(client):
    article = make_article()
    place_photo(article, make_photo(caption="会议现场。", alt_text=""))
    soup = pages.soup(client.get(article.get_absolute_url()))
    assert soup.select_one("figure [role=img]")["aria-label"] == "会议现场。"


# Column page


def test_column_lists_articles_and_digests_newest_first_with_dates(client):
    column = make_column()
    old = make_article(column=column, news_on=datetime.date(2024, 11, 1))
    new = make_article(column=column, news_on=datetime.date(2024, 12, 20))
    digest = make_digest(
        column=column,
        issued_on=datetime.date(2024, 12, 15),
        week_starts_on=datetime.date(2024, 12, 9),
        week_ends_on=datetime.date(2024, 12, 15),
    )
    soup = pages.soup(client.get(_column_url(column)))
    items = soup.select(".article-list li")
    assert [li.a["href"] for li in items] == [
        new.get_absolute_url(),
        digest.get_absolute_url(),
        old.get_absolute_url(),
    ]
    assert [li.time.get_text() for li in items] == [
        "2024-12-20",
        "2024-12-15",
        "2024-11-01",
    ]


def test_column_is_paginated_with_page_numbers(client):
    column = make_column()
    for n in range(45):
        make_article(
            column=column, news_on=datetime.date(2024, 1, 1) + datetime.timedelta(n)
        )
    soup = pages.soup(client.get(column.page_url(2)))
    assert column.page_url(2) == f"/column/{column.slug}/page/2/"
    assert len(soup.select(".article-list li")) == 20
    numbers = [
        pages.text(a) for a in soup.select(".pagination a, .pagination .current")
    ]
    assert "第1页" in numbers and "2" in numbers and "第3页" in numbers
    assert soup.select_one(".pagination [aria-current=page]").get_text() == "2"
    assert soup.find("link", rel="canonical")["href"].endswith("/page/2/")
    assert soup.title.get_text().startswith(f"{column.name}(第2页) - ")
    links = {pages.text(a): a["href"] for a in soup.select(".pagination a")}
    assert links["第1页"] == column.get_absolute_url()
    assert links["第3页"] == links["下一页"] == column.page_url(3)


@pytest.mark.parametrize(
    ("query", "page"),
    [("?page=2", 2), ("?page=1", 1), ("?page=abc", 1), ("?page=" + "9" * 5000, 1),
     ("page/1/", 1), ("?utm=x&page=3", 3)],
)  # fmt: skip
def test_column_old_page_addresses_redirect_to_the_page_path(client, query, page):
    column = make_column()
    make_article(column=column)  # an empty column has no pages
    response = client.get(column.get_absolute_url() + query)
    assert response.status_code == 301
    assert response["Location"] == column.page_url(page)


def test_filtered_column_pages_by_query_string(client):
    column = make_column()
    for n in range(25):
        make_article(
            column=column,
            headline=f"大河乡{n}",
            news_on=datetime.date(2024, 1, 1) + datetime.timedelta(n),
        )
    response = client.get(_column_url(column, q="大河乡", page=2, utm="x"))
    assert response.status_code == 200
    soup = pages.soup(response)
    assert len(soup.select(".article-list li")) == 5
    links = {pages.text(a): a["href"] for a in soup.select(".pagination a")}
    assert links["上一页"] == "?q=%E5%A4%A7%E6%B2%B3%E4%B9%A1"  # no utm, no page


def test_column_filters_by_month(client):
    column = make_column()
    december = make_article(column=column, news_on=datetime.date(2024, 12, 3))
    make_article(column=column, news_on=datetime.date(2024, 11, 30))
    soup = pages.soup(client.get(_column_url(column, month="2024-12")))
    assert [li.a["href"] for li in soup.select(".article-list li")] == [
        december.get_absolute_url()
    ]
    options = [o["value"] for o in soup.select("#filter-month option")]
    assert options == ["", "2024-12", "2024-11"]
    assert soup.select_one("#filter-month option[selected]")["value"] == "2024-12"


def test_column_filters_by_official(client):
    column = make_column()
    official = make_appointment().person
    theirs = make_article(column=column, officials=[official])
    make_article(column=column)
    digest = make_digest(column=column)
    add_item(digest, theirs)
    make_digest(column=column, issued_on=digest.issued_on - datetime.timedelta(days=7))
    soup = pages.soup(client.get(_column_url(column, official=official.pk)))
    assert {li.a["href"] for li in soup.select(".article-list li")} == {
        theirs.get_absolute_url(),
        digest.get_absolute_url(),
    }
    assert [o.get_text() for o in soup.select("#filter-official option")][1:] == [
        official.name
    ]


def test_column_month_of_december_9999_is_a_month_like_any_other(client):
    column = make_column()
    make_article(column=column, news_on=datetime.date(2024, 12, 3))
    response = client.get(_column_url(column, month="9999-12"))
    assert response.status_code == 200
    assert "共找到 0 条" in response.content.decode()


@pytest.mark.parametrize(
    "page", ["abc", "0", "-1", "2", "99999999999999999999", "9" * 5000]
)
def test_column_page_number_out_of_range_is_404_like_django_paginators(client, page):
    column = make_column()
    make_article(column=column)
    url = f"{column.get_absolute_url()}page/{page}/"
    assert client.get(url).status_code == 404


def test_column_search_matches_chinese_substrings_in_headline_and_text(client):
    column = make_column()
    by_headline = make_article(column=column, headline="王中到大河乡调研")
    by_body = make_article(column=column, body="<p>听取大河乡工作汇报。</p>")
    make_article(column=column, headline="县政协召开会议")
    make_article(headline="大河乡另一栏目")
    soup = pages.soup(client.get(_column_url(column, q="大河乡")))
    assert {li.a["href"] for li in soup.select(".article-list li")} == {
        by_headline.get_absolute_url(),
        by_body.get_absolute_url(),
    }
    assert soup.select_one("#filter-q")["value"] == "大河乡"
    assert "共找到 2 条" in soup.get_text()


@pytest.mark.parametrize(
    "query",
    ["official=abc", "official=999999", "month=2024-13", "month=x", "q=",
     "month=99999999999999999999-1", "month=0000-01",
     "official=99999999999999999999", "official=-1"],
)  # fmt: skip
def test_column_ignores_filter_values_it_cannot_use(client, query):
    column = make_column()
    article = make_article(column=column)
    soup = pages.soup(client.get(f"{_column_url(column)}?{query}"))
    assert soup.select_one(".article-list a")["href"] == article.get_absolute_url()


def test_column_page_costs_a_fixed_number_of_queries(client, django_assert_num_queries):
    small, large = make_column(), make_column()
    make_article(column=small)
    official = make_appointment().person
    for n in range(60):
        make_article(
            column=large,
            news_on=datetime.date(2024, 1, 1) + datetime.timedelta(days=n),
            officials=[official],
        )
        if n % 10 == 0:
            make_digest(
                column=large,
                issued_on=datetime.date(2024, 1, 1) + datetime.timedelta(days=n),
                week_starts_on=datetime.date(2024, 1, 1) + datetime.timedelta(days=n),
                week_ends_on=datetime.date(2024, 1, 1) + datetime.timedelta(days=n),
            )
    with django_assert_num_queries(6):
        pages.soup(client.get(_column_url(small)))
    with django_assert_num_queries(6):
        pages.soup(client.get(large.page_url(2)))


@pytest.mark.parametrize(
    "overrides",
    [{"status": "draft"}, {"status": "review"}, {"published_at": "future"}],
    ids=["draft", "in-review", "scheduled"],
)
def test_unpublished_articles_leak_nowhere(client, overrides):
    if overrides.get("published_at") == "future":
        overrides = {"published_at": timezone.now() + datetime.timedelta(hours=1)}
    column = make_column()
    official = make_appointment().person
    make_article(column=column, headline="公开稿件", officials=[official])
    hidden = make_article(
        column=column, headline="秘密稿件", officials=[official], **overrides
    )
    pages = {
        "home": reverse("home"),
        "column": _column_url(column),
        "search": _column_url(column, q="秘密"),
        "month": _column_url(column, month=hidden.news_on.strftime("%Y-%m")),
        "official filter": _column_url(column, official=official.pk),
        "feed": reverse("feed", kwargs={"slug": column.slug}),
        "sitemap": reverse("sitemap"),
        "official page": official.get_absolute_url(),
    }
    for where, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, where
        content = response.content.decode()
        assert "秘密稿件" not in content, where
        assert hidden.get_absolute_url() not in content, where


@pytest.mark.parametrize(
    "overrides",
    [{"status": "draft"}, {"status": "review"}, {"published_at": "future"}],
    ids=["draft", "in-review", "scheduled"],
)
def test_unpublished_digests_leak_nowhere(client, overrides):
    if overrides.get("published_at") == "future":
        overrides = {"published_at": timezone.now() + datetime.timedelta(hours=1)}
    column = make_column()
    official = make_appointment().person
    article = make_article(column=column, officials=[official])
    digest = make_digest(column=column, title="秘密一期", **overrides)
    add_item(digest, article, is_lead=True)
    pages = [
        reverse("home"),
        _column_url(column),
        _column_url(column, q="秘密"),
        _column_url(column, official=official.pk),
        reverse("feed", kwargs={"slug": column.slug}),
        reverse("sitemap"),
    ]
    for url in pages:
        content = client.get(url).content.decode()
        assert "秘密一期" not in content, url
        assert digest.get_absolute_url() not in content, url
    assert client.get(digest.get_absolute_url()).status_code == 404


# Home page


def test_home_shows_columns_with_their_latest_items_and_the_latest_digest(client):
    first, second = make_column(rank=1), make_column(rank=2)
    for n in range(10):
        make_article(
            column=first, news_on=datetime.date(2024, 12, 1) + datetime.timedelta(n)
        )
    make_article(column=second, headline="第二栏目稿件")
    make_digest(column=first, issued_on=datetime.date(2024, 12, 8),
                week_starts_on=datetime.date(2024, 12, 2),
                week_ends_on=datetime.date(2024, 12, 8))  # fmt: skip
    latest = make_digest(column=first)
    soup = pages.soup(client.get(reverse("home")))
    sections = soup.select("section.column-latest")
    assert [pages.text(s.h2) for s in sections] == [first.name, second.name]
    dates = [t.get_text() for t in sections[0].select("time")]
    assert (
        len(dates) == 8
        and dates[0] == "2024-12-10"
        and dates == sorted(dates, reverse=True)
    )
    assert soup.select_one(".latest-digest a")["href"] == latest.get_absolute_url()
    assert len(soup.find_all("h1")) == 1


def test_home_costs_a_fixed_number_of_queries(client, django_assert_num_queries):
    add_item(make_digest(), make_article(), is_lead=True)
    # Latest per column, columns, the latest digest, its lead photo, 图片新闻.
    with django_assert_num_queries(5):
        pages.soup(client.get(reverse("home")))
    for _ in range(5):
        column = make_column()
        for _ in range(10):
            place_photo(make_article(column=column), photo_with_image())
    with django_assert_num_queries(5):
        soup = pages.soup(client.get(reverse("home")))
    assert len(soup.select(".photo-grid li")) == 6


def photo_with_image(**overrides):
    photo = make_photo(**overrides)
    out = io.BytesIO()
    Image.new("RGB", (60, 40), "red").save(out, format="PNG")
    photo.image.save("photo.png", ContentFile(out.getvalue()))
    return photo


def test_home_shows_the_latest_digest_with_its_lead_photo(client):
    lead = make_article(headline="李卫东调研凤凰水城")
    place_photo(lead, photo_with_image(caption="调研现场。"))
    other = make_article(headline="其他稿件")
    place_photo(other, photo_with_image(caption="其他现场。"))
    digest = make_digest()
    add_item(digest, other)
    add_item(digest, lead, is_lead=True)
    soup = pages.soup(client.get(reverse("home")))
    figure = soup.select_one(".latest-digest figure")
    assert "调研现场。" in figure.get_text()
    assert soup.select_one(".lead-headline a")["href"] == lead.get_absolute_url()


def test_home_photo_news_shows_recent_captioned_photos_one_per_article(client):
    today = timezone.localdate()
    for n in range(8):
        article = make_article(
            headline=f"图片稿{n}", news_on=today - datetime.timedelta(days=n)
        )
        place_photo(article, photo_with_image(caption=f"说明{n}。"))
        place_photo(article, photo_with_image(caption=f"第二张{n}。"), order=1)
    place_photo(make_article(headline="无说明"), photo_with_image(caption=""))
    unpublished = make_article(headline="草稿图片", status="draft", published_at=None)
    place_photo(unpublished, photo_with_image(caption="草稿说明。"))
    items = pages.soup(client.get(reverse("home"))).select(".photo-grid li")
    assert [li.select_one(".photo-headline").get_text() for li in items] == [
        f"图片稿{n}" for n in range(6)
    ]
    assert "说明0。" in items[0].figcaption.get_text()


# Feed


def test_column_feed_lists_published_articles_and_digests(client):
    column = make_column()
    article = make_article(column=column, headline="订阅稿件")
    digest = make_digest(column=column)
    response = client.get(reverse("feed", kwargs={"slug": column.slug}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    body = response.content.decode()
    assert "订阅稿件" in body
    assert article.get_absolute_url() in body and digest.get_absolute_url() in body


# Reading comfort


def test_reading_tools_are_the_same_for_every_reader_and_set_cookies(client):
    article = make_article()
    plain = client.get(article.get_absolute_url())
    client.cookies["font"] = "large"
    client.cookies["elder"] = "1"
    assert client.get(article.get_absolute_url()).content == plain.content  # bakeable
    soup = pages.soup(plain)
    assert soup.html["class"] == ["font-medium"]
    assert soup.head.find("script", src=lambda s: s and "js/prefs" in s)
    assert not soup.head.find("script", src=lambda s: s and "js/prefs" in s).has_attr(
        "defer"
    )  # applied before the page paints
    tools = soup.select_one(".reading-tools")
    large = tools.find("a", attrs={"data-font": "large"})
    response = client.get(large["href"])
    assert response.status_code == 302
    assert response["Location"] == article.get_absolute_url()
    assert response.cookies["font"].value == "large"


def test_elder_mode_without_javascript_toggles_its_cookie(client):
    article = make_article()
    soup = pages.soup(client.get(article.get_absolute_url()))
    link = soup.find("a", attrs={"data-elder": True})
    assert link.get_text() == "长者模式"
    response = client.get(link["href"])
    assert response.cookies["elder"].value == "1"
    client.cookies["elder"] = "1"
    assert client.get(link["href"]).cookies["elder"].value == "0"


def test_preference_switch_refuses_to_redirect_elsewhere(client):
    response = client.get(reverse("prefs") + "?font=small&next=https://evil.example/")
    assert response["Location"] == "/"


# Previews: only for those who may edit or review the article


def _unpublished_article(state):
    if state == "draft":
        return make_article(status="draft", published_at=None)
    if state == "in-review":
        return make_article(status="review", review_stage="first", published_at=None)
    return make_article(published_at=timezone.now() + datetime.timedelta(hours=1))


@pytest.mark.parametrize(
    ("role", "state", "previews"),
    [
        ("记者", "draft", True),
        ("记者", "in-review", False),
        ("记者", "scheduled", False),
        ("编辑", "draft", True),
        ("编辑", "in-review", True),
        ("编辑", "scheduled", True),
        ("审核", "in-review", True),
        ("审核", "scheduled", True),
        ("终审", "draft", True),
        ("终审", "scheduled", True),
        ("导出", "draft", False),
        ("导出", "in-review", False),
        ("导出", "scheduled", False),
    ],
)
def test_article_preview_is_only_for_those_who_may_edit_or_review_it(
    client, role, state, previews
):
    article = _unpublished_article(state)
    client.force_login(make_user(roles=[role]))
    response = client.get(article.get_absolute_url())
    if previews:
        assert response.status_code == 200
        assert "预览" in response.content.decode()
    else:
        assert response.status_code == 404
        assert article.headline not in response.content.decode()


def test_staff_without_a_preview_right_get_the_public_404_page(client):
    article = make_article(status="draft", published_at=None)
    public = client.get(article.get_absolute_url())
    client.force_login(make_user(roles=["导出"]))
    staff = client.get(article.get_absolute_url())
    assert staff.status_code == public.status_code == 404
    for response in (public, staff):
        assert "页面不存在" in response.content.decode()
        assert article.headline not in response.content.decode()


def test_staff_without_a_preview_right_read_published_articles(client):
    article = make_article()
    client.force_login(make_user(roles=["导出"]))
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "预览" not in response.content.decode()


def test_feed_descriptions_reach_feed_readers_as_text_never_as_markup(client):
    article = make_article(summary="<img src=x onerror=alert(1)>摘要")
    response = client.get(reverse("feed", kwargs={"slug": article.column.slug}))
    channel = ElementTree.fromstring(response.content).find("channel")
    [description] = [item.findtext("description") for item in channel.iter("item")]
    # A feed reader renders this string as HTML: it must still read as the text typed.
    assert description == "&lt;img src=x onerror=alert(1)&gt;摘要"
