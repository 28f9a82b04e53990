"""The workbench (工作台): each person's panels on the admin home and as JSON."""

import datetime

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from articles.editing import take_lock
from articles.models import Article, Column
from articles.services import approve_article, return_article, submit_article
from tests.factories import (
    add_item,
    make_article,
    make_column,
    make_draft_digest,
    make_user,
)
from wuxi_news.models import CheckedLink
from wuxi_news.workbench import build_workbench, home_staleness_warning, this_week

pytestmark = pytest.mark.django_db


def panels_of(user) -> dict:
    return {panel.key: panel for panel in build_workbench(user)}


def titles(panel) -> list[str]:
    return [row.title for row in panel.rows]


@pytest.fixture
def newsroom():
    column = make_column(name="巫溪要闻", slug="wxyw")
    people = {
        "reporter": make_user(roles=["记者"], first_name="吴丹"),
        "other_reporter": make_user(roles=["记者"], first_name="周超"),
        "editor": make_user(roles=["编辑"], first_name="王芳"),
        "reviewer": make_user(roles=["审核"], first_name="陈静"),
        "signoff": make_user(roles=["终审"], first_name="刘洋"),
    }
    return {"column": column, **people}


def draft(newsroom, author, headline, **overrides):
    return make_article(
        column=newsroom["column"],
        headline=headline,
        status=Article.Status.DRAFT,
        published_at=None,
        created_by=author,
        updated_by=author,
        **overrides,
    )


def at_stage(newsroom, headline, stage):
    """An article by the reporter, walked through the workflow up to `stage`."""
    article = draft(newsroom, newsroom["reporter"], headline)
    submit_article(article=article, user=newsroom["reporter"])
    if stage in ("second", "final"):
        approve_article(article=article, user=newsroom["editor"])
    if stage == "final":
        approve_article(article=article, user=newsroom["reviewer"])
    return article


class TestAwaitingMe:
    def test_each_reviewer_sees_only_the_stage_they_may_act_on(self, newsroom):
        at_stage(newsroom, "初审稿", "first")
        at_stage(newsroom, "复审稿", "second")
        at_stage(newsroom, "终审稿", "final")
        assert titles(panels_of(newsroom["editor"])["awaiting"]) == ["初审稿"]
        assert titles(panels_of(newsroom["reviewer"])["awaiting"]) == ["复审稿"]
        assert titles(panels_of(newsroom["signoff"])["awaiting"]) == ["终审稿"]
        assert "awaiting" not in panels_of(newsroom["reporter"])

    def test_oldest_first_with_who_submitted_and_how_long_ago(self, newsroom):
        older = at_stage(newsroom, "早交的稿", "first")
        older.reviews.update(created_at=timezone.now() - datetime.timedelta(hours=5))
        at_stage(newsroom, "晚交的稿", "first")
        panel = panels_of(newsroom["editor"])["awaiting"]
        assert panel.count == 2
        assert titles(panel) == ["早交的稿", "晚交的稿"]
        assert panel.rows[0].note.startswith("吴丹 提交,5")
        assert "小时前" in panel.rows[0].note
        assert panel.rows[0].url == reverse(
            "admin:articles_article_change", args=[older.pk]
        )

    def test_a_small_newsroom_chief_sees_every_stage(self, newsroom):
        chief = make_user(roles=["编辑", "审核", "终审"], first_name="陈主编")
        at_stage(newsroom, "初审稿", "first")
        at_stage(newsroom, "终审稿", "final")
        assert panels_of(chief)["awaiting"].count == 2


