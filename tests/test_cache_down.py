"""A configured cache that is down: pages and saves carry on without it."""

import time

import pytest
from django.urls import reverse

from articles.models import Article
from tests.admin_forms import admin_form_data
from tests.factories import make_article, make_user
from wuxi_news.cache_backends import TolerantRedisCache

pytestmark = pytest.mark.django_db

# Nothing listens on port 1 of the loopback address: connections are refused at once.
DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def dead_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "wuxi_news.cache_backends.TolerantRedisCache",
            "LOCATION": DEAD_REDIS,
        }
    }


def test_public_pages_are_served_while_the_cache_is_down(client, dead_cache):
    article = make_article(headline="缓存停了也能看")
    for url in ("/", article.get_absolute_url(), article.column.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "缓存停了也能看" in response.content.decode()


def test_an_admin_save_works_while_the_cache_is_down(client, dead_cache):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    client.force_login(make_user(roles=["编辑"]))
    url = reverse("admin:articles_article_change", args=[article.pk])
    response = client.post(url, admin_form_data(client.get(url), headline="照样保存"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.headline == "照样保存"


def test_a_dead_cache_is_left_alone_for_a_while_then_tried_again(monkeypatch):
    backend = TolerantRedisCache(DEAD_REDIS, {})
    calls = []
    real_get = TolerantRedisCache.__mro__[1].get

    def counting_get(self, *args, **kwargs):
        calls.append(args)
        return real_get(self, *args, **kwargs)

    monkeypatch.setattr(TolerantRedisCache.__mro__[1], "get", counting_get)
    assert backend.get("a", "miss") == "miss"
    assert backend.get("b", "miss") == "miss"
    assert len(calls) == 1  # the second call did not wait on the dead server
    monkeypatch.setattr(time, "monotonic", lambda: backend._down_until + 1)
    assert backend.get("c", "miss") == "miss"
    assert len(calls) == 2
