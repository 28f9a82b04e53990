import datetime
import io
import json

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from reversion.models import Version

from articles.models import Article, ArticlePhoto
from articles.services import approve_article, return_article, submit_article
from tests.admin_forms import admin_form_data
from tests.factories import (
    add_item,
    make_article,
    make_column,
    make_digest,
    make_person,
    make_user,
    place_photo,
)

pytestmark = pytest.mark.django_db

HOSTILE_BODY = (
    '<p onclick="steal()">第一段<script>alert(1)</script></p>'
    '<p><a href="javascript:alert(2)">链接</a><img src=x onerror="alert(3)"></p>'
    '<p style="position:fixed">第二段<iframe src="https://evil.example/"></iframe></p>'
)


def add_url():
    return reverse("admin:articles_article_add")


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def workflow_url(article):
    return reverse("admin:articles_article_workflow", args=[article.pk])


def post_step(client, article, data, **kwargs):
    """A workflow button of the article's read-only page, sent with its change marker."""
    article.refresh_from_db(fields=["updated_at"])
    data = {"seen_updated_at": article.updated_at.isoformat(), **data}
    return client.post(workflow_url(article), data, **kwargs)


def png_upload(name="photo.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), "blue").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), "image/png")


def new_article_data(client, **overrides):
    column = make_column()
    response = client.get(add_url())
    values = {
        "headline": "县委常委会召开会议",
        "column": str(column.pk),
        "news_on": "2024-12-10",
        "body": "<p>第一段。</p><p>第二段。</p>",
    } | overrides
    return admin_form_data(response, **values)


def test_hostile_html_is_sanitized_when_saved_through_the_admin(client):
    client.force_login(make_user(roles=["记者"]))
    response = client.post(add_url(), new_article_data(client, body=HOSTILE_BODY))
    assert response.status_code == 302
    body = Article.objects.get().body
    for hostile in [
        "<script",
        "onclick",
        "javascript:",
        "onerror",
        "<img",
        "style=",
        "<iframe",
    ]:
        assert hostile not in body
    assert "第一段" in body and "第二段" in body and "链接" in body


def test_headline_is_nfc_without_invisible_characters_and_keeps_fullwidth_punctuation(
    client,
):
    client.force_login(make_user(roles=["记者"]))
    headline = "巫溪\u200b县:e\u0301“冬季\u202e攻势”!"
    client.post(add_url(), new_article_data(client, headline=headline))
    assert Article.objects.get().headline == "巫溪县:\u00e9“冬季攻势”!"


def test_new_article_is_a_draft_recorded_with_its_author(client):
    reporter = make_user(roles=["记者"])
    client.force_login(reporter)
    client.post(add_url(), new_article_data(client))
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    assert article.created_by == reporter == article.updated_by


def test_reporter_cannot_publish_by_adding_a_status_field_to_the_form(client):
    client.force_login(make_user(roles=["记者"]))
    data = new_article_data(
        client,
        status="published",
        review_stage="",
        published_at_0="2024-12-10",
        published_at_1="08:00:00",
    )
    client.post(add_url(), data)
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    assert article.published_at is None


def test_reporter_cannot_publish_by_posting_to_the_workflow_url(client):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    client.force_login(make_user(roles=["记者"]))
    post_step(client, article, {"action": "submit"})
    response = post_step(client, article, {"action": "approve"}, follow=True)
    assert "不能由你执行“审核通过”" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.REVIEW
    assert article.review_stage == Article.ReviewStage.FIRST
    assert [r.action for r in article.reviews.all()] == ["submit"]


def test_reporter_cannot_use_the_bulk_approve_action(client):
    article = make_article(
        status=Article.Status.REVIEW,
        review_stage=Article.ReviewStage.FINAL,
        published_at=None,
    )
    client.force_login(make_user(roles=["记者"]))
    response = client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "approve_selected", "_selected_action": [article.pk]},
        follow=True,
    )
    assert "approve_selected" not in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.REVIEW


def test_reporter_cannot_change_an_article_in_review(client):
    article = make_article(
        status=Article.Status.REVIEW, review_stage=Article.ReviewStage.FIRST
    )
    client.force_login(make_user(roles=["记者"]))
    page = client.get(change_url(article))
    assert page.status_code == 200  # view only
    data = {
        "headline": "改掉的标题",
        "column": article.column_id,
        "news_on": "2024-12-10",
    }
    assert client.post(change_url(article), data).status_code == 403
    article.refresh_from_db()
    assert article.headline != "改掉的标题"


