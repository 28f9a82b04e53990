import pytest
from django.urls import reverse

from digests.models import WeeklyDigest

pytestmark = pytest.mark.django_db


def test_digest_page_follows_the_reference_structure(client, reference_digest):
    response = client.get(reference_digest.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    landmarks = [
        "您当前的位置:", "首页", "巫溪要闻", "见“政”巫溪这一周", "日期:2024-12-15",
        "巫溪县召开2025年社会民生及安全稳定调研座谈会",
        "12月10日", "12月11日", "12月12日", "12月13日", "一周简讯", "&gt;&gt;12日,",
        "扫一扫在手机打开当前页",
    ]  # fmt: skip
    body = html[html.index("<main") :]
    position = 0
    for landmark in landmarks:
        position = body.index(landmark, position) + len(
            landmark
        )  # raises if out of order
    assert html.count("记者 吴丹/摄") == 6
    assert "<svg" in html


def test_unpublished_digest_is_hidden(client, reference_digest):
    WeeklyDigest.objects.filter(pk=reference_digest.pk).update(status="draft")
    assert client.get(reference_digest.get_absolute_url()).status_code == 404


def test_sitemap_lists_published_content(client, reference_digest):
    response = client.get(reverse("sitemap"))
    body = response.content.decode()
    assert response.status_code == 200
    assert reference_digest.get_absolute_url() in body
    assert body.count("/articles/") == 12


def test_column_page(client, reference_digest):
    response = client.get(reverse("articles:column", kwargs={"slug": "wxyw"}))
    assert response.status_code == 200
    assert "王中到大河乡调研" in response.content.decode()
