"""The editorial check where editors meet it: the gate, the panel, dismissals."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from articles.checking import check_article
from articles.models import AllowedFinding, Article, FindingDismissal, Review
from articles.services import allow_finding, approve_article, dismiss_finding
from tests.admin_forms import admin_form_data
from tests.factories import make_article, make_user

pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 12, 10)
WRONG = "<p>县长李卫东出席会议。</p>"  # TITLE_NOT_HELD (E): 王中 is 县长
ROLES = ["记者", "编辑", "审核", "终审", "导出"]


def at_final_stage(body=WRONG, **overrides):
    values = {
        "status": Article.Status.REVIEW,
        "review_stage": Article.ReviewStage.FINAL,
        "published_at": None,
        "news_on": DAY,
        "body": body,
    }
    return make_article(**(values | overrides))


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def dismiss_url(article):
    return reverse("admin:articles_article_dismiss_finding", args=[article.pk])


def the_error(article):
    [checked] = [c for c in check_article(article) if c.finding.is_error]
    return checked.finding


class TestPublishGate:
    def test_publishing_with_an_undismissed_error_is_refused(self, register):
        article = at_final_stage()
        with pytest.raises(ValidationError, match="校对发现错误尚未处理"):
            approve_article(article=article, user=make_user(roles=["终审"]))
        article.refresh_from_db()
        assert article.status == Article.Status.REVIEW

    def test_scheduling_is_refused_too(self, register):
        article = at_final_stage()
        later = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
        with pytest.raises(ValidationError):
            approve_article(
                article=article, user=make_user(roles=["终审"]), publish_at=later
            )

    def test_warnings_and_notes_never_block(self, register):
        article = at_final_stage(body="<p>县委副书记张三参加。原县长王中讲话。</p>")
        approve_article(article=article, user=make_user(roles=["终审"]))
        assert article.status == Article.Status.PUBLISHED

    def test_admin_refusal_keeps_what_was_typed_and_says_why(self, register, client):
        article = at_final_stage()
        client.force_login(make_user(roles=["终审"], first_name="张伟"))
        data = admin_form_data(
            client.get(change_url(article)),
            headline="刚改的标题",
            **{"workflow-action": "approve", "workflow-remark": "同意签发"},
        )
        response = client.post(change_url(article), data)
        assert response.status_code == 200
        page = response.content.decode()
        assert "校对发现错误尚未处理" in page
        assert "刚改的标题" in page and "同意签发" in page
        article.refresh_from_db()
        assert article.status == Article.Status.REVIEW

    def test_the_admin_checks_the_text_as_typed(self, register, client):
        article = at_final_stage()
        client.force_login(make_user(roles=["终审"], first_name="张伟"))
        data = admin_form_data(
            client.get(change_url(article)),
            body="<p>县委书记李卫东出席会议。</p>",
            **{"workflow-action": "approve"},
        )
        client.post(change_url(article), data)
        article.refresh_from_db()
        assert article.status == Article.Status.PUBLISHED

    def test_after_review_dismisses_the_error_it_publishes(self, register):
        article = at_final_stage()
        dismiss_finding(
            article=article,
            user=make_user(roles=["审核"]),
            fingerprint=the_error(article).fingerprint,
            reason="当天会议确由李卫东代行",
        )
        approve_article(article=article, user=make_user(roles=["终审"]))
        assert article.status == Article.Status.PUBLISHED


class TestDismissals:
    def test_an_editor_cannot_dismiss_an_error(self, register):
        article = at_final_stage()
        with pytest.raises(PermissionDenied):
            dismiss_finding(
                article=article,
                user=make_user(roles=["编辑"]),
                fingerprint=the_error(article).fingerprint,
                reason="我认为没问题",
            )
        assert not FindingDismissal.objects.exists()

    def test_review_dismisses_an_error_into_the_trail(self, register):
        article = at_final_stage()
        finding = the_error(article)
        dismiss_finding(
            article=article,
            user=make_user(roles=["审核"], first_name="李审"),
            fingerprint=finding.fingerprint,
            reason="已电话核实",
        )
        [checked] = check_article(article)
        assert checked.dismissal is not None and not checked.is_blocking
        review = article.reviews.get(action=Review.Action.DISMISS)
        assert review.reviewer_name == "李审"
        assert "TITLE_NOT_HELD" in review.remark and "已电话核实" in review.remark

    def test_an_error_needs_a_reason_of_four_characters(self, register):
        article = at_final_stage()
        with pytest.raises(ValidationError, match="至少 4 个字"):
            dismiss_finding(
                article=article,
                user=make_user(roles=["审核"]),
                fingerprint=the_error(article).fingerprint,
                reason="无误",
            )

    def test_an_editor_dismisses_a_warning(self, register):
        article = at_final_stage(body="<p>原县长王中讲话。</p>")
        [checked] = check_article(article)
        assert checked.finding.code == "FORMER_BUT_CURRENT"
        dismiss_finding(
            article=article,
            user=make_user(roles=["编辑"]),
            fingerprint=checked.finding.fingerprint,
            reason="引用原话",
        )
        assert check_article(article)[0].dismissal is not None

    def test_the_dismissal_survives_a_recheck_and_lapses_when_the_text_changes(
        self, register
    ):
        article = at_final_stage()
        dismiss_finding(
            article=article,
            user=make_user(roles=["审核"]),
            fingerprint=the_error(article).fingerprint,
            reason="已电话核实",
        )
        article.body = "<p>县长李卫东出席会议并讲话。</p>"  # the matched text unchanged
        article.save()
        assert not [c for c in check_article(article) if c.is_blocking]
        article.body = (
            "<p>县长、县委书记李卫东出席会议。</p>"  # the matched text changed
        )
        article.save()
        assert [c for c in check_article(article) if c.is_blocking]
        with pytest.raises(ValidationError):
            approve_article(article=article, user=make_user(roles=["终审"]))


class TestAllowList:
    def test_only_the_final_signer_adds_to_the_allow_list(self, register):
        with pytest.raises(PermissionDenied):
            allow_finding(
                user=make_user(roles=["审核"]), code="UNREGISTERED", text="张三",
                reason="村干部,不入名录",
            )  # fmt: skip
        allow_finding(
            user=make_user(roles=["终审"]), code="UNREGISTERED", text="张三",
            reason="村干部,不入名录",
        )  # fmt: skip
        article = at_final_stage(body="<p>县委副书记张三参加。</p>")
        [checked] = check_article(article)
        assert checked.allowed is not None

    def test_an_allow_list_entry_needs_a_reason(self, register):
        with pytest.raises(ValidationError):
            allow_finding(
                user=make_user(roles=["终审"]), code="EXPR", text="截止", reason="好"
            )


class TestForgedPosts:
    @pytest.mark.parametrize("role", ROLES)
    def test_dismissing_an_error(self, role, register, client):
        article = at_final_stage()
        client.force_login(make_user(roles=[role]))
        client.post(
            dismiss_url(article),
            {"fingerprint": the_error(article).fingerprint, "reason": "伪造的请求理由"},
        )
        assert FindingDismissal.objects.exists() == (role in ("审核", "终审"))

    @pytest.mark.parametrize("role", ROLES)
    def test_allowing_site_wide(self, role, register, client):
        article = at_final_stage()
        client.force_login(make_user(roles=[role]))
        client.post(
            dismiss_url(article),
            {
                "fingerprint": the_error(article).fingerprint,
                "reason": "伪造的请求理由",
                "scope": "site",
            },
        )
        assert AllowedFinding.objects.exists() == (role == "终审")

    def test_dismissing_needs_a_post(self, register, client):
        article = at_final_stage()
        client.force_login(make_user(roles=["审核"]))
        assert client.get(dismiss_url(article)).status_code == 405


class TestPanel:
    def test_the_change_form_lists_findings_with_spans_marked(self, register, client):
        article = at_final_stage()
        client.force_login(make_user(roles=["终审"]))
        page = client.get(change_url(article)).content.decode()
        assert 'id="editorial"' in page
        assert "TITLE_NOT_HELD" in page
        assert '<mark class="editorial-E">县长李卫东</mark>' in page
        assert "处理前不能发布或定时发布" in page

    def test_an_editor_is_told_who_may_dismiss_an_error(self, register, client):
        article = at_final_stage(status=Article.Status.DRAFT, review_stage="")
        client.force_login(make_user(roles=["编辑"]))
        page = client.get(change_url(article)).content.decode()
        assert "错误级提示只有审核或终审可以忽略" in page

    def test_a_clean_article_says_so(self, register, client):
        article = at_final_stage(body="<p>县委书记李卫东出席。</p>")
        client.force_login(make_user(roles=["终审"]))
        assert "校对没有发现问题" in client.get(change_url(article)).content.decode()
