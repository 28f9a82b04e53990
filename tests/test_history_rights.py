"""History (历史 → restore, and recover of deleted items) follows the same rules as the
change form: nothing public changes through an old revision without 三审."""

import pytest
import reversion
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from articles.editing import current_lock
from articles.models import Article
from digests.models import WeeklyDigest
from tests.admin_forms import admin_form_data
from tests.factories import (
    make_article,
    make_brief,
    make_column,
    make_digest,
    make_photo,
    make_user,
    place_photo,
)

pytestmark = pytest.mark.django_db


def snapshot(*objects):
    """A revision of `objects` as they are now (what an admin save records)."""
    with reversion.create_revision():
        for obj in objects:
            reversion.add_to_revision(obj)
    return Version.objects.get_for_object(objects[0]).order_by("-pk").first()


def login(*roles) -> Client:
    client = Client()
    client.force_login(make_user(roles=list(roles)))
    return client


def revision_url(obj, version) -> str:
    meta = obj._meta
    return reverse(
        f"admin:{meta.app_label}_{meta.model_name}_revision", args=[obj.pk, version.pk]
    )


def post_revision(client, obj, version):
    page = client.get(revision_url(obj, version))
    if page.status_code != 200:
        return page
    return client.post(revision_url(obj, version), admin_form_data(page))


@pytest.mark.parametrize("role", ["记者", "编辑", "审核"])
def test_restoring_a_draft_revision_does_not_rewrite_a_published_article(role):
    article = make_article(
        status=Article.Status.DRAFT, published_at=None, headline="草稿时的标题"
    )
    old = snapshot(article)
    article.headline = "终审定稿的标题"
    article.status = Article.Status.PUBLISHED
    article.published_at = article.created_at
    article.save()
    response = post_revision(login(role), article, old)
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.headline == "终审定稿的标题"


def test_the_final_signer_restores_content_but_not_the_old_state():
    article = make_article(
        status=Article.Status.DRAFT, published_at=None, headline="旧"
    )
    old = snapshot(article)
    article.headline = "新"
    article.status = Article.Status.PUBLISHED
    article.published_at = article.created_at
    article.save()
    assert post_revision(login("终审"), article, old).status_code == 302
    article.refresh_from_db()
    assert article.headline == "旧"
    assert article.is_published


def test_an_editor_cannot_restore_a_published_digest():
    digest = make_digest(
        status=WeeklyDigest.Status.DRAFT, published_at=None, title="旧"
    )
    make_brief(digest, text="旧简讯。")
    old = snapshot(digest, *digest.briefs.all())
    digest.title = "已发布的标题"
    digest.status = WeeklyDigest.Status.PUBLISHED
    digest.published_at = digest.created_at
    digest.save()
    assert post_revision(login("编辑"), digest, old).status_code == 403
    digest.refresh_from_db()
    assert digest.title == "已发布的标题"


def test_a_draft_revision_cannot_bring_back_a_photo_a_published_article_shares():
    draft = make_article(status=Article.Status.DRAFT, published_at=None)
    photo = make_photo(caption="记者草稿时的说明。")
    placement = place_photo(draft, photo)
    old = snapshot(draft, placement, photo)
    place_photo(make_article(headline="已发布的稿件"), photo)
    photo.caption = "终审定稿的说明。"
    photo.save()
    assert post_revision(login("记者"), draft, old).status_code == 403
    photo.refresh_from_db()
    assert photo.caption == "终审定稿的说明。"


def test_a_version_of_another_model_or_object_is_not_found():
    mine = make_article(status=Article.Status.DRAFT, published_at=None)
    other = make_article(headline="别人的稿件")
    foreign = snapshot(other)
    client = login("记者")
    assert client.get(revision_url(mine, foreign)).status_code == 404
    photo_version = snapshot(make_photo())
    recover = reverse("admin:articles_article_recover", args=[photo_version.pk])
    assert client.post(recover, {}).status_code == 404
    existing = reverse("admin:articles_article_recover", args=[foreign.pk])
    assert (
        client.post(existing, {}).status_code == 404
    )  # not deleted: nothing to recover