def test_three_reviews_publish_and_the_trail_gives_the_review_line(client):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    steps = [
        (["记者"], "submit", ""),
        (["编辑"], "approve", "文字已校对"),
        (["审核"], "approve", ""),
        (["终审"], "approve", "同意发布"),
    ]
    names = {"编辑": "张编辑", "审核": "李审核", "终审": "王终审"}
    for roles, action, remark in steps:
        user = make_user(roles=roles, first_name=names.get(roles[0], "赵记者"))
        client.force_login(user)
        post_step(client, article, {"action": action, "remark": remark})
    article.refresh_from_db()
    assert article.is_published
    assert article.review_line == "责任编辑:张编辑 审核:李审核 终审:王终审"
    assert article.responsible_editor == "张编辑"
    assert article.reviews.get(action="first").remark == "文字已校对"


def test_final_sign_off_can_schedule_publication(client):
    article = make_article(
        status=Article.Status.REVIEW,
        review_stage=Article.ReviewStage.FINAL,
        published_at=None,
    )
    client.force_login(make_user(roles=["终审"]))
    later = timezone.localtime() + datetime.timedelta(days=1)
    post_step(
        client,
        article,
        {"action": "approve", "publish_at": later.strftime("%Y-%m-%dT%H:%M")},
    )
    article.refresh_from_db()
    assert article.is_scheduled
    assert not Article.objects.published().filter(pk=article.pk).exists()


def test_sending_back_needs_a_reason(client):
    article = make_article(
        status=Article.Status.REVIEW, review_stage=Article.ReviewStage.SECOND
    )
    client.force_login(make_user(roles=["审核"]))
    response = post_step(client, article, {"action": "return"}, follow=True)
    assert "请写明退回原因" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.REVIEW
    post_step(client, article, {"action": "return", "remark": "数据需核实"})
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert article.reviews.last().remark == "数据需核实"
    assert article.review_line == ""


def test_unpublish_takes_the_article_off_the_site(client):
    article = make_article()
    client.force_login(make_user(roles=["终审"]))
    post_step(client, article, {"action": "unpublish", "remark": "有误"})
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert not Article.objects.published().exists()


def test_a_stale_save_is_refused_and_the_newer_text_is_kept(client):
    article = make_article(status=Article.Status.DRAFT, body="<p>原文。</p>")
    first, second = (
        make_user(roles=["编辑"]),
        make_user(roles=["编辑"], first_name="李四"),
    )
    client.force_login(first)
    stale = admin_form_data(client.get(change_url(article)), body="<p>甲的修改。</p>")

    client.force_login(second)  # the first page was left open: 乙 takes over
    page = client.get(change_url(article) + "?takeover=1")
    fresh = admin_form_data(page, body="<p>乙的修改。</p>")
    assert client.post(change_url(article), fresh).status_code == 302

    client.force_login(first)
    response = client.post(change_url(article), stale)
    assert response.status_code == 200
    assert "李四" in response.content.decode()
    assert "保存被拒绝" in response.content.decode()
    article.refresh_from_db()
    assert article.body == "<p>乙的修改。</p>"


def test_opening_an_article_someone_is_editing_shows_who_and_allows_takeover(client):
    article = make_article(status=Article.Status.DRAFT)
    client.force_login(make_user(roles=["编辑"], first_name="张三"))
    client.get(change_url(article))
    client.force_login(make_user(roles=["编辑"], first_name="李四"))
    response = client.get(change_url(article))
    content = response.content.decode()
    assert "张三 自" in content and "正在编辑这篇稿件" in content
    assert "接管编辑" in content
    response = client.get(change_url(article) + "?takeover=1")
    assert "你已接管编辑" in response.content.decode()
    client.force_login(make_user(roles=["编辑"]))
    assert "李四 自" in client.get(change_url(article)).content.decode()


