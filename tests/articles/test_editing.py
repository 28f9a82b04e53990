"""Editing safely: workflow buttons save first, locks follow real activity, and the
read-only view shows photos as readers see them."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.editing import LOCK_TTL, current_lock
from articles.models import Article, EditLock
from media.models import Photo
from tests.admin_forms import admin_form_data
from tests.factories import (
    make_article,
    make_column,
    make_photo,
    make_user,
    place_photo,
)

pytestmark = pytest.mark.django_db


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def lock_url(article):
    return reverse("admin:articles_article_lock", args=[article.pk])


def draft(**overrides):
    return make_article(
        status=Article.Status.DRAFT,
        published_at=None,
        body="<p>原文。</p>",
        **overrides,
    )


def in_review(stage):
    return make_article(
        status=Article.Status.REVIEW, review_stage=stage, published_at=None
    )


class TestWorkflowButtonsSaveFirst:
    def test_submit_saves_the_typed_text_then_submits(self, client):
        article = draft()
        client.force_login(make_user(roles=["记者"], first_name="吴丹"))
        data = admin_form_data(
            client.get(change_url(article)),
            body="<p>原文。</p><p>刚补写的一段。</p>",
            **{"workflow-action": "submit", "workflow-remark": "请审"},
        )
        response = client.post(change_url(article), data, follow=True)
        article.refresh_from_db()
        assert "刚补写的一段" in article.body
        assert article.status == Article.Status.REVIEW
        assert [(r.action, r.remark) for r in article.reviews.all()] == [
            ("submit", "请审")
        ]
        text = response.content.decode()
        assert "的修改已保存" in text and "待初审" in text

    def test_a_form_error_keeps_the_text_and_does_not_act(self, client):
        article = draft()
        client.force_login(make_user(roles=["记者"]))
        data = admin_form_data(
            client.get(change_url(article)),
            headline="",
            body="<p>没保存的新写的一段。</p>",
            **{"workflow-action": "submit", "workflow-remark": "请审阅第二段"},
        )
        response = client.post(change_url(article), data)
        assert response.status_code == 200
        assert "没保存的新写的一段" in response.content.decode()  # back in the editor
        assert ">请审阅第二段</textarea>" in response.content.decode()
        article.refresh_from_db()
        assert article.status == Article.Status.DRAFT
        assert article.body == "<p>原文。</p>"
        assert not article.reviews.exists()

    def test_a_stale_page_neither_saves_nor_acts(self, client):
        article = draft()
        client.force_login(make_user(roles=["编辑"]))
        stale = admin_form_data(
            client.get(change_url(article)),
            body="<p>旧页面上的修改。</p>",
            **{"workflow-action": "submit"},
        )
        article.headline = "别人改过的标题"
        article.save()
        assert client.post(change_url(article), stale).status_code == 200
        article.refresh_from_db()
        assert article.status == Article.Status.DRAFT
        assert article.body == "<p>原文。</p>"

    def test_an_action_the_user_may_not_take_is_refused_before_saving(self, client):
        article = in_review(Article.ReviewStage.FIRST)
        client.force_login(make_user(roles=["编辑"]))
        data = admin_form_data(
            client.get(change_url(article)),
            headline="想顺便发布",
            **{"workflow-action": "unpublish"},
        )
        response = client.post(change_url(article), data)
        assert "不能由你执行“撤销发布”" in response.content.decode()
        article.refresh_from_db()
        assert article.headline != "想顺便发布"
        assert article.status == Article.Status.REVIEW

    def test_return_without_a_reason_keeps_the_saved_edit_and_says_why(self, client):
        article = in_review(Article.ReviewStage.FIRST)
        client.force_login(make_user(roles=["编辑"]))
        data = admin_form_data(
            client.get(change_url(article)),
            headline="编辑改过的标题",
            **{"workflow-action": "return"},
        )
        response = client.post(change_url(article), data, follow=True)
        article.refresh_from_db()
        assert article.headline == "编辑改过的标题"
        assert article.status == Article.Status.REVIEW
        assert "请写明退回原因" in response.content.decode()


class TestLocks:
    def test_a_reviewer_who_passed_the_article_on_holds_no_lock(self, client):
        article = in_review(Article.ReviewStage.FIRST)
        editor = make_user(roles=["编辑"], first_name="张编辑")
        client.force_login(editor)
        page = client.get(change_url(article))
        assert current_lock(obj=article).user == editor
        data = admin_form_data(page, **{"workflow-action": "approve"})
        client.post(change_url(article), data, follow=True)  # lands on the article
        assert current_lock(obj=article) is None
        client.force_login(make_user(roles=["审核"], first_name="李审核"))
        assert "正在编辑" not in client.get(change_url(article)).content.decode()

    def test_a_lock_without_heartbeat_means_nothing(self, client):
        article = draft()
        client.force_login(make_user(roles=["编辑"], first_name="张三"))
        client.get(change_url(article))
        EditLock.objects.update(seen_at=timezone.now() - LOCK_TTL)
        client.force_login(make_user(roles=["编辑"], first_name="李四"))
        assert "张三 自" not in client.get(change_url(article)).content.decode()

    def test_the_heartbeat_keeps_the_lock_alive_and_reports_a_takeover(self, client):
        article = draft()
        first = make_user(roles=["编辑"], first_name="张三")
        client.force_login(first)
        client.get(change_url(article))
        old = timezone.now() - LOCK_TTL + datetime.timedelta(seconds=5)
        EditLock.objects.update(seen_at=old)
        assert client.post(lock_url(article), {"op": "beat"}).json()["held"] is True
        assert EditLock.objects.get().seen_at > old

        client.force_login(make_user(roles=["编辑"], first_name="李四"))
        client.get(change_url(article) + "?takeover=1")
        client.force_login(first)
        state = client.post(lock_url(article), {"op": "beat"}).json()
        assert state["held"] is False
        assert "李四" in state["message"] and "接管编辑" in state["message"]
        assert current_lock(obj=article).user.first_name == "李四"

    def test_leaving_the_page_releases_only_ones_own_lock(self, client):
        article = draft()
        client.force_login(make_user(roles=["编辑"]))
        client.get(change_url(article))
        token = client.post(lock_url(article), {"op": "beat"}).json()["token"]
        client.force_login(make_user(roles=["编辑"]))
        client.post(lock_url(article), {"op": "release", "token": token})
        assert current_lock(obj=article) is not None
        client.force_login(current_lock(obj=article).user)
        client.post(lock_url(article), {"op": "release", "token": token})
        assert current_lock(obj=article) is None

    def test_a_reloaded_page_keeps_the_lock_its_predecessor_gives_back(self, client):
        article = draft()
        client.force_login(make_user(roles=["编辑"], first_name="张三"))
        client.get(change_url(article))
        old = client.post(lock_url(article), {"op": "beat"}).json()["token"]
        client.get(change_url(article))  # the reload takes the lock anew
        client.post(lock_url(article), {"op": "release", "token": old})  # late beacon
        assert current_lock(obj=article) is not None
        client.post(lock_url(article), {"op": "release"})  # no token: left to lapse
        assert current_lock(obj=article) is not None
        client.force_login(make_user(roles=["编辑"]))
        assert "张三 自" in client.get(change_url(article)).content.decode()

    def test_only_those_who_may_edit_beat_and_nobody_takes_a_lock_by_viewing(
        self, client
    ):
        article = make_article()  # published: only the final signer edits it
        client.force_login(make_user(roles=["记者"]))
        client.get(change_url(article))
        assert current_lock(obj=article) is None
        beat = client.post(lock_url(article), {"op": "beat"})
        assert beat.status_code == 200 and beat.json()["held"] is False
        assert current_lock(obj=article) is None
        assert client.get(lock_url(article)).status_code == 405
        client.force_login(make_user(roles=[], is_staff=True))  # may not even look
        assert client.post(lock_url(article), {"op": "beat"}).status_code == 403


def test_the_read_only_view_shows_photos_as_readers_see_them(client):
    article = make_article()
    place_photo(
        article, make_photo(caption="群众在便民服务中心办事。", credit_name="吴丹")
    )
    client.force_login(make_user(roles=["记者"]))
    text = client.get(change_url(article)).content.decode()
    assert "群众在便民服务中心办事。记者 吴丹/摄" in text
    assert "放在正文第 1 段之后" in text
    for english in ("Existing", "Image", "Credit role", "Alt text", "None"):
        assert english not in text


def test_a_login_without_a_name_cannot_sign_a_review_step(client):
    article = draft()
    client.force_login(make_user(roles=["记者"], first_name=""))
    data = admin_form_data(
        client.get(change_url(article)), **{"workflow-action": "submit"}
    )
    response = client.post(change_url(article), data, follow=True)
    assert "你的账号还没有填写姓名" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert not article.reviews.exists()


def test_a_schedule_years_ahead_is_refused(client):
    article = in_review(Article.ReviewStage.FINAL)
    client.force_login(make_user(roles=["终审"]))
    data = admin_form_data(
        client.get(change_url(article)),
        **{"workflow-action": "approve", "workflow-publish_at": "9999-12-31T23:59"},
    )
    response = client.post(change_url(article), data)
    assert "定时发布时间不能晚于一年以后" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.REVIEW


@pytest.mark.parametrize(
    ("state", "role", "reason"),
    [
        ({}, "编辑", "这篇稿件已发布,只有终审可以修改"),
        (
            {"published_at": timezone.now() + datetime.timedelta(days=1)},
            "记者",
            "这篇稿件已定时发布,只有终审可以修改",
        ),
        (
            {
                "status": Article.Status.REVIEW,
                "review_stage": Article.ReviewStage.FIRST,
                "published_at": None,
            },
            "审核",
            "这篇稿件正在待初审(编辑),只有这一环节的审核人员或终审可以修改",
        ),
    ],
)
def test_a_read_only_article_says_why(client, state, role, reason):
    article = make_article(**state)
    client.force_login(make_user(roles=[role]))
    assert reason in client.get(change_url(article)).content.decode()


def test_view_on_site_is_offered_only_where_the_page_opens(client):
    article = in_review(Article.ReviewStage.FIRST)
    client.force_login(make_user(roles=["记者"]))
    assert "在站点上查看" not in client.get(change_url(article)).content.decode()
    assert client.get(article.get_absolute_url()).status_code == 404
    client.force_login(make_user(roles=["编辑"]))
    assert "在站点上查看" in client.get(change_url(article)).content.decode()


def test_a_new_article_starts_in_the_usual_column(client):
    make_column(name="投资发展")
    column = make_column(name="巫溪要闻", slug="wxyw")
    client.force_login(make_user(roles=["记者"]))
    form = client.get(reverse("admin:articles_article_add")).context["adminform"].form
    assert form["column"].value() == column.pk


class TestNothingTypedIsLostWhenTheArticleMovesOn:
    def test_whoever_takes_over_is_not_overwritten_by_the_page_they_took_it_from(
        self,
    ):
        article = draft(headline="原标题")
        first, second = Client(), Client()
        first.force_login(make_user(roles=["记者"], first_name="李明"))
        second.force_login(make_user(roles=["编辑"], first_name="王芳"))
        first_page = first.get(change_url(article))
        second_page = second.get(change_url(article) + "?takeover=1")
        refused = first.post(
            change_url(article), admin_form_data(first_page, headline="李明的标题")
        )
        assert refused.status_code == 200  # the form again, with what was typed
        html = refused.content.decode()
        assert "王芳" in html and "接管了编辑" in html and "李明的标题" in html
        saved = second.post(
            change_url(article), admin_form_data(second_page, headline="王芳的标题")
        )
        assert saved.status_code == 302
        article.refresh_from_db()
        assert article.headline == "王芳的标题"

    def test_a_save_after_the_article_moved_on_says_why_and_hands_back_the_text(
        self, client
    ):
        article = draft()
        reporter = make_user(roles=["记者"], first_name="李明")
        client.force_login(reporter)
        page = client.get(change_url(article))
        article.status, article.review_stage = "review", Article.ReviewStage.FIRST
        article.save()  # submitted from another tab
        response = client.post(
            change_url(article),
            admin_form_data(page, body="<p>原文。</p><p>刚写好的一段,不能丢。</p>"),
        )
        assert response.status_code == 403
        html = response.content.decode()
        assert "这篇稿件正在待初审" in html
        assert "刚写好的一段,不能丢。" in html
        assert "Forbidden" not in html
        article.refresh_from_db()
        assert "不能丢" not in article.body

    def test_the_open_page_hears_at_its_next_beat_that_the_article_moved_on(
        self, client
    ):
        article = draft()
        client.force_login(make_user(roles=["记者"], first_name="李明"))
        client.get(change_url(article))
        article.status, article.review_stage = "review", Article.ReviewStage.FIRST
        article.save()
        state = client.post(lock_url(article), {"op": "beat"}).json()
        assert state["held"] is False
        assert "待初审" in state["message"] and "保存会被拒绝" in state["message"]


class TestThePhotoLibraryAndTheArticleForm:
    def setup_article(self, client):
        article = draft()
        photo = make_photo(caption="原说明。", credit_name="李明")
        place_photo(article, photo)
        client.force_login(make_user(roles=["记者"], first_name="李明"))
        page = client.get(change_url(article))
        Photo.objects.filter(pk=photo.pk).update(
            caption="图片库里改过的说明。", updated_at=timezone.now()
        )  # another editor, in the photo library, after the page was opened
        return article, photo, page

    def test_an_outdated_page_never_writes_back_the_old_caption(self, client):
        article, photo, page = self.setup_article(client)
        response = client.post(
            change_url(article), admin_form_data(page, headline="只改了标题")
        )
        assert response.status_code == 200  # refused, the typing kept, told why
        assert "保存被拒绝" in response.content.decode()
        assert "只改了标题" in response.content.decode()
        photo.refresh_from_db()
        assert photo.caption == "图片库里改过的说明。"
        fresh = admin_form_data(client.get(change_url(article)), headline="只改了标题")
        assert client.post(change_url(article), fresh).status_code == 302
        photo.refresh_from_db()
        assert photo.caption == "图片库里改过的说明。"

    def test_changing_the_photo_from_an_outdated_page_is_refused(self, client):
        article, photo, page = self.setup_article(client)
        data = admin_form_data(page, **{"placements-0-caption": "记者的新说明。"})
        response = client.post(change_url(article), data)
        assert response.status_code == 200
        assert "保存被拒绝" in response.content.decode()
        photo.refresh_from_db()
        assert photo.caption == "图片库里改过的说明。"
