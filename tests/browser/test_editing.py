"""Nothing typed is lost, and lock warnings mean someone is really editing — in Chromium.

Screenshots: var/screenshots/editing-*.png.
"""

import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from articles.editing import current_lock
from articles.models import Article, EditLock
from tests.browser.test_admin_workflow import log_in, message_text
from tests.factories import (
    make_article,
    make_column,
    make_photo,
    make_user,
    place_photo,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(settings):
    settings.ROOT_URLCONF = "tests.browser.urls"
    return make_column(name="巫溪要闻", slug="wxyw")


def change_url(base, article):
    return f"{base}/admin/articles/article/{article.pk}/change/"


def type_in_ckeditor(page, text):
    body = page.frame_locator("iframe.cke_wysiwyg_frame").locator("body")
    body.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type(text)


def test_submitting_saves_what_was_just_typed(page, live_server, site, screenshot_dir):
    base = live_server.url
    make_user(username="wudan", roles=["记者"], first_name="吴丹")
    article = make_article(
        column=site,
        status=Article.Status.DRAFT,
        published_at=None,
        body="<p>原文。</p>",
    )
    log_in(page, base, "wudan")
    page.goto(change_url(base, article))

    # A mistake: the headline emptied; pressing 提交审核 keeps the typing, acts not.
    page.fill("#id_headline", "")
    type_in_ckeditor(page, "刚刚补写的第二段。")
    with page.expect_navigation():
        page.click("#workflow button[value=submit]")
    assert page.locator(".errornote").is_visible()
    editor = page.frame_locator("iframe.cke_wysiwyg_frame").locator("body")
    assert "刚刚补写的第二段" in editor.inner_text()
    page.screenshot(path=screenshot_dir / "editing-submit-error.png", full_page=True)
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT

    # Corrected: one press saves the text and submits it.
    page.fill("#id_headline", "县便民服务中心正式启用")
    page.fill("#workflow-remark", "请编辑审阅")
    with page.expect_navigation():
        page.click("#workflow button[value=submit]")
    assert "的修改已保存" in message_text(page)
    assert "待初审" in message_text(page)
    page.screenshot(path=screenshot_dir / "editing-submitted.png", full_page=True)
    article.refresh_from_db()
    assert article.status == Article.Status.REVIEW
    assert "刚刚补写的第二段" in article.body
    assert article.headline == "县便民服务中心正式启用"


def test_lock_warnings_follow_real_editing(browser, live_server, site, screenshot_dir):
    base = live_server.url
    make_user(username="subeditor", roles=["编辑"], first_name="张编辑")
    make_user(username="reviewer", roles=["审核"], first_name="李审核")
    make_user(username="signoff", roles=["终审"], first_name="王终审")
    article = make_article(
        column=site,
        status=Article.Status.REVIEW,
        review_stage=Article.ReviewStage.FIRST,
        published_at=None,
    )
    pages = {}
    for name in ("subeditor", "reviewer", "signoff"):
        context = browser.new_context(
            locale="zh-CN", viewport={"width": 1366, "height": 900}
        )
        pages[name] = context.new_page()
        log_in(pages[name], base, name)
    url = change_url(base, article)

    pages["reviewer"].clock.install()  # its heartbeat timer runs when we say

    # The editor passes the first review: the page they land on holds no lock.
    pages["subeditor"].goto(url)
    with pages["subeditor"].expect_navigation():
        pages["subeditor"].click("#workflow button[value=approve]")
    assert "待复审" in message_text(pages["subeditor"])
    assert current_lock(obj=article) is None
    pages["reviewer"].goto(url)
    assert "正在编辑" not in pages["reviewer"].content()
    assert current_lock(obj=article).user.username == "reviewer"

    # The final signer opens it while the reviewer is on it: a true warning.
    pages["signoff"].goto(url)
    assert "李审核 自" in message_text(pages["signoff"])
    pages["signoff"].screenshot(path=screenshot_dir / "editing-lock-warning.png")

    # The reviewer's open page beats: its lock outlives the time-to-live.
    EditLock.objects.update(seen_at=timezone.now() - datetime.timedelta(minutes=2))
    with pages["reviewer"].expect_response(lambda r: r.url.endswith("/lock/")):
        pages["reviewer"].clock.run_for(31_000)
    assert timezone.now() - current_lock(obj=article).seen_at < datetime.timedelta(
        seconds=20
    )

    # A reload: the old page's goodbye must not release the lock the new page took.
    with pages["reviewer"].expect_response(lambda r: r.url.endswith("/lock/")):
        pages["reviewer"].reload()
    pages["reviewer"].wait_for_timeout(1000)
    assert current_lock(obj=article).user.username == "reviewer"
    pages["signoff"].goto(url)
    assert "李审核 自" in message_text(pages["signoff"])

    # The reviewer leaves the page: the lock goes, and the signer sees no warning.
    pages["reviewer"].goto(base + "/admin/")
    for _ in range(50):  # the goodbye is a beacon: it lands a moment later
        if current_lock(obj=article) is None:
            break
        pages["reviewer"].wait_for_timeout(100)
    assert current_lock(obj=article) is None
    pages["signoff"].goto(url)
    assert "正在编辑" not in pages["signoff"].content()
    pages["signoff"].screenshot(path=screenshot_dir / "editing-no-warning.png")
    for page in pages.values():
        page.context.close()


def test_the_read_only_article_shows_its_photo_as_readers_see_it(
    page, live_server, site, screenshot_dir
):
    base = live_server.url
    make_user(username="wudan", roles=["记者"], first_name="吴丹")
    article = make_article(column=site, headline="全县冬季森林防火工作会议召开")
    out = io.BytesIO()
    Image.new("RGB", (640, 400), (40, 110, 170)).save(out, format="JPEG")
    photo = make_photo(caption="会议现场。", credit_role="记者", credit_name="吴丹")
    photo.image.save("scene.jpg", ContentFile(out.getvalue()))
    place_photo(article, photo)
    log_in(page, base, "wudan")
    page.goto(change_url(base, article))
    inline = page.locator("#placements-group")
    text = inline.inner_text()
    assert "会议现场。记者 吴丹/摄" in text
    assert "Existing" not in text and "Alt text" not in text
    assert inline.locator("img").evaluate("img => img.naturalWidth") > 0
    page.screenshot(path=screenshot_dir / "editing-read-only-photo.png", full_page=True)