class TestMyDesk:
    def test_a_reporter_never_sees_another_reporters_drafts(self, newsroom):
        draft(newsroom, newsroom["reporter"], "我的草稿")
        draft(newsroom, newsroom["other_reporter"], "别人的草稿")
        mine = panels_of(newsroom["reporter"])
        assert titles(mine["drafts"]) == ["我的草稿"]
        assert "别人的草稿" not in str(build_workbench(newsroom["reporter"]))
        assert titles(panels_of(newsroom["other_reporter"])["drafts"]) == ["别人的草稿"]

    def test_returned_articles_show_the_reason(self, newsroom):
        article = at_stage(newsroom, "被退回的稿", "second")
        return_article(
            article=article, user=newsroom["reviewer"], reason="数据需要核实。"
        )
        panel = panels_of(newsroom["reporter"])["returned"]
        assert panel.count == 1
        assert panel.rows[0].title == "被退回的稿"
        assert panel.rows[0].note == "退回原因:数据需要核实。"
        assert panel.rows[0].meta.startswith("陈静 退回")
        assert panels_of(newsroom["other_reporter"])["returned"].count == 0

    def test_a_resubmitted_article_is_no_longer_returned(self, newsroom):
        article = at_stage(newsroom, "改好的稿", "first")
        return_article(article=article, user=newsroom["editor"], reason="补充。")
        submit_article(article=article, user=newsroom["reporter"])
        assert panels_of(newsroom["reporter"])["returned"].count == 0

    def test_recently_edited_lists_what_i_saved_last_first(self, newsroom):
        draft(newsroom, newsroom["editor"], "先改的")
        draft(newsroom, newsroom["editor"], "后改的")
        draft(newsroom, newsroom["reporter"], "别人改的")
        panel = panels_of(newsroom["editor"])["recent"]
        assert titles(panel) == ["后改的", "先改的"]


class TestThisWeeksDigest:
    def test_missing_digest_offers_to_create_it(self, newsroom):
        make_article(column=newsroom["column"], headline="本周稿件")
        panel = panels_of(newsroom["editor"])["digest"]
        assert "还没有创建" in panel.summary
        assert panel.count == 1
        assert panel.button_text == "新建本周要闻"
        monday, _ = this_week(timezone.localdate())
        assert f"week_starts_on={monday.isoformat()}" in panel.button_url
        # 审核 may look at digests but not create one.
        assert panels_of(newsroom["reviewer"])["digest"].button_url == ""
        assert "digest" not in panels_of(newsroom["reporter"])

    def test_a_draft_digest_counts_the_weeks_articles_it_lacks(self, newsroom):
        held = make_article(column=newsroom["column"], headline="已收录")
        make_article(column=newsroom["column"], headline="未收录一")
        make_article(column=newsroom["column"], headline="未收录二")
        monday, _ = this_week(timezone.localdate())
        digest = make_draft_digest(newsroom["column"], week_starts_on=monday)
        add_item(digest, held)
        panel = panels_of(newsroom["editor"])["digest"]
        assert panel.count == 2
        assert "草稿" in panel.summary
        assert "本周还有 2 篇已发布稿件未收录。" in panel.warnings
        assert panel.button_text == "打开本周要闻"
        assert panel.button_url == reverse(
            "admin:digests_weeklydigest_change", args=[digest.pk]
        )

    def test_a_published_complete_digest_says_so(self, newsroom):
        article = make_article(column=newsroom["column"])
        monday, _ = this_week(timezone.localdate())
        digest = make_draft_digest(
            newsroom["column"],
            week_starts_on=monday,
            status="published",
            published_at=timezone.now() - datetime.timedelta(minutes=5),
        )
        add_item(digest, article)
        panel = panels_of(newsroom["signoff"])["digest"]
        assert "已发布" in panel.summary and "已全部收录" in panel.summary
        assert panel.warnings == []


def test_scheduled_lists_the_next_seven_days_in_order(newsroom):
    now = timezone.now()
    for headline, hours in [("后天的", 48), ("明天的", 24), ("下周后的", 24 * 8)]:
        make_article(
            column=newsroom["column"],
            headline=headline,
            published_at=now + datetime.timedelta(hours=hours),
        )
    panel = panels_of(newsroom["reporter"])["scheduled"]
    assert titles(panel) == ["明天的", "后天的"]
    assert panel.rows[0].note.endswith("公开")


