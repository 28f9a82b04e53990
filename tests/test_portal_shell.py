"""The portal shell around every public page: header, menu, search box, footer."""

import pytest
from bs4 import BeautifulSoup
from django.test import override_settings
from django.urls import reverse

from tests import pages
from tests.factories import make_appointment, make_article, make_column, make_digest
from wuxi_news.settings import site_links

pytestmark = pytest.mark.django_db


@pytest.fixture
def urls():
    column = make_column(slug="wxyw", name="巫溪要闻")
    article = make_article(column=column)
    return [
        reverse("home"),
        column.get_absolute_url(),
        article.get_absolute_url(),
        make_digest(column=column).get_absolute_url(),
        make_appointment().person.get_absolute_url(),
        reverse("search") + "?q=测试",
        reverse("site_map"),
        "/no-such-page/",
    ]


def test_every_page_has_the_header_menu_search_box_and_footer(
    client, portal_shell, urls
):
    for url in urls:
        response = client.get(url)
        assert response.status_code == (404 if "no-such" in url else 200)
        soup = BeautifulSoup(response.content, "html.parser")
        header = soup.select_one("header.site-header")
        assert header.select_one(".site-name img.emblem")["alt"] == "", url
        assert pages.text(header.select_one(".site-name")) == portal_shell["NAME"]
        menu = [(a.get_text(), a["href"]) for a in header.select("nav.main-nav a")]
        assert menu == [("首页", "/"), *portal_shell["NAV"]], url
        form = header.select_one("form.site-search")
        assert form["action"] == "/search/" and form.select_one("input[name=q]")
        footer = soup.select_one("footer.site-footer")
        text = pages.text(footer)
        for part in (
            "主办单位:",
            "承办单位:",
            "网站标识码:5002380001",
            "网站地图",
            "联系我们",
        ):
            assert part in text, (url, part)
        links = {a.get_text(strip=True): a["href"] for a in footer.select("a")}
        assert links[portal_shell["ICP"]] == "https://beian.miit.gov.cn/"
        record = footer.find("a", string=None, href="https://beian.mps.gov.cn/")
        assert record.img["src"].endswith("public-security.svg")
        badges = {
            img["alt"]: img.parent["href"] for img in footer.select(".badges img")
        }
        assert badges == {
            "党政机关网站标识": portal_shell["CONAC_URL"],
            "政府网站找错": portal_shell["JIUCUO_URL"],
        }
        assert not soup.select("script:not([src])"), url  # no inline script
        assert [s["src"] for s in soup.select("script")] == [
            "/static/js/prefs.js",
            "/static/js/print.js",
        ]
        head_links = {link["rel"][0]: link["href"] for link in soup.select("head link")}
        assert head_links["icon"].endswith("favicon.png")
        assert head_links["apple-touch-icon"].endswith("apple-touch-icon.png")


def test_unconfigured_elements_are_left_out_in_production(client, settings, urls):
    settings.SITE = settings.SITE | {
        "EMBLEM": "", "NAV": [], "UNDERTAKER": "", "ICP": "",
        "PUBLIC_SECURITY_RECORD": "", "CONAC_URL": "", "JIUCUO_URL": "",
        "HAS_EXAMPLES": False,
    }  # fmt: skip
    soup = pages.soup(client.get(urls[0]))
    assert not soup.select(".emblem, .badges, .example-note")
    assert [a.get_text() for a in soup.select("nav.main-nav a")] == ["首页"]
    text = pages.text(soup.select_one("footer"))
    assert "承办单位" not in text and "ICP" not in text and "公网安备" not in text


def test_the_demo_marks_its_example_values(client, portal_shell):
    soup = pages.soup(client.get(reverse("home")))
    assert "示例" in pages.text(soup.select_one(".example-note"))
    assert "(示例)" in soup.select_one("footer").get_text()


def test_menu_entries_come_from_the_environment_format():
    assert site_links("政务公开|https://a.example/;走进巫溪|/zjwx/;坏条目;|x") == [
        ("政务公开", "https://a.example/"),
        ("走进巫溪", "/zjwx/"),
    ]


def test_site_map_lists_columns_and_contact(client, portal_shell, urls):
    soup = pages.soup(client.get(reverse("site_map")))
    assert "巫溪要闻" in [a.get_text() for a in soup.select(".site-map a")]
    contact = pages.text(soup.select_one("#contact"))
    assert "电话:023-00000000(示例)" in contact and "主办单位" in contact


def test_label_and_value_pairs_are_kept_together(client):
    article = make_article(reporters="记者 张三", source="巫溪县融媒体中心")
    soup = pages.soup(client.get(article.get_absolute_url()))
    pairs = [span.get_text() for span in soup.select(".article .meta .pair")]
    assert pairs[1:] == ["来源:巫溪县融媒体中心", "记者 张三"]


@override_settings(DEBUG=True)
def test_the_demo_shows_the_production_error_pages(client, settings):
    settings.MIDDLEWARE = [
        "wuxi_news.middleware.ErrorPagesInDebugMiddleware",
        *settings.MIDDLEWARE,
    ]
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert "页面不存在" in missing.content.decode()
    hidden = client.get(reverse("articles:detail", kwargs={"pk": 999999}))
    assert hidden.status_code == 404 and "页面不存在" in hidden.content.decode()


def test_the_demo_shows_the_production_500_page(rf):
    from wuxi_news.middleware import ErrorPagesInDebugMiddleware

    middleware = ErrorPagesInDebugMiddleware(lambda request: None)
    response = middleware.process_exception(rf.get("/"), ValueError("boom"))
    assert response.status_code == 500
    assert "服务暂时不可用" in response.content.decode()


@override_settings(DEBUG=True)
def test_the_demo_answers_no_permission_with_the_403_page_not_a_500(client, settings):
    from tests.factories import make_user

    settings.MIDDLEWARE = [
        "wuxi_news.middleware.ErrorPagesInDebugMiddleware",
        *settings.MIDDLEWARE,
    ]
    client.force_login(make_user(roles=["记者"]))
    response = client.get(reverse("admin:auth_user_changelist"))
    assert response.status_code == 403
    assert "没有权限" in response.content.decode()
