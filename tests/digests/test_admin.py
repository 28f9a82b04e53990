import datetime
import re

import pytest
from django.urls import reverse
from reversion.models import Version

from digests.models import DigestItem, WeeklyDigest
from digests.services import build_document
from tests.admin_forms import admin_form_data
from tests.factories import (
    add_item,
    make_article,
    make_brief,
    make_column,
    make_digest,
    make_draft_digest,
    make_user,
)

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2024, 12, 9)


def change_url(digest):
    return reverse("admin:digests_weeklydigest_change", args=[digest.pk])


def publish_url(digest):
    return reverse("admin:digests_weeklydigest_publish", args=[digest.pk])


def seen(digest, **data) -> dict:
    """The publish form's data: the digest's version the page showed, and `data`."""
    shown = WeeklyDigest.objects.get(pk=digest.pk).updated_at
    return {"seen_updated_at": shown.isoformat(), **data}


def draft_digest(column, **overrides):
    return make_draft_digest(column, week_starts_on=MONDAY, **overrides)


def test_creating_a_digest_for_a_week_fills_in_the_end_and_date(client):
    column = make_column()
    client.force_login(make_user(roles=["编辑"]))
    data = admin_form_data(
        client.get(reverse("admin:digests_weeklydigest_add")),
        column=str(column.pk),
        week_starts_on="2024-12-09",
    )
    assert (
        client.post(reverse("admin:digests_weeklydigest_add"), data).status_code == 302
    )
    digest = WeeklyDigest.objects.get()
    assert digest.week_ends_on == datetime.date(2024, 12, 15)
    assert digest.issued_on == datetime.date(2024, 12, 15)
    assert digest.status == WeeklyDigest.Status.DRAFT


def add_url():
    return reverse("admin:digests_weeklydigest_add")


def brief_line_url():
    return reverse("admin:digests_weeklydigest_brief_line")


def test_a_new_digest_starts_in_the_only_column(client):
    column = make_column(name="县内新闻", slug="xnxw")
    client.force_login(make_user(roles=["编辑"]))
    response = client.get(add_url())
    assert response.context["adminform"].form["column"].value() == column.pk
    data = admin_form_data(response, week_starts_on="2024-12-09")
    assert client.post(add_url(), data).status_code == 302
    assert WeeklyDigest.objects.get().column == column


def test_a_new_digest_starts_in_wuxi_news_among_several_columns(client):
    make_column(name="通知公告", slug="tzgg")
    column = make_column(name="巫溪要闻", slug="wxyw")
    client.force_login(make_user(roles=["编辑"]))
    form = client.get(add_url()).context["adminform"].form
    assert form["column"].value() == column.pk


def test_save_and_fill_creates_the_digest_and_fills_it_in_one_post(client):
    column = make_column()
    first = make_article(column=column, news_on=MONDAY + datetime.timedelta(days=1))
    second = make_article(column=column, news_on=MONDAY + datetime.timedelta(days=3))
    make_article(column=column, news_on=MONDAY - datetime.timedelta(days=1))
    client.force_login(make_user(roles=["编辑"]))
    add_page = client.get(add_url())
    assert 'name="_fill"' in add_page.content.decode()
    data = admin_form_data(add_page, week_starts_on="2024-12-09", _fill="1")
    response = client.post(add_url(), data)
    digest = WeeklyDigest.objects.get()
    assert response.status_code == 302 and response.url == change_url(digest)
    assert [item.article for item in digest.items.all()] == [first, second]
    assert digest.week_ends_on == datetime.date(2024, 12, 15)
    page = client.get(response.url).content.decode()
    assert "已保存,新填入 2 篇本周已发布的稿件" in page
    assert page.count('class="form-row has_original') >= 2
    # One revision holds the digest with the rows it was filled with.
    [version] = Version.objects.get_for_object(digest)
    assert "填入本周稿件" in version.revision.comment
    assert (
        version.revision.version_set.filter(content_type__model="digestitem").count()
        == 2
    )


