"""Assembling a digest in headless Chromium: a new digest from the first screen, and
the brief lines as readers will see them.

Screenshots land in var/screenshots/digest-*.png.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from digests.models import WeeklyDigest
from tests.factories import make_article, make_column, make_draft_digest, make_user

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-123"


@pytest.fixture
def newsroom(settings):
    settings.ROOT_URLCONF = "tests.browser.urls"
    make_column(name="通知公告", slug="tzgg")
    column = make_column(name="巫溪要闻", slug="wxyw")
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    make_article(column=column, headline="全县冬季森林防火工作会议召开", news_on=monday)
    make_user(username="chief", roles=["编辑", "终审"], first_name="陈主编")
    return {"column": column, "monday": monday}


@pytest.fixture
def csp_errors(page):
    errors = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text) if "Content Security Policy" in m.text else None
        ),
    )
    return errors


def log_in(page, base, username="chief"):
    page.goto(base + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(base + "/admin/")


def test_a_new_digest_is_saved_and_filled_from_the_first_screen(
    page, live_server, newsroom, screenshot_dir, csp_errors
):
    base = live_server.url
    log_in(page, base)
    page.goto(base + "/admin/digests/weeklydigest/add/")
    column = page.locator("#id_column option:checked")
    expect(column).to_have_text("巫溪要闻")
    page.fill("#id_week_starts_on", newsroom["monday"].isoformat())
    page.screenshot(path=screenshot_dir / "digest-add-form.png", full_page=True)

    page.click("#fill-digest")
    digest = WeeklyDigest.objects.get()
    page.wait_for_url(f"{base}/admin/digests/weeklydigest/{digest.pk}/change/")
    expect(page.locator("ul.messagelist")).to_contain_text(
        "已保存,新填入 1 篇本周已发布的稿件"
    )
    rows = page.locator("#items-group tbody tr.form-row.has_original")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("全县冬季森林防火工作会议召开")
    sunday = newsroom["monday"] + datetime.timedelta(days=6)
    digest.refresh_from_db()
    assert digest.week_ends_on == digest.issued_on == sunday
    assert page.input_value("#id_week_ends_on") == f"{sunday:%Y/%m/%d}"
    page.screenshot(path=screenshot_dir / "digest-add-filled.png", full_page=True)
    assert csp_errors == []


def test_a_brief_line_shows_what_readers_will_see_while_typing_and_after_saving(
    page, live_server, newsroom, screenshot_dir, csp_errors
):
    base = live_server.url
    monday = newsroom["monday"]
    digest = make_draft_digest(newsroom["column"], week_starts_on=monday)
    thursday = monday + datetime.timedelta(days=3)
    day = thursday.day
    log_in(page, base)
    page.goto(f"{base}/admin/digests/weeklydigest/{digest.pk}/change/")
    page.click("#briefs-group .add-row a")
    reader = page.locator("#briefs-0 td.field-reader_line p")
    expect(reader).to_have_text("—")
    page.fill("#id_briefs-0-happened_on", thursday.isoformat())
    text = page.locator("#id_briefs-0-text")
    text.press_sequentially(f"{day}日,我县召开安全生产工作会议。")
    expect(reader).to_have_text(f">>{day}日,我县召开安全生产工作会议。")
    page.screenshot(path=screenshot_dir / "digest-brief-typing.png", full_page=True)

    # Another day at the start of the text: the column already says why it is refused.
    other = (thursday + datetime.timedelta(days=1)).day
    text.fill(f"{other}日,我县召开安全生产工作会议。")
    expect(reader).to_contain_text(f"内容开头写的是“{other}日”")
    expect(reader).to_have_class("brief-line-error")
    page.screenshot(path=screenshot_dir / "digest-brief-refused.png", full_page=True)
    page.click("input[name=_continue]")
    expect(page.locator("#briefs-group .errorlist")).to_contain_text(
        f"但简讯日期是{thursday.month}月{day}日"
    )
    assert page.input_value("#id_briefs-0-text").startswith(f"{other}日,")
    assert not digest.briefs.exists()

    # Corrected and saved: the day is kept once, here as on the page.
    text.fill(f"{day}日，我县召开安全生产工作会议。")
    page.click("input[name=_continue]")
    expect(page.locator("ul.messagelist")).to_contain_text("成功")
    line = f">>{day}日,我县召开安全生产工作会议。"
    expect(page.locator("#briefs-0 td.field-reader_line p")).to_have_text(line)
    assert page.input_value("#id_briefs-0-text") == "我县召开安全生产工作会议。"
    page.screenshot(path=screenshot_dir / "digest-brief-saved.png", full_page=True)
    preview = page.context.new_page()
    preview.goto(base + digest.get_absolute_url())
    expect(preview.locator(".briefs p")).to_have_text(line)
    preview.close()
    assert csp_errors == []
