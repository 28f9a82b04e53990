"""Site-wide behaviour: page cache and validators, discovery files, error pages, images."""

import io

import pytest
from bs4 import BeautifulSoup
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from PIL import Image

from articles.models import Article
from media.renditions import renditions, widths_for
from tests import pages
from tests.factories import (
    add_item,
    make_appointment,
    make_article,
    make_digest,
    make_person,
    make_photo,
    make_user,
    place_photo,
)

pytestmark = pytest.mark.django_db


# Rendered pages (the baked site: tests/publishing)


def test_an_edit_shows_at_once(client):
    article = make_article(headline="原标题")
    assert "原标题" in client.get(article.get_absolute_url()).content.decode()
    column_url = article.column.get_absolute_url()
    assert "原标题" in client.get(column_url).content.decode()
    article.headline = "新标题"
    article.save()
    assert "新标题" in client.get(article.get_absolute_url()).content.decode()
    assert "新标题" in client.get(column_url).content.decode()


def test_staff_previews_are_never_kept_by_a_shared_cache(client, admin_client):
    draft = make_article(status=Article.Status.DRAFT, headline="草稿标题")
    assert admin_client.get(draft.get_absolute_url()).status_code == 200
    assert client.get(draft.get_absolute_url()).status_code == 404
    public = make_article(headline="公开标题")
    response = admin_client.get(public.get_absolute_url())
    assert response["Cache-Control"] == "private, no-store"
    assert "Cache-Control" not in client.get(public.get_absolute_url())


def test_rendered_pages_carry_an_etag_and_answer_304(client):
    article = make_article()
    etag = client.get(article.get_absolute_url())["ETag"]
    assert (
        client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag).status_code
        == 304
    )
    article.headline = "改过的标题"
    article.save()
    assert (
        client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag).status_code
        == 200
    )


# Discovery


def test_sitemap_lists_every_published_article_digest_and_official(client):
    official = make_appointment().person
    private = make_person()
    article = make_article()
    draft = make_article(status="draft")
    digest = make_digest()
    urls = pages.sitemap_locations(client)
    for item in (article, digest, official, article.column):
        assert "http://testserver" + item.get_absolute_url() in urls
    assert "http://testserver" + draft.get_absolute_url() not in urls
    assert "http://testserver" + private.get_absolute_url() not in urls
    assert len(urls) == len(set(urls))  # each URL once


def test_sitemap_is_an_index_of_sections_of_at_most_50000_urls(client, monkeypatch):
    from wuxi_news.sitemaps import ArticleSitemap

    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    articles = [make_article() for _ in range(5)]
    index = client.get(reverse("sitemap"))
    assert index["Content-Type"] == "application/xml; charset=utf-8"
    body = index.content.decode()
    assert "<sitemapindex" in body
    for page in (1, 2, 3):
        assert f"http://testserver/sitemap-articles-{page}.xml" in body
    assert "sitemap-articles-4.xml" not in body
    last = client.get("/sitemap-articles-3.xml").content.decode()
    assert articles[-1].get_absolute_url() in last  # new ones go on the last page
    assert client.get("/sitemap-articles-4.xml").status_code == 404
    assert client.get("/sitemap-nothing-1.xml").status_code == 404
    assert ArticleSitemap.limit == 2 and ArticleSitemap().paginator.num_pages == 3


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()


def test_missing_page_answers_in_chinese_with_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.h1.get_text() == "页面不存在"
    assert soup.html["lang"] == "zh-CN"


def test_server_error_page_needs_no_context():
    html = render_to_string("500.html")
    assert "服务暂时不可用" in html and 'lang="zh-CN"' in html


# Every page: accessibility basics and the footer


@pytest.mark.parametrize("page", ["home", "column", "article", "digest", "official"])
def test_every_page_has_one_h1_a_skip_link_and_the_footer(client, settings, page):
    settings.SITE = settings.SITE | {"ICP": "渝ICP备00000000号"}
    person = make_appointment().person
    article = make_article(officials=[person])
    place_photo(article)
    digest = make_digest(column=article.column)
    add_item(digest, article, is_lead=True)
    url = {
        "home": reverse("home"),
        "column": article.column.get_absolute_url(),
        "article": article.get_absolute_url(),
        "digest": digest.get_absolute_url(),
        "official": person.get_absolute_url(),
    }[page]
    soup = BeautifulSoup(client.get(url).content, "html.parser")
    assert soup.html["lang"] == "zh-CN"
    assert len(soup.find_all("h1")) == 1
    assert soup.body.find("a")["href"] == "#main"
    levels = [int(h.name[1]) for h in soup.find_all(["h1", "h2", "h3", "h4"])]
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    footer = soup.select_one("footer").get_text()
    assert "主办单位:" in footer and "渝ICP备00000000号" in footer
    for image in soup.find_all("img"):
        assert image.get("alt")
    assert soup.find("link", rel="canonical")["href"].startswith("http://testserver/")
    assert soup.find("meta", attrs={"name": "SiteIDCode"})


# Responsive images


def _jpeg(width=1600, height=1000) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (90, 120, 150)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_renditions_are_made_once_in_webp_and_jpeg(media_root):
    photo = make_photo()
    photo.image.save("meeting.jpg", ContentFile(_jpeg()), save=True)
    made = renditions(photo)
    assert [r.width for r in made["webp"]] == [480, 800, 1200]
    assert [r.width for r in made["jpg"]] == [480, 800, 1200]
    files = sorted((media_root / "renditions").rglob("*.*"))
    assert len(files) == 6
    with Image.open(files[0]) as image:
        assert image.width in (480, 800, 1200)
    assert widths_for(600) == [480, 600]


def test_photos_are_served_with_srcset_size_and_lazy_loading(client):
    article = make_article(body="<p>一。</p><p>二。</p>")
    for n in range(2):
        photo = make_photo()
        photo.image.save(f"p{n}.jpg", ContentFile(_jpeg()), save=True)
        place_photo(article, photo, after_paragraph=n + 1)
    soup = BeautifulSoup(client.get(article.get_absolute_url()).content, "html.parser")
    images = soup.select("figure.photo img")
    assert images[0]["width"] == "1600" and images[0]["height"] == "1000"
    assert "480w" in images[0]["srcset"] and "1200w" in images[0]["srcset"]
    assert soup.select_one("figure.photo source")["type"] == "image/webp"
    assert all(image["loading"] == "lazy" for image in images)
    assert images[0]["alt"]


def test_a_forged_host_header_gets_the_400_page_not_a_500(client, settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["www.cqwx.gov.cn"]
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "evil.example" not in response.content.decode()


def test_a_refused_request_gets_a_chinese_403_page_with_the_reason(client):
    client.force_login(make_user(roles=["记者"]))  # no right to export
    forbidden = client.get(reverse("digests:export", args=[make_digest().pk, "txt"]))
    assert forbidden.status_code == 403
    html = forbidden.content.decode()
    assert "你没有权限" in html and "Forbidden" not in html


def test_an_expired_form_gets_a_chinese_page(client):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(make_user(roles=["编辑"]))
    response = strict.post(reverse("admin:articles_article_add"), {"headline": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "页面已过期" in html and "Forbidden" not in html
