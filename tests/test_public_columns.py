"""A column with nothing public in it is not public: no page, no feed, no line in the
site maps or on the home page, nothing baked; its pages come with its first published
item and go with its last."""

import pytest
from django.urls import reverse

from articles.models import Article
from tests.factories import make_article, make_column, make_digest
from wuxi_news.publishing import inventory

pytestmark = pytest.mark.django_db


def test_an_empty_column_has_no_page_feed_or_line_in_the_site_maps(client):
    empty = make_column(name="空栏目", slug="empty")
    make_article(column=empty, status=Article.Status.DRAFT, published_at=None)
    full = make_column(name="有内容", slug="full")
    make_article(column=full)
    assert client.get(empty.get_absolute_url()).status_code == 404
    assert client.get(empty.page_url(2)).status_code == 404
    assert client.get(reverse("feed", kwargs={"slug": "empty"})).status_code == 404
    site_map = client.get(reverse("site_map")).content.decode()
    assert "/column/full/" in site_map and "/column/empty/" not in site_map
    section = reverse("sitemap_section", kwargs={"section": "columns", "page": 1})
    xml = client.get(section).content.decode()
    assert "/column/full/" in xml and "/column/empty/" not in xml
    assert "空栏目" not in client.get("/").content.decode()
    paths = inventory.all_paths()
    assert full.get_absolute_url() in paths
    assert not [path for path in paths if "/column/empty/" in path]


def test_a_digest_makes_its_column_public(client):
    column = make_column(slug="digests-only")
    make_digest(column=column, status="published")
    assert client.get(column.get_absolute_url()).status_code == 200


def test_a_column_s_pages_come_with_its_first_item_and_go_with_its_last():
    column = make_column(slug="new")
    article = make_article(column=column, status=Article.Status.DRAFT)
    assert inventory.column_paths(column) == [
        reverse("site_map"),
        *inventory.section_paths("columns"),
    ]  # the site maps only: they list it once its first item is published
    article.status = Article.Status.PUBLISHED
    article.save()
    published = set(inventory.article_paths(article))
    assert {column.get_absolute_url(), reverse("site_map")} <= published
    second = make_article(column=column)
    paths = set(inventory.column_paths(column))
    assert column.get_absolute_url() in paths
    assert reverse("site_map") not in paths  # nothing changes there
    second.delete()
    before = set(inventory.article_paths(article))  # the queue's old state
    article.status = Article.Status.DRAFT
    article.save()
    after = set(inventory.article_paths(article))
    assert column.get_absolute_url() in before
    assert column.get_absolute_url() not in after
    assert reverse("site_map") in before


def test_a_parent_holding_only_sub_columns_is_public_with_them(client):
    """投资发展 › 招商信息: the breadcrumb of a 招商信息 article links 投资发展."""
    parent = make_column(name="投资发展", slug="tzfz")
    child = make_column(name="招商信息", slug="zsxx", parent=parent)
    article = make_article(column=child, status=Article.Status.DRAFT)
    assert client.get(parent.get_absolute_url()).status_code == 404
    before = set(inventory.article_paths(article))
    article.status = Article.Status.PUBLISHED
    article.save()
    page = client.get(article.get_absolute_url()).content.decode()
    assert f'<a href="{parent.get_absolute_url()}">投资发展</a>' in page
    assert client.get(parent.get_absolute_url()).status_code == 200
    # Its pages are baked with the child's first item, and go with its last.
    assert parent.get_absolute_url() in set(inventory.article_paths(article))
    assert parent.get_absolute_url() not in before
    assert parent.get_absolute_url() in inventory.all_paths()
    assert "投资发展" in client.get(reverse("site_map")).content.decode()
