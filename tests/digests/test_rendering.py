"""The digest page's stored rendering (digests/rendering.py): rendered when what it shows
changes, served in one query, never outdated."""

import datetime
from unittest import mock

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from digests import rendering
from digests.models import DigestRendering
from digests.services import unpublish_digest
from tests import pages
from tests.factories import (
    add_item,
    make_article,
    make_brief,
    make_column,
    make_digest,
    make_draft_digest,
    make_photo,
    make_user,
    place_photo,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a block as a committed transaction would: its on-commit work runs after it."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def week(commit):
    column = make_column(name="巫溪要闻")
    with commit():
        lead = make_article(
            column=column, headline="头条稿件", body="<p>头条正文。</p>"
        )
        other = make_article(
            column=column, headline="第二篇", body="<p>第二篇正文。</p>"
        )
        photo = make_photo(caption="会议现场。", credit_name="吴丹")
        place_photo(other, photo)
        digest = make_digest(column=column)
        add_item(digest, lead, is_lead=True)
        add_item(digest, other)
        make_brief(digest, text="简讯一则。")
    return {"digest": digest, "lead": lead, "other": other, "photo": photo}


def page_html(client, digest) -> str:
    response = client.get(digest.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def main_text(client, digest) -> str:
    return pages.text(pages.soup(client.get(digest.get_absolute_url())).find("main"))


def test_a_published_digest_is_rendered_at_commit_and_served_in_one_query(
    client, week, settings, django_assert_num_queries
):
    digest = week["digest"]
    assert DigestRendering.objects.filter(digest=digest).exists()
    with django_assert_num_queries(1):
        stored = page_html(client, digest)
    # The same page as one rendered on the request.
    settings.DIGEST_STORED_RENDERING = False
    with django_assert_num_queries(4):
        live = page_html(client, digest)
    assert stored == live
    text = main_text(client, digest)
    for expected in (
        "您当前的位置:首页>巫溪要闻",
        "头条稿件",
        "会议现场。记者 吴丹/摄",
        "简讯一则。",
    ):
        assert expected in text


def test_the_stored_page_costs_one_query_for_a_week_twice_as_large(
    client, reference_digest, commit, django_assert_num_queries
):
    larger = make_digest(column=make_column())
    with commit():
        for n in range(24):
            article = make_article(column=larger.column)
            place_photo(article)
            place_photo(article)
            add_item(larger, article, is_lead=n == 0)
    with commit():
        rendering.refresh([reference_digest.pk])
    for digest in (reference_digest, larger):
        with django_assert_num_queries(1):
            html = page_html(client, digest)
    assert html.count('<figure class="photo">') == 48


@pytest.mark.parametrize(
    "edit, shown, gone",
    [
        (lambda w: _save(w["lead"], headline="改过的头条"), "改过的头条", "头条稿件"),
        (
            lambda w: _save(w["other"], body="<p>改过的正文。</p>"),
            "改过的正文",
            "第二篇正文",
        ),
        (
            lambda w: _save(w["photo"], caption="新的图片说明。"),
            "新的图片说明。",
            "会议现场。",
        ),
        (
            lambda w: _save(w["digest"].briefs.get(), text="改过的简讯。"),
            "改过的简讯",
            "简讯一则",
        ),
        (
            lambda w: w["digest"].items.get(article=w["other"]).delete(),
            "头条稿件",
            "第二篇",
        ),
        (lambda w: w["other"].placements.get().delete(), "第二篇正文", "会议现场"),
        (lambda w: _save(w["digest"], title="新标题"), "新标题", "见“政”巫溪这一周"),
        (
            lambda w: _save(w["other"], status=Article.Status.DRAFT),
            "头条稿件",
            "第二篇",
        ),
        (lambda w: _save(w["digest"].column, name="要闻"), "首页>要闻", "巫溪要闻"),
    ],
    ids=[
        "headline",
        "body",
        "photo-caption",
        "brief",
        "item-removed",
        "photo-removed",
        "digest-title",
        "article-unpublished",
        "column-renamed",
    ],
)
def test_every_change_to_what_the_page_shows_shows_at_once(
    client, week, commit, edit, shown, gone
):
    page_html(client, week["digest"])
    with commit():
        edit(week)
    text = main_text(client, week["digest"])
    assert shown in text
    assert gone not in text


def _save(instance, **changes):
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.save()


def test_an_edit_drops_the_page_in_its_transaction_and_renders_it_after_commit(
    week, commit
):
    """From the commit on no reader gets the outdated page, and the new one is ready
    when the editor's save returns, not left to the next reader."""
    with commit():
        _save(week["lead"], headline="改过的头条")
        assert not DigestRendering.objects.filter(digest=week["digest"]).exists()
    stored = DigestRendering.objects.get(digest=week["digest"])
    assert "改过的头条" in stored.body


def test_an_unpublished_digest_loses_its_stored_page_and_is_404(client, week, commit):
    digest = week["digest"]
    with commit():
        unpublish_digest(digest=digest, user=make_user(roles=("终审",)))
    assert not DigestRendering.objects.filter(digest=digest).exists()
    assert client.get(digest.get_absolute_url()).status_code == 404


def test_a_scheduled_story_appears_when_its_time_comes(client, commit):
    column = make_column()
    due = timezone.now() + datetime.timedelta(hours=2)
    with commit():
        shown = make_article(column=column, headline="已公开的稿件")
        later = make_article(column=column, headline="定时发布的稿件", published_at=due)
        digest = make_digest(column=column)
        add_item(digest, shown, is_lead=True)
        add_item(digest, later)
    stored = DigestRendering.objects.get(digest=digest)
    assert stored.valid_until == due
    assert "定时发布的稿件" not in page_html(client, digest)
    with mock.patch("django.utils.timezone.now", return_value=due):
        html = page_html(client, digest)
        assert "定时发布的稿件" in html
        # Rendered once more by that request, and kept for the next readers.
        stored = DigestRendering.objects.get(digest=digest)
        assert "定时发布的稿件" in stored.body
        assert stored.valid_until is None


def test_a_page_rendered_by_other_templates_or_code_is_not_served(client, week):
    DigestRendering.objects.filter(digest=week["digest"]).update(
        fingerprint="old", body="<p>旧的页面</p>"
    )
    html = page_html(client, week["digest"])
    assert "旧的页面" not in html
    assert "头条稿件" in html
    stored = DigestRendering.objects.get(digest=week["digest"])
    assert stored.fingerprint == rendering.fingerprint()


def test_a_reader_does_not_overwrite_a_newer_stored_page(week):
    """A reader's rendering, started before an edit, must not replace the edit's."""
    digest = (
        type(week["digest"])
        .objects.select_related(*rendering.RELATED)
        .get(pk=week["digest"].pk)
    )
    seen = rendering.stored_rendering(digest)
    outdated = rendering.render_page(digest)
    DigestRendering.objects.filter(digest=digest).update(
        body="<p>编辑刚发布的页面</p>", rendered_at=timezone.now()
    )
    rendering.store(digest, outdated, replacing=seen)
    assert DigestRendering.objects.get(digest=digest).body == "<p>编辑刚发布的页面</p>"


def test_changes_rolled_back_do_not_stop_later_changes_from_showing(
    client, week, commit
):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            _save(week["lead"], headline="回滚的标题")
            raise RuntimeError
    with commit():
        _save(week["lead"], headline="提交的标题")
    html = page_html(client, week["digest"])
    assert "提交的标题" in html
    assert "回滚的标题" not in html


def test_a_failed_rendering_leaves_no_outdated_page(client, week, commit, caplog):
    with mock.patch.object(rendering, "render_page", side_effect=RuntimeError("boom")):
        with commit():
            _save(week["lead"], headline="改过的头条")
    assert "boom" in caplog.text  # logged, not raised into the editor's saved edit
    assert not DigestRendering.objects.filter(digest=week["digest"]).exists()
    assert "改过的头条" in page_html(client, week["digest"])


def test_staff_always_get_a_live_preview(client, week, commit):
    with commit():
        draft = make_article(
            column=week["digest"].column,
            headline="草稿稿件",
            status=Article.Status.DRAFT,
            published_at=None,
        )
        add_item(week["digest"], draft)
    assert "草稿稿件" not in page_html(client, week["digest"])
    client.force_login(make_user(roles=("编辑",)))
    assert "草稿稿件" in page_html(client, week["digest"])
    assert "草稿稿件" not in DigestRendering.objects.get(digest=week["digest"]).body


def test_publishing_in_the_admin_stores_the_page_readers_get(
    client, commit, django_assert_num_queries
):
    column = make_column()
    monday = timezone.localdate() - datetime.timedelta(
        days=timezone.localdate().weekday()
    )
    digest = make_draft_digest(column, week_starts_on=monday)
    add_item(digest, make_article(column=column, headline="本周头条"), is_lead=True)
    assert client.get(digest.get_absolute_url()).status_code == 404
    editor = Client()
    editor.force_login(make_user(roles=("终审",)))
    with commit():
        response = editor.post(
            reverse("admin:digests_weeklydigest_publish", args=[digest.pk])
        )
    assert response.status_code == 302
    assert "本周头条" in DigestRendering.objects.get(digest=digest).body
    with django_assert_num_queries(1):
        assert "本周头条" in main_text(client, digest)


@pytest.mark.parametrize(
    "change",
    [{"status": "draft"}, {"published_at": "future"}],
    ids=["draft", "scheduled"],
)
def test_a_stored_page_is_served_only_while_its_digest_is_public(client, week, change):
    """Checked by the one query itself, even if the stored page were still there."""
    if change.get("published_at"):
        change = {"published_at": timezone.now() + datetime.timedelta(minutes=1)}
    digest = week["digest"]
    type(digest).objects.filter(pk=digest.pk).update(**change)  # no signals
    assert DigestRendering.objects.filter(digest=digest).exists()
    assert client.get(digest.get_absolute_url()).status_code == 404