def test_a_reporter_sees_no_digest_in_the_schedule_or_the_locks(newsroom):
    monday, _ = this_week(timezone.localdate())
    digest = make_draft_digest(
        newsroom["column"],
        week_starts_on=monday,
        status="published",
        published_at=timezone.now() + datetime.timedelta(days=1),
    )
    take_lock(obj=digest, user=newsroom["editor"])
    mine = panels_of(newsroom["reporter"])
    assert mine["scheduled"].count == mine["locks"].count == 0
    theirs = panels_of(newsroom["editor"])
    assert theirs["scheduled"].count == theirs["locks"].count == 1


def test_locks_show_who_edits_what_since_when(newsroom):
    article = draft(newsroom, newsroom["reporter"], "正在改的稿")
    take_lock(obj=article, user=newsroom["editor"])
    panel = panels_of(newsroom["reporter"])["locks"]
    assert panel.count == 1
    row = panel.rows[0]
    assert (row.title, row.meta) == ("正在改的稿", "王芳")
    assert row.note.startswith("自 ")


class TestColumnFreshness:
    def test_a_news_column_warns_at_fourteen_days(self, newsroom):
        now = timezone.now()
        make_article(
            column=newsroom["column"], published_at=now - datetime.timedelta(days=14)
        )
        panel = panels_of(newsroom["editor"])["freshness"]
        assert "栏目「巫溪要闻」已 14 天未更新" in panel.warnings
        assert "首页已 14 天未更新" in panel.warnings

    def test_thirteen_days_is_not_stale(self, newsroom):
        make_article(
            column=newsroom["column"],
            published_at=timezone.now() - datetime.timedelta(days=13),
        )
        assert panels_of(newsroom["editor"])["freshness"].warnings == []

    def test_the_threshold_is_set_per_column(self, newsroom):
        Column.objects.filter(pk=newsroom["column"].pk).update(stale_after_days=3)
        quiet = make_column(name="专题", stale_after_days=0)
        make_article(
            column=newsroom["column"],
            published_at=timezone.now() - datetime.timedelta(days=3),
        )
        panel = panels_of(newsroom["editor"])["freshness"]
        assert panel.warnings == ["栏目「巫溪要闻」已 3 天未更新"]
        assert quiet.name in titles(panel)  # listed, never warned about

    def test_a_digest_counts_as_an_update_and_scheduled_items_do_not(self, newsroom):
        now = timezone.now()
        make_article(
            column=newsroom["column"], published_at=now - datetime.timedelta(days=20)
        )
        make_article(
            column=newsroom["column"], published_at=now + datetime.timedelta(days=1)
        )
        assert (
            "栏目「巫溪要闻」已 20 天未更新"
            in panels_of(newsroom["editor"])["freshness"].warnings
        )
        monday, _ = this_week(timezone.localdate())
        make_draft_digest(
            newsroom["column"],
            week_starts_on=monday,
            status="published",
            published_at=now - datetime.timedelta(hours=1),
        )
        assert panels_of(newsroom["editor"])["freshness"].warnings == []

    def test_home_threshold_is_a_setting(self, settings):
        today = timezone.localdate()
        old = today - datetime.timedelta(days=5)
        settings.HOME_STALE_AFTER_DAYS = 5
        assert home_staleness_warning(newest_on=old, today=today) == "首页已 5 天未更新"
        settings.HOME_STALE_AFTER_DAYS = 6
        assert home_staleness_warning(newest_on=old, today=today) == ""


def test_broken_links_from_the_last_check(newsroom):
    CheckedLink.objects.create(
        page_url="/articles/1/", page_title="某稿", text="通知原文",
        target="http://127.0.0.1:9/gone", outcome="broken", status="404",
    )  # fmt: skip
    CheckedLink.objects.create(
        page_url="/articles/1/", target="/column/wxyw/", outcome="ok", status="200"
    )
    panel = panels_of(newsroom["editor"])["links"]
    assert panel.count == 1
    assert panel.rows[0].title == "通知原文"
    assert panel.more_url == reverse("admin:link_report")


