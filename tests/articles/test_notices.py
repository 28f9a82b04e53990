"""Workflow notices: who hears about each step, in the admin and by email."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Notice
from articles.services import (
    approve_article,
    return_article,
    submit_article,
    unpublish_article,
)
from tests.factories import make_article, make_column, make_user

pytestmark = pytest.mark.django_db


class BrokenBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server down")


@pytest.fixture
def team():
    return {
        "reporter": make_user(roles=["记者"], first_name="吴丹", email="wd@example.cn"),
        "other_reporter": make_user(roles=["记者"], first_name="周超"),
        "editor": make_user(roles=["编辑"], first_name="王芳", email="wf@example.cn"),
        "reviewer": make_user(roles=["审核"], first_name="陈静", email="cj@example.cn"),
        "signoff": make_user(roles=["终审"], first_name="刘洋", email="ly@example.cn"),
        "exporter": make_user(roles=["导出"], first_name="赵敏"),
        "chief": make_user(roles=[], superuser=True, first_name="张伟"),
    }


@pytest.fixture
def article(team):
    return make_article(
        column=make_column(name="巫溪要闻", slug="wxyw"),
        headline="全县森林防火会议召开",
        status=Article.Status.DRAFT,
        published_at=None,
        created_by=team["reporter"],
    )


@pytest.fixture
def step(django_capture_on_commit_callbacks):
    """Run a workflow step as the admin does, its after-commit work included."""

    def run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return run


def told(user) -> list[str]:
    return list(Notice.objects.for_user(user).values_list("text", flat=True))


def recipients() -> set:
    return set(Notice.objects.values_list("recipient__first_name", flat=True))


def test_submitting_tells_the_first_reviewers_only(team, article, step):
    step(submit_article, article=article, user=team["reporter"])
    assert recipients() == {"王芳"}
    assert told(team["editor"]) == ["《全县森林防火会议召开》待初审(编辑),等你处理。"]
    notice = Notice.objects.get()
    assert (notice.kind, notice.article, notice.read_at) == ("stage", article, None)


def test_each_stage_tells_the_next_stages_people(team, article, step):
    step(submit_article, article=article, user=team["reporter"])
    Notice.objects.all().delete()
    step(approve_article, article=article, user=team["editor"])
    assert recipients() == {"陈静"}
    Notice.objects.all().delete()
    step(approve_article, article=article, user=team["reviewer"])
    assert recipients() == {"刘洋"}
    assert "待终审" in told(team["signoff"])[0]


def test_signing_off_tells_the_author_and_this_rounds_reviewers(team, article, step):
    step(submit_article, article=article, user=team["reporter"])
    step(approve_article, article=article, user=team["editor"])
    step(approve_article, article=article, user=team["reviewer"])
    Notice.objects.all().delete()
    step(approve_article, article=article, user=team["signoff"])
    assert recipients() == {"吴丹", "王芳", "陈静"}
    assert told(team["reporter"]) == ["《全县森林防火会议召开》已由刘洋签发发布。"]
    assert {n.kind for n in Notice.objects.all()} == {"published"}


def test_a_scheduled_sign_off_says_when_it_goes_live(team, article, step):
    step(submit_article, article=article, user=team["reporter"])
    step(approve_article, article=article, user=team["editor"])
    step(approve_article, article=article, user=team["reviewer"])
    at = timezone.now() + datetime.timedelta(days=2)
    step(approve_article, article=article, user=team["signoff"], publish_at=at)
    assert "定时发布" in told(team["reporter"])[-1]
    assert f"{timezone.localtime(at):%m月%d日 %H:%M}" in told(team["reporter"])[-1]


def test_a_return_tells_the_author_with_the_reason(team, article, step):
    step(submit_article, article=article, user=team["reporter"])
    step(approve_article, article=article, user=team["editor"])
    Notice.objects.all().delete()
    step(return_article, article=article, user=team["reviewer"], reason="数据需核实")
    assert recipients() == {"吴丹", "王芳"}
    assert told(team["reporter"]) == [
        "陈静退回了稿件《全县森林防火会议召开》,原因:数据需核实。"
    ]
    assert Notice.objects.filter(kind="returned").count() == 2


def test_an_unpublish_notifies_nobody(team, article, step):
    article.status, article.published_at = Article.Status.PUBLISHED, timezone.now()
    article.save()
    step(unpublish_article, article=article, user=team["signoff"])
    assert Notice.objects.count() == 0


def test_the_actor_is_never_told_about_their_own_step(team, article, step):
    # One person holding every role passes the article through all stages.
    chief = make_user(roles=["记者", "编辑", "审核", "终审"], first_name="陈主编")
    article.created_by = chief
    article.save()
    step(submit_article, article=article, user=chief)
    step(approve_article, article=article, user=chief)
    assert told(chief) == []
    assert recipients() == {"王芳", "陈静"}


def test_a_rolled_back_step_notifies_nobody(
    team, article, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            submit_article(article=article, user=team["reporter"])
            raise RuntimeError("the request failed after the step")
    assert callbacks == []
    assert Notice.objects.count() == 0


def test_a_refused_step_notifies_nobody(team, article, step):
    step(submit_article, article=article, user=team["reporter"])
    Notice.objects.all().delete()
    with pytest.raises(PermissionDenied):
        step(approve_article, article=article, user=team["reporter"])
    assert Notice.objects.count() == 0


class TestEmail:
    def test_emails_go_to_the_people_told_when_email_is_configured(
        self, team, article, step, settings
    ):
        settings.NOTICE_EMAILS = True
        step(submit_article, article=article, user=team["reporter"])
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["wf@example.cn"]
        assert (
            message.subject
            == "【巫溪要闻】《全县森林防火会议召开》待初审(编辑),等你处理。"
        )
        assert reverse("admin:articles_article_change", args=[article.pk]) in (
            message.body
        )

    def test_no_email_without_configuration(self, team, article, step, settings):
        settings.NOTICE_EMAILS = False
        step(submit_article, article=article, user=team["reporter"])
        assert mail.outbox == []
        assert Notice.objects.count() == 1

    def test_a_mail_server_that_is_down_never_breaks_the_step(
        self, team, article, step, settings
    ):
        settings.NOTICE_EMAILS = True
        settings.EMAIL_BACKEND = "tests.articles.test_notices.BrokenBackend"
        step(submit_article, article=article, user=team["reporter"])
        article.refresh_from_db()
        assert article.review_stage == Article.ReviewStage.FIRST
        assert Notice.objects.count() == 1


class TestTheBell:
    def test_every_admin_page_shows_my_unread_count(self, client, team, article, step):
        step(submit_article, article=article, user=team["reporter"])
        client.force_login(team["editor"])
        for url in (
            reverse("admin:index"),
            reverse("admin:articles_article_changelist"),
            reverse("admin:articles_article_change", args=[article.pk]),
        ):
            assert '<span class="notice-count">1</span>' in client.get(url).text, url
        client.force_login(team["reviewer"])
        assert "notice-count" not in client.get(reverse("admin:index")).text

    def test_opening_a_notice_marks_it_read_and_goes_to_the_article(
        self, client, team, article, step
    ):
        step(submit_article, article=article, user=team["reporter"])
        notice = Notice.objects.get()
        client.force_login(team["editor"])
        listing = client.get(reverse("admin:notices"))
        assert notice.text in listing.text and "未读" in listing.text
        response = client.get(reverse("admin:notice_open", args=[notice.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse(
            "admin:articles_article_change", args=[article.pk]
        )
        notice.refresh_from_db()
        assert notice.read_at is not None
        assert "notice-count" not in client.get(reverse("admin:index")).text

    def test_someone_elses_notice_cannot_be_opened_or_marked_read(
        self, client, team, article, step
    ):
        step(submit_article, article=article, user=team["reporter"])
        notice = Notice.objects.get()
        for intruder in ("reporter", "reviewer", "signoff", "chief"):
            client.force_login(team[intruder])
            response = client.get(reverse("admin:notice_open", args=[notice.pk]))
            assert response.status_code == 404, intruder
            assert notice.text not in client.get(reverse("admin:notices")).text
            client.post(reverse("admin:notices_read_all"))
        notice.refresh_from_db()
        assert notice.read_at is None

    def test_mark_all_read_takes_a_post_with_a_csrf_token(self, team, article, step):
        step(submit_article, article=article, user=team["reporter"])
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(team["editor"])
        assert browser.get(reverse("admin:notices_read_all")).status_code == 405
        assert browser.post(reverse("admin:notices_read_all")).status_code == 403
        assert Notice.objects.unread().count() == 1
        client = Client()
        client.force_login(team["editor"])
        response = client.post(reverse("admin:notices_read_all"))
        assert response.status_code == 302
        assert Notice.objects.unread().count() == 0

    def test_notices_are_for_staff_only(self, client, team):
        assert client.get(reverse("admin:notices")).status_code == 302
        user = make_user(roles=[], is_staff=False)
        client.force_login(user)
        response = client.get(reverse("admin:notices"))
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]


def test_the_admins_workflow_buttons_notify_and_a_forged_step_does_not(
    client, team, article, django_capture_on_commit_callbacks
):
    url = reverse("admin:articles_article_workflow", args=[article.pk])

    def step(action):  # as the article's page sends it, with its change marker
        article.refresh_from_db(fields=["updated_at"])
        seen = article.updated_at.isoformat()
        client.post(url, {"action": action, "seen_updated_at": seen})

    client.force_login(team["reporter"])
    with django_capture_on_commit_callbacks(execute=True):
        step("submit")
    assert recipients() == {"王芳"}
    with django_capture_on_commit_callbacks(execute=True):
        step("approve")  # a reporter may not pass 初审
    assert Notice.objects.count() == 1
    client.force_login(team["editor"])
    with django_capture_on_commit_callbacks(execute=True):
        step("approve")
    assert told(team["reviewer"]) == ["《全县森林防火会议召开》待复审(审核),等你处理。"]
