"""The workbench as 记者, 编辑 and 终审 see it, at 1366 px and on a 390 px phone.

Screenshots: var/screenshots/workbench-<role>-<width>.png and calendar-month-<width>.png.
"""

import datetime

import pytest
from django.utils import timezone

from articles.editing import take_lock
from articles.services import return_article
from tests.browser.test_admin_workflow import log_in
from tests.factories import make_article, make_column, make_draft_digest, make_user
from tests.test_workbench import at_stage, draft
from wuxi_news.models import CheckedLink
from wuxi_news.workbench import this_week

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {1366: 900, 390: 844}


@pytest.fixture
def newsroom(settings):
    settings.ROOT_URLCONF = "tests.browser.urls"
    column = make_column(name="巫溪要闻", slug="wxyw")
    towns = make_column(name="乡镇动态", slug="xzdt")
    people = {
        "column": column,
        "reporter": make_user(username="wudan", roles=["记者"], first_name="吴丹"),
        "editor": make_user(username="wangfang", roles=["编辑"], first_name="王芳"),
        "reviewer": make_user(username="chenjing", roles=["审核"], first_name="陈静"),
        "signoff": make_user(username="liuyang", roles=["终审"], first_name="刘洋"),
    }
    now = timezone.now()
    make_article(column=column, headline="全县冬季森林防火工作会议召开")
    make_article(
        column=towns,
        headline="宁河街道开展移风易俗宣传",
        published_at=now - datetime.timedelta(days=20),
        news_on=timezone.localdate() - datetime.timedelta(days=20),
    )
    make_article(
        column=column,
        headline="县政府常务会议研究部署冬春农田水利建设",
        published_at=now + datetime.timedelta(days=2, hours=3),
    )
    at_stage(people, "红池坝镇举办冰雪旅游推介活动", "first")
    at_stage(people, "巫溪县召开优化营商环境工作推进会", "second")
    at_stage(people, "全县脱贫攻坚成果巩固提升现场会召开", "final")
    returned = at_stage(people, "城厢镇老旧小区改造进展顺利", "first")
    return_article(
        article=returned,
        user=people["editor"],
        reason="导语太长,请压缩到一百字以内,并补充施工进度数据。",
    )
    mine = draft(people, people["reporter"], "大宁河畔冬捕节开幕(草稿)")
    draft(people, people["editor"], "编辑自己的草稿")
    monday, _ = this_week(timezone.localdate())
    digest = make_draft_digest(column, week_starts_on=monday)
    take_lock(obj=mine, user=people["reporter"])
    take_lock(obj=digest, user=people["editor"])
    CheckedLink.objects.create(
        page_url="/articles/1/", page_title="全县冬季森林防火工作会议召开",
        text="县应急管理局通知", target="http://example.invalid/tongzhi.html",
        outcome="broken", status="无法连接", is_external=True,
    )  # fmt: skip
    return people


@pytest.mark.parametrize(
    "username,role",
    [("wudan", "reporter"), ("wangfang", "editor"), ("liuyang", "signoff")],
)
def test_the_workbench_reads_well_on_an_office_screen_and_a_phone(
    page, live_server, newsroom, screenshot_dir, username, role
):
    log_in(page, live_server.url, username)
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(live_server.url + "/admin/")
        assert page.locator("#panel-freshness").is_visible()
        assert "栏目「乡镇动态」已 20 天未更新" in page.inner_text("#panel-freshness")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{width}px: {overflow}px wider than the screen"
        page.screenshot(
            path=str(screenshot_dir / f"workbench-{role}-{width}.png"), full_page=True
        )
    text = page.inner_text("#content")
    if role == "reporter":
        assert "导语太长" in text and "大宁河畔冬捕节开幕" in text
        assert "编辑自己的草稿" not in text and "待我处理" not in text
        assert page.inner_text(".notice-bell .notice-count") == "1"  # the return
    elif role == "editor":
        assert "红池坝镇举办冰雪旅游推介活动" in page.inner_text("#panel-awaiting")
        assert "本周还有 1 篇已发布稿件未收录" in page.inner_text("#panel-digest")
    else:
        awaiting = page.inner_text("#panel-awaiting")
        assert "全县脱贫攻坚成果巩固提升现场会召开" in awaiting
        assert "红池坝镇" not in awaiting
        assert "定时发布" in text and "县政府常务会议" in page.inner_text(
            "#panel-scheduled"
        )


def test_the_calendar_month_on_an_office_screen_and_a_phone(
    page, live_server, newsroom, screenshot_dir
):
    log_in(page, live_server.url, "wangfang")
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(live_server.url + "/admin/")
        page.click("text=编辑日历")
        page.select_option("select[name=view]", "month")
        page.click(".calendar-tools button")
        text = page.inner_text(".calendar")
        assert "全县冬季森林防火工作会议召开" in text
        assert "见“政”巫溪这一周" in text
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{width}px: {overflow}px wider than the screen"
        page.screenshot(
            path=str(screenshot_dir / f"calendar-month-{width}.png"), full_page=True
        )