ROLE_PANELS = {
    "记者": ["returned", "drafts", "recent", "scheduled", "locks", "freshness", "links",
             "publishing"],
    "编辑": ["awaiting", "returned", "drafts", "recent", "digest", "scheduled",
             "locks", "freshness", "links", "publishing"],
    "审核": ["awaiting", "recent", "digest", "scheduled", "locks", "freshness",
             "links", "publishing"],
    "终审": ["awaiting", "recent", "digest", "scheduled", "locks", "freshness",
             "links", "publishing"],
    "导出": ["digest"],
}  # fmt: skip


@pytest.fixture
def busy_newsroom(newsroom):
    """Some of everything, so every panel has rows to show."""
    at_stage(newsroom, "初审稿", "first")
    at_stage(newsroom, "复审稿", "second")
    at_stage(newsroom, "终审稿", "final")
    returned = at_stage(newsroom, "退回稿", "first")
    return_article(article=returned, user=newsroom["editor"], reason="重写导语。")
    draft(newsroom, newsroom["reporter"], "草稿一")
    published = make_article(column=newsroom["column"])
    make_article(
        column=newsroom["column"],
        published_at=timezone.now() + datetime.timedelta(days=1),
    )
    monday, _ = this_week(timezone.localdate())
    digest = make_draft_digest(newsroom["column"], week_starts_on=monday)
    add_item(digest, published)
    take_lock(obj=published, user=newsroom["signoff"])
    take_lock(obj=digest, user=newsroom["editor"])
    CheckedLink.objects.create(
        page_url="/articles/1/", target="/nowhere/", outcome="broken", status="404"
    )
    return newsroom


# The home page's queries for each role: session and user (2), permissions (2: the
# user's and its groups'), the bell's unread count (1), then its panels: 待我处理 2
# (count, rows), 退回给我 2, 我的草稿 2, 我最近编辑的 2, 本周要闻 3 (column, digest,
# the week's articles it lacks), 定时发布 2 (articles, digests), 正在编辑 3 (locks, the
# articles and the digests they hold), 栏目更新 1, 链接检查 3 (last check, count, rows).
# A 记者 may not see digests: neither scheduled nor locked ones are fetched (2 fewer).
# The app list needs no query beyond the permissions already loaded.
QUERIES = {"记者": 20, "编辑": 27, "审核": 23, "终审": 23, "导出": 8}


@pytest.mark.parametrize("role", list(ROLE_PANELS))
def test_each_role_gets_its_panels_at_a_fixed_query_count(
    client, busy_newsroom, role, django_assert_num_queries
):
    user = make_user(roles=[role], first_name="测试员")
    client.force_login(user)
    with django_assert_num_queries(QUERIES[role]):
        response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert [p.key for p in response.context["panels"]] == ROLE_PANELS[role]
    for panel in response.context["panels"]:
        assert panel.title in response.text


def test_the_query_count_does_not_grow_with_the_work(
    client, busy_newsroom, django_assert_num_queries
):
    user = make_user(roles=["编辑"], first_name="测试员")
    client.force_login(user)
    client.get(reverse("admin:index"))
    for n in range(6):
        at_stage(busy_newsroom, f"又一篇{n}", "first")
        draft(busy_newsroom, user, f"我的又一篇{n}")
    with django_assert_num_queries(QUERIES["编辑"]):
        client.get(reverse("admin:index"))


class TestJsonEndpoint:
    def test_staff_get_the_same_panels_as_json(self, client, busy_newsroom):
        client.force_login(busy_newsroom["reviewer"])
        response = client.get(reverse("admin:workbench_json"))
        assert response.status_code == 200
        data = response.json()
        keys = [panel["key"] for panel in data["panels"]]
        assert keys == ROLE_PANELS["审核"]
        awaiting = data["panels"][0]
        assert awaiting["title"] == "待我处理"
        assert [row["title"] for row in awaiting["rows"]] == ["复审稿"]

    def test_a_reporter_gets_only_their_own_drafts(self, client, busy_newsroom):
        client.force_login(busy_newsroom["other_reporter"])
        text = client.get(reverse("admin:workbench_json")).content.decode()
        assert "草稿一" not in text and "退回稿" not in text

    def test_anonymous_is_sent_to_log_in(self, client):
        for name in ("admin:workbench_json", "admin:index", "admin:calendar",
                     "admin:link_report", "admin:notices"):  # fmt: skip
            response = client.get(reverse(name))
            assert response.status_code == 302
            assert reverse("admin:login") in response["Location"]

    def test_a_logged_in_non_staff_user_is_sent_to_log_in(self, client):
        user = make_user(roles=[], is_staff=False)
        client.force_login(user)
        response = client.get(reverse("admin:workbench_json"))
        assert response.status_code == 302

    def test_staff_without_rights_see_no_panels_and_no_reports(self, client):
        client.force_login(make_user(roles=[]))
        assert client.get(reverse("admin:workbench_json")).json()["panels"] == []
        assert client.get(reverse("admin:link_report")).status_code == 403
        assert client.get(reverse("admin:calendar")).status_code == 403


