import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from digests.models import WeeklyDigest
from tests import pages
from tests.factories import (
    add_item,
    make_article,
    make_column,
    make_digest,
    make_draft_digest,
    make_user,
)

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
    urls = pages.sitemap_locations(client)
    assert "http://testserver" + reference_digest.get_absolute_url() in urls
    assert sum("/articles/" in url for url in urls) == 12


def test_column_page(client, reference_digest):
    response = client.get(reverse("column", kwargs={"slug": "wxyw"}))
    assert response.status_code == 200
    assert "王中到大河乡调研" in response.content.decode()


# Previews: only for those who may change or publish digests (the export rule too)


@pytest.mark.parametrize(
    ("role", "previews"),
    [("记者", False), ("编辑", True), ("审核", False), ("终审", True), ("导出", False)],
)
def test_draft_digest_preview_is_only_for_those_who_may_change_or_publish_digests(
    client, role, previews
):
    digest = make_draft_digest(make_column(), week_starts_on=_monday())
    client.force_login(make_user(roles=[role]))
    response = client.get(digest.get_absolute_url())
    if previews:
        assert response.status_code == 200
        assert "预览" in response.content.decode()
    else:
        assert response.status_code == 404


def test_exporter_is_refused_the_page_and_the_export_of_a_draft_alike(client):
    digest = make_draft_digest(make_column(), week_starts_on=_monday())
    client.force_login(make_user(roles=["导出"]))
    assert client.get(digest.get_absolute_url()).status_code == 404
    export = reverse("digests:export", kwargs={"pk": digest.pk, "fmt": "txt"})
    assert client.get(export).status_code == 403


def test_other_staff_see_a_published_digest_as_the_public_does(client):
    digest = make_digest()
    add_item(digest, make_article(headline="已发布的稿件"))
    add_item(digest, make_article(headline="尚未公开的稿件", status="draft",
                                  published_at=None))  # fmt: skip
    client.force_login(make_user(roles=["导出", "记者"]))
    html = client.get(digest.get_absolute_url()).content.decode()
    assert "已发布的稿件" in html
    assert "尚未公开的稿件" not in html
    client.force_login(make_user(roles=["编辑"]))
    assert "尚未公开的稿件" in client.get(digest.get_absolute_url()).content.decode()


def _monday():
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday()) - datetime.timedelta(7)
