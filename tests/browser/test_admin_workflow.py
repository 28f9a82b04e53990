"""The editors' admin in headless Chromium: write, review, assemble and publish a week.

Screenshots of the key screens land in var/screenshots/admin-*.png.
"""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from PIL import Image

from articles.models import Article
from digests.models import WeeklyDigest
from tests.factories import make_article, make_column, make_user

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-123"


@pytest.fixture
def newsroom(settings, tmp_path):
    settings.ROOT_URLCONF = "tests.browser.urls"
    column = make_column(name="巫溪要闻", slug="wxyw")
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    # Two stories already published earlier this week, in reverse order of creation.
    make_article(column=column, headline="全县冬季森林防火工作会议召开", news_on=monday)
    if today > monday:
        make_article(
            column=column,
            headline="县人大常委会开展专题视察",
            news_on=monday + datetime.timedelta(days=1),
        )
    photo = tmp_path / "现场照片.png"
    image = Image.new("RGB", (800, 500), (40, 110, 170))
    for x in range(0, 800, 40):
        image.paste((230, 190, 60), (x, 300, x + 20, 500))
    image.save(photo)
    return {
        "column": column,
        "monday": monday,
        "today": today,
        "photo": photo,
        "reporter": make_user(username="wudan", roles=["记者"], first_name="吴丹"),
        # A small newsroom: one person holds the editor, reviewer and final roles.
        "chief": make_user(
            username="chief", roles=["编辑", "审核", "终审"], first_name="陈主编"
        ),
    }