def test_a_recovered_article_comes_back_as_a_draft():
    column = make_column()
    article = make_article(column=column, headline="被删除的已发布稿件")
    version = snapshot(article)
    article.delete()
    client = login("编辑", "终审")
    url = reverse("admin:articles_article_recover", args=[version.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert client.post(url, admin_form_data(page)).status_code == 302
    recovered = Article.objects.get(headline="被删除的已发布稿件")
    assert recovered.status == Article.Status.DRAFT
    assert not Article.objects.published().exists()


def test_restoring_through_a_photos_history_keeps_its_articles_state():
    article = make_article(headline="终审撤下的稿件")  # published
    photo = make_photo(caption="旧说明。")
    placement = place_photo(article, photo)
    old = snapshot(photo, article, placement)  # an article save records its photos
    article.status, article.published_at = Article.Status.DRAFT, None  # 撤销发布
    article.save()
    assert post_revision(login("编辑", "终审"), photo, old).status_code == 302
    article.refresh_from_db()
    photo.refresh_from_db()
    assert photo.caption == "旧说明。"
    assert article.status == Article.Status.DRAFT
    assert not Article.objects.published().exists()


def test_recovering_a_photo_brings_its_deleted_article_back_as_a_draft():
    article = make_article(headline="随图片恢复的稿件")  # published
    photo = make_photo()
    version = snapshot(photo, article, place_photo(article, photo))
    article.delete()
    photo.delete()
    client = Client()
    client.force_login(make_user(superuser=True, first_name="张伟"))
    url = reverse("admin:media_photo_recover", args=[version.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert client.post(url, admin_form_data(page)).status_code == 302
    recovered = Article.objects.get(headline="随图片恢复的稿件")
    assert recovered.status == Article.Status.DRAFT
    assert not Article.objects.published().exists()


def test_save_as_new_from_a_restore_page_does_not_republish_the_old_revision(client):
    article = make_article(headline="已发布时的标题")
    old = snapshot(article)
    article.headline = "终审撤下后的标题"
    article.status = Article.Status.DRAFT
    article.published_at = None
    article.save()
    reporter = login("记者")
    page = reporter.get(revision_url(article, old))
    data = admin_form_data(page) | {"_saveasnew": "1"}
    assert reporter.post(revision_url(article, old), data).status_code == 403
    article.refresh_from_db()
    assert article.headline == "终审撤下后的标题"
    assert not Article.objects.published().exists()
    assert Article.objects.count() == 1


def test_save_as_new_is_refused_on_an_ordinary_change_form_too():
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    client = login("记者")
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = admin_form_data(client.get(url)) | {"_saveasnew": "1"}
    assert client.post(url, data).status_code == 403
    assert Article.objects.count() == 1


def test_a_malformed_object_id_in_a_history_url_is_not_found():
    client = login("编辑")
    url = reverse("admin:articles_article_revision", args=["abc", 1])
    assert client.get(url).status_code == 404


def test_a_forged_lock_token_changes_nothing():
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    client = login("编辑")
    client.get(reverse("admin:articles_article_change", args=[article.pk]))
    url = reverse("admin:articles_article_lock", args=[article.pk])
    for token in ("9999-99-99T99:99", "2024-01-01T00:00:00+99:00", "x"):
        assert client.post(url, {"op": "release", "token": token}).status_code == 200
    assert current_lock(obj=article) is not None


@pytest.mark.parametrize(
    ("role", "status"), [("导出", 403), ("编辑", 200), ("终审", 200)]
)
def test_a_drafts_history_is_only_for_those_who_may_change_it(role, status):
    digest = make_digest(status=WeeklyDigest.Status.DRAFT, published_at=None)
    snapshot(digest)
    url = reverse("admin:digests_weeklydigest_history", args=[digest.pk])
    assert login(role).get(url).status_code == status


def test_a_draft_digest_offers_no_view_on_site_link_to_those_who_get_a_404():
    digest = make_digest(status=WeeklyDigest.Status.DRAFT, published_at=None)
    url = reverse("admin:digests_weeklydigest_change", args=[digest.pk])
    assert login("导出").get(url).context["has_absolute_url"] is False
    assert login("编辑").get(url).context["has_absolute_url"] is True