def test_the_link_report_lists_broken_and_redirected_links(client, newsroom):
    CheckedLink.objects.create(
        page_url="/articles/1/", page_title="某稿", text="断了的",
        target="/nowhere/", outcome="broken", status="404",
    )  # fmt: skip
    CheckedLink.objects.create(
        page_url="/articles/1/", text="跳走的", target="/old/",
        outcome="redirect", status="301 跳转到 /new/",
    )  # fmt: skip
    CheckedLink.objects.create(page_url="/articles/1/", text="好的", target="/ok/")
    CheckedLink.objects.filter(text="好的").update(outcome="ok")
    client.force_login(newsroom["reporter"])
    response = client.get(reverse("admin:link_report"))
    assert "断了的" in response.text and "跳走的" in response.text
    assert "好的" not in response.text


@override_settings(HOME_STALE_AFTER_DAYS=14)
def test_the_home_page_renders_for_a_superuser(client, busy_newsroom):
    client.force_login(make_user(roles=[], superuser=True, first_name="张伟"))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "待我处理" in response.text and "内容管理" in response.text


# 网站发布: is the site up to date?


def test_the_workbench_says_when_changes_wait_for_the_baker(newsroom):
    from django_tasks_db.models import DBTaskResult

    from wuxi_news.models import PurgeRetry
    from wuxi_news.publishing import worker

    make_article(headline="等待发布")
    panel = panels_of(newsroom["reporter"])["publishing"]
    assert panel.count >= 1 and panel.warnings == []  # just saved: not late yet
    DBTaskResult.objects.update(
        enqueued_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    panel = panels_of(newsroom["reporter"])["publishing"]
    assert "publishworker" in panel.warnings[0] and "分钟前提交" in panel.warnings[0]
    worker.drain_once()
    panel = panels_of(newsroom["reporter"])["publishing"]
    assert panel.count == 0 and panel.warnings == []
    assert "网站页面已是最新" in panel.summary and "最近一次完成" in panel.summary
    PurgeRetry.objects.create(
        purger="cdn", path="/articles/1/", attempts=3, last_error="timeout"
    )
    panel = panels_of(newsroom["reporter"])["publishing"]
    assert panel.warnings == ["1 个页面的缓存刷新失败,正在自动重试。"]
    assert titles(panel) == [] and panel.more_url == ""  # nothing a reporter can do
    chief = panels_of(make_user(superuser=True, first_name="张伟"))["publishing"]
    assert titles(chief) == ["/articles/1/"]
    assert "timeout" not in str(chief.rows)  # the error itself is in the admin list
    assert chief.more_url == reverse("admin:wuxi_news_purgeretry_changelist")


def test_a_site_left_behind_is_the_first_thing_on_the_workbench(newsroom):
    from django_tasks_db.models import DBTaskResult

    make_article()
    DBTaskResult.objects.update(
        enqueued_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    assert build_workbench(newsroom["editor"])[0].key == "publishing"


def test_a_demo_without_publishing_queues_nothing_and_shows_no_panel(
    newsroom, settings
):
    from django_tasks_db.models import DBTaskResult

    settings.PUBLISH_QUEUE = False
    before = DBTaskResult.objects.count()
    make_article()
    assert DBTaskResult.objects.count() == before
    assert "publishing" not in panels_of(newsroom["editor"])