def log_in(page, base, username):
    page.goto(base + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(base + "/admin/")


def message_text(page) -> str:
    return page.locator("ul.messagelist").inner_text()


def test_a_week_from_reporter_to_published_digest(
    page, browser, live_server, newsroom, screenshot_dir
):
    base = live_server.url
    csp_errors = []
    page.on(
        "console",
        lambda m: (
            csp_errors.append(m.text) if "Content Security Policy" in m.text else None
        ),
    )

    # 1. The reporter writes an article in CKEditor, with a photo after paragraph one.
    log_in(page, base, "wudan")
    page.goto(base + "/admin/articles/article/add/")
    page.fill("#id_headline", "巫溪县便民服务中心正式启用")
    page.select_option("#id_column", label="巫溪要闻")
    page.fill("#id_news_on", newsroom["today"].isoformat())
    editor = page.frame_locator("iframe.cke_wysiwyg_frame").locator("body")
    editor.click()
    page.keyboard.type("11月26日,县便民服务中心正式启用,群众办事更方便。")
    page.keyboard.press("Enter")
    page.keyboard.type("中心设有综合窗口二十个,可办理事项三百余项。")
    page.set_input_files("#id_placements-0-image", str(newsroom["photo"]))
    page.fill("#id_placements-0-caption", "群众在便民服务中心办理业务。")
    page.fill("#id_placements-0-credit_role", "记者")
    page.fill("#id_placements-0-credit_name", "吴丹")
    page.fill("#id_placements-0-alt_text", "服务大厅里排队办事的群众")
    page.fill("#id_placements-0-after_paragraph", "1")
    assert page.locator(".cke_button__bold").is_visible()  # the toolbar loaded
    page.screenshot(path=screenshot_dir / "admin-article-form.png", full_page=True)
    page.click("input[name=_continue]")
    assert "成功" in message_text(page)
    article = Article.objects.get(headline="巫溪县便民服务中心正式启用")
    assert [b.kind for b in article.blocks()] == ["html", "photo", "html"]
    page.screenshot(path=screenshot_dir / "admin-article-saved.png", full_page=True)

    # 2. The reporter submits it, then tries to publish it by posting to the URL.
    page.click("#workflow button[value=submit]")
    assert "待初审" in message_text(page)
    assert page.locator("#workflow button[value=approve]").count() == 0
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    change_url = f"{base}/admin/articles/article/{article.pk}/change/"
    response = page.request.post(
        f"{base}/admin/articles/article/{article.pk}/workflow/",
        form={"action": "approve", "csrfmiddlewaretoken": token},
        headers={"Referer": change_url},
        max_redirects=0,
    )
    assert response.status == 302
    page.goto(change_url)
    assert "不能由你执行“审核通过”" in message_text(page)
    page.screenshot(path=screenshot_dir / "admin-reporter-refused.png")
    article.refresh_from_db()
    assert article.status == Article.Status.REVIEW

    # 3. The chief passes the three reviews; the last one publishes.
    page.context.clear_cookies()
    log_in(page, base, "chief")
    page.goto(change_url)
    page.fill("#workflow-remark", "已校对")
    page.click("#workflow button[value=approve]")
    page.click("#workflow button[value=approve]")
    page.screenshot(path=screenshot_dir / "admin-final-review.png", full_page=True)
    page.click("#workflow button[value=approve]")
    assert "已发布" in message_text(page)
    article.refresh_from_db()
    assert article.is_published
    assert article.review_line == "责任编辑:陈主编 审核:陈主编 终审:陈主编"

    # 4. The chief creates the week's digest and fills it.
    page.goto(base + "/admin/digests/weeklydigest/add/")
    page.select_option("#id_column", label="巫溪要闻")
    page.fill("#id_week_starts_on", newsroom["monday"].isoformat())
    page.click("input[name=_continue]")
    digest = WeeklyDigest.objects.get()
    page.click("#fill-digest")
    assert "新填入" in message_text(page)
    headlines = [item.article.headline for item in digest.items.all()]
    assert headlines[-1] == "巫溪县便民服务中心正式启用"

    # 5. Reorder by dragging the new article to the top; it becomes the lead.
    count = len(headlines)
    rows = page.locator("#items-group tbody tr.form-row.has_original")
    rows.nth(count - 1).locator(".drag-handle").drag_to(
        rows.nth(0), target_position={"x": 20, "y": 2}
    )
    assert page.input_value(f"#id_items-{count - 1}-order") == "0"
    assert page.input_value("#id_items-0-order") == "1"
    page.check(f"#id_items-{count - 1}-is_lead")
    page.click("#briefs-group .add-row a")
    page.fill("#id_briefs-0-happened_on", newsroom["today"].isoformat())
    page.fill("#id_briefs-0-text", "县图书馆延长周末开放时间。")
    page.screenshot(path=screenshot_dir / "admin-digest-form.png", full_page=True)
    page.click("input[name=_continue]")
    lead = digest.items.get(is_lead=True)
    assert lead.article == article and lead.order == 0

    # 6. Preview the exact public page, then publish.
    with page.context.expect_page() as preview_info:
        page.click("#preview-digest")
    preview = preview_info.value
    preview.wait_for_load_state()
    assert preview.locator("h1").inner_text() == "见“政”巫溪这一周"
    assert "预览" in preview.locator(".preview-note").inner_text()
    preview.screenshot(path=screenshot_dir / "admin-digest-preview.png", full_page=True)
    preview.close()
    page.click("#publish-digest")
    assert "已发布" in message_text(page)
    page.screenshot(path=screenshot_dir / "admin-digest-published.png", full_page=True)

    # 7. A reader sees it.
    reader = browser.new_context(locale="zh-CN").new_page()
    reader.goto(base + digest.get_absolute_url())
    assert reader.locator(".preview-note").count() == 0
    lead_section = reader.locator(".lead")
    assert "巫溪县便民服务中心正式启用" in lead_section.inner_text()
    assert "群众在便民服务中心办理业务。记者 吴丹/摄" in lead_section.inner_text()
    assert "县图书馆延长周末开放时间" in reader.content()
    reader.screenshot(path=screenshot_dir / "admin-public-digest.png", full_page=True)
    reader.context.close()
    assert csp_errors == []


def test_lockout_and_change_list_screens(page, live_server, newsroom, screenshot_dir):
    base = live_server.url
    log_in(page, base, "chief")
    page.goto(base + "/admin/articles/article/")
    page.screenshot(path=screenshot_dir / "admin-article-list.png")
    page.context.clear_cookies()
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        page.goto(base + "/admin/login/")
        page.fill("#id_username", "wudan")
        page.fill("#id_password", "wrong-password")
        page.click("input[type=submit]")
    assert "登录失败次数过多" in page.content()
    page.screenshot(path=screenshot_dir / "admin-lockout.png")