def test_save_and_fill_with_a_mistake_keeps_what_was_typed_and_fills_nothing(client):
    column = make_column()
    make_article(column=column, news_on=MONDAY)
    client.force_login(make_user(roles=["编辑"]))
    data = admin_form_data(client.get(add_url()), title="本期标题改过", _fill="1")
    data |= {
        "briefs-TOTAL_FORMS": "1",
        "briefs-0-order": "0",
        "briefs-0-happened_on": "2024-12-12",
        "briefs-0-text": "县图书馆延长周末开放时间。",
    }
    response = client.post(add_url(), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "本周起" in content and "这个字段是必填项" in content
    assert "本期标题改过" in content and "县图书馆延长周末开放时间。" in content
    assert not WeeklyDigest.objects.exists() and not DigestItem.objects.exists()


def test_save_and_fill_on_the_change_form_keeps_the_typed_edits(client):
    column = make_column()
    digest = draft_digest(column)
    article = make_article(column=column, news_on=MONDAY)
    client.force_login(make_user(roles=["编辑"]))
    data = admin_form_data(client.get(change_url(digest)), title="改过的标题")
    response = client.post(change_url(digest), data | {"_fill": "1"}, follow=True)
    assert "已保存,新填入 1 篇" in response.content.decode()
    digest.refresh_from_db()
    assert digest.title == "改过的标题"
    assert [item.article for item in digest.items.all()] == [article]


def test_a_save_from_a_page_opened_before_a_fill_is_refused_and_keeps_the_typing(
    client,
):
    column = make_column()
    digest = draft_digest(column)
    add_item(digest, make_article(column=column, news_on=MONDAY))
    make_article(column=column, news_on=MONDAY + datetime.timedelta(days=1))
    client.force_login(make_user(roles=["编辑"], first_name="甲"))
    typed = admin_form_data(client.get(change_url(digest)), title="甲改的标题")
    # 乙 fills the digest from the list of digests meanwhile.
    client.force_login(make_user(roles=["编辑"], first_name="乙"))
    client.post(
        reverse("admin:digests_weeklydigest_changelist"),
        {"action": "fill_selected", "_selected_action": [digest.pk]},
    )
    assert digest.items.count() == 2
    response = client.post(change_url(digest), typed)
    assert response.status_code == 200
    html = response.content.decode()
    assert "保存被拒绝" in html and "乙于" in html
    assert 'value="甲改的标题"' in html  # the typing is back in the form
    digest.refresh_from_db()
    assert digest.title != "甲改的标题" and digest.items.count() == 2


def test_a_save_of_rows_that_miss_an_item_added_meanwhile_keeps_that_item(client):
    """However an item got in after the page was opened, the save never fails."""
    column = make_column()
    digest = draft_digest(column)
    first = add_item(digest, make_article(column=column, news_on=MONDAY))
    client.force_login(make_user(roles=["编辑"]))
    typed = admin_form_data(client.get(change_url(digest)), title="新标题")
    late = add_item(digest, make_article(column=column, news_on=MONDAY))
    WeeklyDigest.objects.filter(pk=digest.pk).update(updated_at=digest.updated_at)
    assert client.post(change_url(digest), typed).status_code == 302
    digest.refresh_from_db()
    assert digest.title == "新标题"
    assert list(digest.items.order_by("order")) == [first, late]


def test_a_brief_row_shows_the_line_readers_see(client):
    digest = draft_digest(make_column())
    make_brief(digest, happened_on=datetime.date(2024, 12, 12), text="县里开会。")
    client.force_login(make_user(roles=["编辑"]))
    content = client.get(change_url(digest)).content.decode()
    assert "读者看到" in content
    [line] = build_document(digest).briefs
    assert line.page_line == ">>12日,县里开会。"
    cell = re.search(r'<td class="field-reader_line">\s*<p>(.*?)</p>', content)
    assert cell[1] == "&gt;&gt;12日,县里开会。"
    public = client.get(digest.get_absolute_url()).content.decode()
    assert "<p>&gt;&gt;12日,县里开会。</p>" in public


def brief_form_data(client, digest, text, happened_on="2024-12-19"):
    data = admin_form_data(client.get(change_url(digest)))
    return data | {
        "briefs-TOTAL_FORMS": "1",
        "briefs-0-order": "0",
        "briefs-0-happened_on": happened_on,
        "briefs-0-text": text,
    }


def test_a_brief_typed_with_its_day_is_saved_without_it(client):
    digest = draft_digest(make_column())
    client.force_login(make_user(roles=["编辑"]))
    data = brief_form_data(client, digest, "19日,我县召开安全生产工作会议。")
    assert client.post(change_url(digest), data).status_code == 302
    assert [b.line for b in digest.briefs.all()] == ["19日,我县召开安全生产工作会议。"]


def test_a_brief_typed_with_another_day_is_refused_and_kept(client):
    digest = draft_digest(make_column())
    client.force_login(make_user(roles=["编辑"]))
    data = brief_form_data(client, digest, "18日,我县召开安全生产工作会议。")
    response = client.post(change_url(digest), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "内容开头写的是“18日”,但简讯日期是12月19日" in content
    assert "18日,我县召开安全生产工作会议。</textarea>" in content
    assert not digest.briefs.exists()


@pytest.mark.parametrize(
    ("params", "answer"),
    [
        (
            {"happened_on": "2024-12-19", "text": "19日,我县召开会议。"},
            {"line": ">>19日,我县召开会议。"},
        ),
        (
            {"happened_on": "2024-12-19", "text": "县图书馆延长开放时间。"},
            {"line": ">>19日,县图书馆延长开放时间。"},
        ),
        ({"happened_on": "", "text": "县图书馆延长开放时间。"}, {"line": "—"}),
        ({"happened_on": "2024-12-19", "text": ""}, {"line": "—"}),
        ({"happened_on": "不是日期", "text": "19日,开会。"}, {"line": "—"}),
    ],
)
def test_the_line_readers_will_see_while_typing(client, params, answer):
    client.force_login(make_user(roles=["编辑"]))
    assert client.get(brief_line_url(), params).json() == answer


def test_while_typing_another_day_says_why_it_will_be_refused(client):
    client.force_login(make_user(roles=["编辑"]))
    answer = client.get(
        brief_line_url(), {"happened_on": "2024-12-19", "text": "18日,开会。"}
    ).json()
    assert "“18日”" in answer["error"] and "12月19日" in answer["error"]


def test_the_typing_preview_is_for_those_who_may_edit_digests(client):
    client.force_login(make_user(roles=["导出"]))
    assert client.get(brief_line_url(), {"text": "x"}).status_code == 403


def test_editor_reorders_and_moves_the_lead_through_the_form(client):
    column = make_column()
    digest = draft_digest(column)
    a = add_item(digest, make_article(column=column, news_on=MONDAY), is_lead=True)
    b = add_item(digest, make_article(column=column, news_on=MONDAY))
    client.force_login(make_user(roles=["编辑"]))
    data = admin_form_data(
        client.get(change_url(digest)),
        **{
            "items-0-order": "5",
            "items-0-is_lead": None,
            "items-1-order": "1",
            "items-1-is_lead": "on",
        },
    )
    assert client.post(change_url(digest), data).status_code == 302
    assert list(digest.items.all()) == [b, a]
    assert DigestItem.objects.get(is_lead=True) == b
    assert list(digest.items.values_list("order", flat=True)) == [0, 1]


def test_the_same_article_twice_is_refused_and_the_typed_order_is_kept(client):
    column = make_column()
    digest = draft_digest(column)
    article = make_article(column=column, news_on=MONDAY, headline="重复的稿件")
    add_item(digest, article)
    client.force_login(make_user(roles=["编辑"]))
    data = admin_form_data(client.get(change_url(digest)), **{"items-0-order": "7"})
    data |= {
        "items-TOTAL_FORMS": "2",
        "items-1-article": str(article.pk),
        "items-1-order": "3",
    }
    response = client.post(change_url(digest), data)
    assert response.status_code == 200
    assert "同一篇稿件不能在一期中收录两次:《重复的稿件》" in response.content.decode()
    assert 'value="7"' in response.content.decode()
    assert digest.items.count() == 1
    assert digest.items.get().order == 0


def test_two_leads_are_refused(client):
    column = make_column()
    digest = draft_digest(column)
    add_item(digest, make_article(column=column, news_on=MONDAY))
    add_item(digest, make_article(column=column, news_on=MONDAY))
    client.force_login(make_user(roles=["编辑"]))
    data = admin_form_data(
        client.get(change_url(digest)),
        **{"items-0-is_lead": "on", "items-1-is_lead": "on"},
    )
    response = client.post(change_url(digest), data)
    assert "每期只能有一篇头条" in response.content.decode()
    assert not digest.items.filter(is_lead=True).exists()


def test_editor_without_the_final_role_cannot_publish(client):
    column = make_column()
    digest = draft_digest(column)
    add_item(digest, make_article(column=column, news_on=MONDAY))
    client.force_login(make_user(roles=["编辑"]))
    assert client.post(publish_url(digest)).status_code == 403
    # Nor by sending the status with the form.
    data = admin_form_data(client.get(change_url(digest)), status="published")
    client.post(change_url(digest), data)
    digest.refresh_from_db()
    assert digest.status == WeeklyDigest.Status.DRAFT


def test_publishing_an_empty_digest_is_refused_with_a_message(client):
    digest = draft_digest(make_column())
    client.force_login(make_user(roles=["终审"]))
    response = client.post(publish_url(digest), seen(digest), follow=True)
    assert "本期没有收录任何稿件,不能发布" in response.content.decode()
    digest.refresh_from_db()
    assert digest.status == WeeklyDigest.Status.DRAFT


def test_publishing_with_an_unpublished_article_is_refused(client):
    column = make_column()
    digest = draft_digest(column)
    add_item(
        digest,
        make_article(
            column=column, news_on=MONDAY, headline="未发的稿", status="draft"
        ),
    )
    client.force_login(make_user(roles=["终审"]))
    response = client.post(publish_url(digest), seen(digest), follow=True)
    assert "《未发的稿》尚未发布" in response.content.decode()
    digest.refresh_from_db()
    assert digest.status == WeeklyDigest.Status.DRAFT


def test_an_article_outside_the_week_asks_for_confirmation(client):
    column = make_column()
    digest = draft_digest(column)
    add_item(
        digest,
        make_article(
            column=column,
            news_on=MONDAY - datetime.timedelta(days=2),
            headline="上周稿",
        ),
    )
    client.force_login(make_user(roles=["终审"]))
    response = client.post(publish_url(digest), seen(digest))
    assert response.status_code == 200
    assert "《上周稿》的新闻日期 2024-12-07 不在本期" in response.content.decode()
    digest.refresh_from_db()
    assert digest.status == WeeklyDigest.Status.DRAFT
    client.post(publish_url(digest), seen(digest, confirmed="1"))
    digest.refresh_from_db()
    assert digest.is_published


def test_a_published_digest_is_changed_only_by_the_final_role(client):
    digest = make_digest(title="原标题")
    client.force_login(make_user(roles=["编辑"]))
    response = client.post(change_url(digest), {"title": "改过"})
    assert response.status_code == 403
    digest.refresh_from_db()
    assert digest.title == "原标题"


def test_a_stale_digest_save_is_refused(client):
    column = make_column()
    digest = draft_digest(column)
    client.force_login(make_user(roles=["编辑"]))
    stale = admin_form_data(client.get(change_url(digest)), title="甲的标题")
    client.force_login(make_user(roles=["编辑"], first_name="乙"))
    page = client.get(change_url(digest) + "?takeover=1")  # 甲's page was left open
    fresh = admin_form_data(page, title="乙的标题")
    assert client.post(change_url(digest), fresh).status_code == 302
    response = client.post(change_url(digest), stale)
    # Posted by 乙 again from the old page: still refused, and names who saved.
    assert response.status_code == 200 and "保存被拒绝" in response.content.decode()
    digest.refresh_from_db()
    assert digest.title == "乙的标题"


def test_restoring_a_digest_revision_brings_back_its_items(client):
    from reversion.models import Version

    column = make_column()
    digest = draft_digest(column)
    kept = add_item(digest, make_article(column=column, news_on=MONDAY))
    client.force_login(make_user(roles=["编辑"]))
    client.post(change_url(digest), admin_form_data(client.get(change_url(digest))))
    data = admin_form_data(client.get(change_url(digest)), **{"items-0-DELETE": "on"})
    assert client.post(change_url(digest), data).status_code == 302
    assert not digest.items.exists()
    version = Version.objects.get_for_object(digest).order_by("pk").first()
    url = reverse("admin:digests_weeklydigest_revision", args=[digest.pk, version.pk])
    assert client.post(url, admin_form_data(client.get(url))).status_code == 302
    assert list(digest.items.values_list("article", flat=True)) == [kept.article_id]


def test_opening_a_digest_someone_is_editing_shows_who(client):
    digest = draft_digest(make_column())
    client.force_login(make_user(roles=["编辑"], first_name="张三"))
    client.get(change_url(digest))
    client.force_login(make_user(roles=["编辑"]))
    content = client.get(change_url(digest)).content.decode()
    assert "张三 自" in content and "正在编辑这一期每周要闻" in content


class TestPublishButtonSavesFirst:
    def week(self):
        column = make_column()
        digest = draft_digest(column, title="原标题")
        add_item(digest, make_article(column=column, news_on=MONDAY), is_lead=True)
        return digest

    def test_publish_saves_the_typed_title_then_publishes(self, client):
        digest = self.week()
        client.force_login(make_user(roles=["编辑", "终审"]))
        data = admin_form_data(client.get(change_url(digest)), title="刚改的标题")
        response = client.post(
            change_url(digest), data | {"_publish": "1"}, follow=True
        )
        digest.refresh_from_db()
        assert digest.title == "刚改的标题"
        assert digest.is_published
        assert "修改已保存" in response.content.decode()

    def test_a_form_error_keeps_the_typing_and_does_not_publish(self, client):
        digest = self.week()
        client.force_login(make_user(roles=["编辑", "终审"]))
        data = admin_form_data(
            client.get(change_url(digest)), title="刚改的标题", week_starts_on="坏日期"
        )
        response = client.post(change_url(digest), data | {"_publish": "1"})
        assert response.status_code == 200
        assert "刚改的标题" in response.content.decode()
        digest.refresh_from_db()
        assert digest.title == "原标题"
        assert not digest.is_published

    def test_an_editor_cannot_publish_by_adding_the_button_to_a_save(self, client):
        digest = self.week()
        client.force_login(make_user(roles=["编辑"]))
        data = admin_form_data(client.get(change_url(digest)), title="编辑改的")
        response = client.post(change_url(digest), data | {"_publish": "1"})
        assert response.status_code == 403
        digest.refresh_from_db()
        assert not digest.is_published
        assert digest.title == "原标题"  # the refusal rolls the save back too


def test_the_preview_button_is_offered_only_to_those_who_may_preview(client):
    digest = draft_digest(make_column())
    client.force_login(make_user(roles=["审核"]))
    assert 'id="preview-digest"' not in client.get(change_url(digest)).content.decode()
    client.force_login(make_user(roles=["编辑"]))
    assert 'id="preview-digest"' in client.get(change_url(digest)).content.decode()


def test_the_final_signer_saves_and_publishes_a_draft_digest_from_its_form(client):
    column = make_column()
    digest = draft_digest(column, title="原标题")
    add_item(digest, make_article(column=column, news_on=MONDAY), is_lead=True)
    make_brief(digest, happened_on=MONDAY, text="县里召开会议。")
    client.force_login(make_user(roles=["终审"]))
    data = admin_form_data(client.get(change_url(digest)), title="终审改的标题")
    response = client.post(change_url(digest), data | {"_publish": "1"})
    assert response.status_code == 302
    digest.refresh_from_db()
    assert digest.title == "终审改的标题"
    assert digest.is_published


def test_a_week_at_the_end_of_the_calendar_is_refused_with_a_message(client):
    column = make_column()
    client.force_login(make_user(roles=["编辑"]))
    url = reverse("admin:digests_weeklydigest_add")
    data = admin_form_data(
        client.get(url), column=str(column.pk), week_starts_on="9999-12-31"
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "本周起的日期超出了范围" in response.content.decode()
    assert not WeeklyDigest.objects.exists()


def test_saving_a_brief_dated_outside_the_week_warns(client):
    digest = draft_digest(make_column())
    client.force_login(make_user(roles=["编辑"]))
    data = brief_form_data(client, digest, "县里开会。", happened_on="2024-12-16")
    response = client.post(change_url(digest), data, follow=True)
    warnings = [
        m.message for m in response.context["messages"] if m.level_tag == "warning"
    ]
    assert warnings == [
        "一周简讯“16日,县里开会。”的日期 2024-12-16 不在本期"
        "(2024-12-09 至 2024-12-15)内。"
    ]
    assert [b.line for b in digest.briefs.all()] == ["16日,县里开会。"]  # still saved


def test_a_brief_outside_the_week_asks_for_confirmation_before_publishing(client):
    column = make_column()
    digest = draft_digest(column)
    add_item(digest, make_article(column=column, news_on=MONDAY))
    make_brief(digest, happened_on=datetime.date(2024, 12, 8), text="县里开会。")
    client.force_login(make_user(roles=["终审"]))
    response = client.post(publish_url(digest), seen(digest))
    assert response.status_code == 200
    assert "一周简讯“8日,县里开会。”的日期 2024-12-08 不在本期" in response.text
    digest.refresh_from_db()
    assert digest.status == WeeklyDigest.Status.DRAFT
    client.post(publish_url(digest), seen(digest, confirmed="1"))
    digest.refresh_from_db()
    assert digest.is_published


def test_publishing_from_a_page_opened_before_a_save_is_refused_naming_who_saved(
    client,
):
    column = make_column()
    digest = draft_digest(column)
    add_item(digest, make_article(column=column, news_on=MONDAY))
    client.force_login(make_user(roles=["终审"], first_name="丙"))
    shown = seen(digest, confirmed="1")  # the confirmation page the signer looks at
    client.force_login(make_user(roles=["编辑"], first_name="乙"))
    edited = admin_form_data(client.get(change_url(digest)), title="乙改的标题")
    assert client.post(change_url(digest), edited).status_code == 302
    client.force_login(make_user(roles=["终审"], first_name="丙"))
    response = client.post(publish_url(digest), shown, follow=True)
    assert "操作被拒绝" in response.content.decode()
    assert "乙于" in response.content.decode()
    digest.refresh_from_db()
    assert digest.status == WeeklyDigest.Status.DRAFT