def test_an_uploaded_photo_is_placed_after_the_first_paragraph(client, media_root):
    client.force_login(make_user(roles=["记者"]))
    data = new_article_data(client)
    data |= {
        "placements-0-image": png_upload("IMG_0001.png"),
        "placements-0-caption": "群众在新建的便民服务中心办事。",
        "placements-0-credit_role": "记者",
        "placements-0-credit_name": "吴丹",
        "placements-0-alt_text": "服务大厅里排队的群众",
        "placements-0-after_paragraph": "1",
        "placements-0-order": "0",
    }
    response = client.post(add_url(), data)
    assert response.status_code == 302, response.context["errors"]
    article = Article.objects.get()
    blocks = article.blocks()
    assert [b.kind for b in blocks] == ["html", "photo", "html"]
    photo = blocks[1].photo
    assert photo.caption_line == "群众在新建的便民服务中心办事。记者 吴丹/摄"
    assert photo.alt_text == "服务大厅里排队的群众"
    assert photo.image.name.endswith(".png") and "IMG_0001" not in photo.image.name
    # The form shows the thumbnail of the placed photo.
    assert photo.image.url in client.get(change_url(article)).content.decode()


def test_a_fake_image_in_the_photo_inline_keeps_the_typed_article(client):
    client.force_login(make_user(roles=["记者"]))
    data = new_article_data(client, headline="不能丢的标题")
    data |= {
        "placements-0-image": SimpleUploadedFile(
            "a.jpg", b"GIF89a nonsense", "image/jpeg"
        ),
        "placements-0-caption": "说明",
        "placements-0-after_paragraph": "1",
        "placements-0-order": "0",
    }
    response = client.post(add_url(), data)
    assert response.status_code == 200
    assert "不是这几种图片" in response.content.decode()
    assert response.context["adminform"].form["headline"].value() == "不能丢的标题"
    assert not Article.objects.exists()


def test_restoring_an_earlier_revision_brings_back_body_and_photos(client):
    from reversion.models import Version

    client.force_login(make_user(roles=["编辑"]))
    article = make_article(status=Article.Status.DRAFT, body="<p>最初的正文。</p>")
    placement = place_photo(article, after_paragraph=1)
    photo = placement.photo
    # First admin save: the revision to come back to.
    client.post(change_url(article), admin_form_data(client.get(change_url(article))))
    # Second save: new body, photo removed.
    data = admin_form_data(
        client.get(change_url(article)),
        body="<p>改过的正文。</p>",
        **{"placements-0-DELETE": "on"},
    )
    assert client.post(change_url(article), data).status_code == 302
    assert not article.placements.exists()

    versions = Version.objects.get_for_object(article).order_by("pk")
    assert versions.count() == 2
    assert (
        not Version.objects.get_for_object(placement)
        .filter(revision=versions[1].revision)
        .exists()
    )
    revision_url = reverse(
        "admin:articles_article_revision", args=[article.pk, versions[0].pk]
    )
    page = client.get(revision_url)
    assert "最初的正文" in page.content.decode()
    assert client.post(revision_url, admin_form_data(page)).status_code == 302
    article.refresh_from_db()
    assert article.body == "<p>最初的正文。</p>"
    assert list(article.placements.values_list("photo", flat=True)) == [photo.pk]
    assert article.status == Article.Status.DRAFT


def test_restoring_a_revision_does_not_restore_an_old_publication_state(client):
    from reversion.models import Version

    client.force_login(make_user(roles=["编辑", "终审"]))
    article = make_article()  # published
    client.post(change_url(article), admin_form_data(client.get(change_url(article))))
    post_step(client, article, {"action": "unpublish", "remark": "撤稿"})
    version = Version.objects.get_for_object(article).order_by("pk").first()
    url = reverse("admin:articles_article_revision", args=[article.pk, version.pk])
    client.post(url, admin_form_data(client.get(url)))
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_deleting_an_article_in_a_digest_is_refused_with_a_clear_message(client):
    article = make_article()
    add_item(make_digest(), article)
    client.force_login(make_user(roles=["终审"]))
    url = reverse("admin:articles_article_delete", args=[article.pk])
    response = client.get(url)
    assert "这篇稿件已收录在下面列出的每周要闻中,不能删除" in response.content.decode()
    client.post(url, {"post": "yes"})
    assert Article.objects.filter(pk=article.pk).exists()


def test_list_filters_by_column_status_date_reporter_and_official_and_searches_body(
    client,
):
    client.force_login(make_user(roles=["编辑"]))
    make_article(headline="甲稿", body="<p>正文里有蜂蜜产业。</p>")
    make_article(headline="乙稿", officials=[make_person(), make_person()])
    url = reverse("admin:articles_article_changelist")
    response = client.get(url, {"q": "蜂蜜"})
    assert response.context["cl"].result_count == 1
    filters = {spec.title for spec in response.context["cl"].filter_specs}
    assert {"状态", "审核环节", "栏目", "新闻日期", "创建人", "涉及的领导"} <= filters


