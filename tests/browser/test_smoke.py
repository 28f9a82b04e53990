import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_digest_page_renders_in_chromium(
    page, live_server, reference_digest, screenshot_dir
):
    page.goto(live_server.url + reference_digest.get_absolute_url())
    assert page.locator("h1").inner_text() == "见“政”巫溪这一周"
    assert page.locator("text=扫一扫在手机打开当前页").is_visible()
    page.screenshot(path=screenshot_dir / "smoke-digest.png", full_page=False)