def test_admin_pages_are_not_cached_and_only_the_article_form_allows_inline_scripts(
    client,
):
    article = make_article(status=Article.Status.DRAFT)
    client.force_login(make_user(roles=["编辑"]))
    pages = [
        reverse("admin:index"),
        reverse("admin:articles_article_changelist"),
        change_url(article),
        reverse("admin:digests_weeklydigest_changelist"),
    ]
    for url in pages:
        response = client.get(url)
        assert "no-store" in response["Cache-Control"], url
    article_csp = client.get(change_url(article))["Content-Security-Policy"]
    assert "'unsafe-inline'" in article_csp.split("script-src")[1].split(";")[0]
    index_csp = client.get(reverse("admin:index"))["Content-Security-Policy"]
    assert "'unsafe-inline'" not in index_csp.split("script-src")[1].split(";")[0]
    client.logout()
    assert "no-store" in client.get(reverse("admin:login"))["Cache-Control"]


def test_ckeditor_has_no_upload_endpoint_and_no_version_check(settings, client):
    from django.urls import NoReverseMatch

    assert settings.CKEDITOR_CONFIGS["default"]["versionCheck"] is False
    assert "ckeditor_uploader" not in settings.INSTALLED_APPS
    with pytest.raises(NoReverseMatch):
        reverse("ckeditor_upload")
    article = make_article(status=Article.Status.DRAFT)
    client.force_login(make_user(roles=["编辑"]))
    content = client.get(change_url(article)).content.decode()
    assert 'data-type="ckeditortype"' in content
    assert "&quot;versionCheck&quot;: false" in content


def test_failed_logins_are_throttled_with_a_chinese_message(client, settings):
    make_user(username="reporter1", roles=["记者"])
    url = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "reporter1", "password": "wrong"})
    response = client.post(
        url, {"username": "reporter1", "password": "pw-for-tests-123"}
    )
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_session_and_password_settings_protect_editors(settings):
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    lengths = [
        v.get("OPTIONS", {}).get("min_length")
        for v in settings.AUTH_PASSWORD_VALIDATORS
    ]
    assert 10 in lengths


def test_role_groups_exist_with_the_three_review_permissions():
    from django.contrib.auth.models import Group

    def codes(name):
        return set(
            Group.objects.get(name=name).permissions.values_list("codename", flat=True)
        )

    assert "publish_article" not in codes("记者")
    assert "first_review_article" in codes("编辑")
    assert "review_article" in codes("审核")
    assert {"publish_article", "publish_weeklydigest"} <= codes("终审")
    assert "export_weeklydigest" in codes("导出")
    assert not ArticlePhoto.objects.exists()


def test_a_workflow_step_never_writes_back_text_it_loaded_before_another_save():
    article = make_article(
        status=Article.Status.REVIEW,
        review_stage=Article.ReviewStage.FIRST,
        published_at=None,
        headline="旧标题",
    )
    loaded = Article.objects.get(pk=article.pk)  # the approver's copy
    Article.objects.filter(pk=article.pk).update(headline="编辑刚改的标题")
    approve_article(article=loaded, user=make_user(roles=["编辑"]))
    article.refresh_from_db()
    assert article.headline == "编辑刚改的标题"
    assert article.review_stage == Article.ReviewStage.SECOND


def test_a_workflow_step_acts_on_the_committed_state_not_a_stale_copy():
    article = make_article(
        status=Article.Status.REVIEW,
        review_stage=Article.ReviewStage.FIRST,
        published_at=None,
    )
    first, second = (
        Article.objects.get(pk=article.pk),
        Article.objects.get(pk=article.pk),
    )
    approve_article(article=first, user=make_user(roles=["编辑"]))
    with pytest.raises(PermissionDenied):  # the copy still says 待初审; it is 待复审
        approve_article(article=second, user=make_user(roles=["编辑"]))
    article.refresh_from_db()
    assert article.review_stage == Article.ReviewStage.SECOND


def test_a_step_from_a_page_opened_before_another_save_is_refused(client):
    article = make_article(
        status=Article.Status.REVIEW,
        review_stage=Article.ReviewStage.FIRST,
        published_at=None,
    )
    client.force_login(make_user(roles=["编辑"], first_name="赵敏"))
    seen = article.updated_at.isoformat()
    other = make_user(roles=["编辑"], username="wangfang", first_name="王芳")
    article.headline, article.updated_by = "王芳刚改的标题", other
    article.save()
    response = client.post(
        workflow_url(article),
        {"action": "approve", "seen_updated_at": seen},
        follow=True,
    )
    html = response.content.decode()
    assert "操作被拒绝" in html and "王芳" in html
    article.refresh_from_db()
    assert article.review_stage == Article.ReviewStage.FIRST
    # Without the page's marker (a forged POST), the step is refused too.
    client.post(workflow_url(article), {"action": "approve"})
    article.refresh_from_db()
    assert article.review_stage == Article.ReviewStage.FIRST


def test_list_shows_and_filters_the_creators_name_not_their_login(client):
    reporter = make_user(roles=["记者"], username="reporter", first_name="李明")
    make_article(headline="李明的稿", created_by=reporter)
    client.force_login(make_user(roles=["编辑"], first_name="王芳"))
    response = client.get(reverse("admin:articles_article_changelist"))
    cells = [cell.get_text(strip=True) for cell in _first_row(response.text)]
    assert "李明" in cells and "reporter" not in cells
    [creators] = [
        spec for spec in response.context["cl"].filter_specs if spec.title == "创建人"
    ]
    labels = [label for _, label in creators.lookup_choices]
    assert "李明" in labels and "王芳" in labels
    assert not {"reporter", "user"} & {label.rstrip("0123456789") for label in labels}


def _first_row(html):
    row = BeautifulSoup(html, "html.parser").select("#result_list tbody tr")[0]
    return row.select("th, td")


def _returned_draft(reason: str) -> Article:
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    submit_article(article=article, user=make_user(roles=["记者"], first_name="李明"))
    return_article(
        article=article,
        user=make_user(roles=["编辑"], first_name="王芳"),
        reason=reason,
    )
    return article


def test_list_marks_a_returned_draft_with_its_reason_in_fixed_queries(client):
    client.force_login(make_user(roles=["编辑"], first_name="王芳"))
    url = reverse("admin:articles_article_changelist")
    returned = _returned_draft("导语太长,请压缩到两句。")
    fresh = make_article(status=Article.Status.DRAFT, published_at=None)
    html = client.get(url).text
    rows = BeautifulSoup(html, "html.parser").select("#result_list tbody tr")
    by_headline = {row.th.get_text(strip=True): row for row in rows}
    state = by_headline[returned.headline].select_one("td.field-workflow_state")
    assert state.get_text(strip=True) == "已退回"
    assert state.select_one("[title]")["title"] == "退回原因:导语太长,请压缩到两句。"
    fresh_state = by_headline[fresh.headline].select_one("td.field-workflow_state")
    assert fresh_state.get_text(strip=True) == "草稿"

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(3):
        _returned_draft(f"第{n}次退回。")
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(more) == len(few)


def test_each_workflow_revision_is_named_after_the_step_it_took(client):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    client.force_login(make_user(roles=(), superuser=True, first_name="张伟"))
    later = (timezone.localtime() + datetime.timedelta(days=2)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    steps = [
        {"action": "submit"},
        {"action": "return", "remark": "请补充来源。"},
        {"action": "submit"},
        {"action": "approve"},
        {"action": "approve"},
        {"action": "approve"},
        {"action": "unpublish"},
        {"action": "submit"},
        {"action": "approve"},
        {"action": "approve"},
        {"action": "approve", "publish_at": later},
    ]
    for step in steps:
        post_step(client, article, step)
    comments = [
        version.revision.get_comment()
        for version in reversed(Version.objects.get_for_object(article))
    ]
    assert comments == [
        "提交审核", "退回修改", "提交审核", "初审通过", "复审通过", "终审签发",
        "撤销发布", "提交审核", "初审通过", "复审通过", "定时发布",
    ]  # fmt: skip


def test_the_body_editor_speaks_chinese_and_names_itself_without_the_field_id(client):
    client.force_login(make_user(roles=["记者"]))
    soup = BeautifulSoup(client.get(add_url()).text, "html.parser")
    config = json.loads(soup.select_one("textarea#id_body")["data-config"])
    assert config["language"] == config["defaultLanguage"] == "zh-cn"
    assert "elementspath" in config["removePlugins"].split(",")  # only tag names
    assert config["title"] == config["applicationTitle"] == "正文编辑器"
