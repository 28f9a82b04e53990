"""The public pages in headless Chromium: screenshots at phone and desktop widths,
axe-core with no serious or critical violation, and the QR code read off the screen."""

import io
from pathlib import Path

import pytest
from PIL import Image

from media.renditions import renditions
from media.samples import attach_sample_images
from tests.factories import add_item, make_article, make_digest, make_photo, place_photo
from tests.pages import zbar_decoder

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[2] / "var/node/node_modules/axe-core/axe.min.js"
WIDTHS = {"phone": 390, "desktop": 1366}


@pytest.fixture
def site(settings, reference_digest, portal_shell):
    """The reference page with its sample photos, uploads served to the browser."""
    from articles.models import ArticlePhoto

    settings.ROOT_URLCONF = "tests.browser.urls"
    placements = ArticlePhoto.objects.filter(
        article__digest_items__digest=reference_digest
    ).select_related("photo")
    photos = [p.photo for p in placements]
    attach_sample_images(photos=photos)
    for photo in photos:
        renditions(photo)  # made here, not against the browser's page-load timeout
    lead = reference_digest.items.get(is_lead=True).article
    official = lead.officials.order_by("pk").first()
    return {
        "digest": reference_digest,
        "article": lead,
        "urls": {
            "home": "/",
            "column": lead.column.get_absolute_url(),
            "article": lead.get_absolute_url(),
            "digest": reference_digest.get_absolute_url(),
            "search": "/search/?q=凤凰水城&order=relevance",
            "official": official.get_absolute_url(),
        },
    }


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize(
    "kind", ["home", "column", "article", "digest", "search", "official"]
)
def test_screenshots(browser, live_server, site, screenshot_dir, kind, width):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": width, "height": 900}
    )
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(live_server.url + site["urls"][kind])
    page.wait_for_load_state("networkidle")
    # Load every lazy photo before the full-page shot.
    page.evaluate(
        "() => document.querySelectorAll('img[loading=lazy]')"
        ".forEach(img => img.loading = 'eager')"
    )
    # Polled from here: wait_for_function would need 'unsafe-eval' under the site's CSP.
    for _ in range(100):
        page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
        if page.evaluate(
            "() => Array.from(document.images).every(i => i.complete && i.naturalWidth)"
        ):
            break
        page.wait_for_timeout(100)
    page.evaluate("() => window.scrollTo(0, 0)")
    assert page.evaluate("() => Array.from(document.images).every(i => i.naturalWidth)")
    assert page.locator("h1").count() == 1
    assert page.locator("form.site-search input[name=q]").is_visible()
    assert page.locator("footer >> text=网站标识码").is_visible()
    if kind in ("article", "digest"):
        assert page.locator("text=扫一扫在手机打开当前页").is_visible()
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=screenshot_dir / f"{kind}-{width}.png", full_page=True)
    context.close()


def test_qr_code_on_screen_decodes_to_the_page_url(browser, live_server, site):
    decode = zbar_decoder()
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    url = live_server.url + site["digest"].get_absolute_url()
    page.goto(url)
    shot = page.locator(".qr-code").screenshot()
    image = Image.open(io.BytesIO(shot)).convert("L")
    padded = Image.new("L", (image.width + 40, image.height + 40), 255)
    padded.paste(image, (20, 20))
    assert [r.data.decode() for r in decode(padded)] == [url]
    context.close()


def test_print_stylesheet_drops_navigation_and_keeps_the_qr(browser, live_server, site):
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server.url + site["article"].get_absolute_url())
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".breadcrumb").is_visible()
    assert page.locator(".qr-block svg").is_visible()
    # The print button appears once its script runs.
    page.emulate_media(media="screen")
    assert page.locator("[data-print]").is_visible()
    context.close()


def test_elder_mode_enlarges_text_and_keeps_the_page_keyboard_reachable(
    browser, live_server, site, screenshot_dir
):
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    url = live_server.url + site["article"].get_absolute_url()
    page.goto(url)
    normal = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.click("text=长者模式")
    assert page.url == url
    larger = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert larger >= normal * 1.25
    assert page.locator(".reading-tools [data-elder]").text_content() == "退出长者模式"
    # The choice is a cookie: the next page (the same bytes for every reader) has it
    # from its first paint.
    page.reload()
    assert "elder" in page.evaluate("document.documentElement.className")
    page.screenshot(path=screenshot_dir / "article-390-elder.png")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    assert page.locator(".skip-link").is_visible()
    context.close()


def _axe_pages(site):
    article = make_article(column=site["article"].column)
    place_photo(article, make_photo(caption="无图片文件的图片。"))
    digest = make_digest(column=article.column)
    add_item(digest, article, is_lead=True)
    official = site["article"].officials.first() or site["digest"]
    return {
        "home": "/",
        "column": site["article"].column.get_absolute_url(),
        "search": site["article"].column.get_absolute_url() + "?q=巫溪",
        "site-search": "/search/?q=凤凰水城",
        "site-search-short": "/search/?q=王中",
        "site-map": "/sitemap/",
        "article": site["article"].get_absolute_url(),
        "digest": site["digest"].get_absolute_url(),
        "official": official.get_absolute_url(),
        "missing": "/no-such-page/",
    }


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_pages_pass_axe_core(browser, live_server, site, mode):
    if not AXE.exists():
        pytest.skip(
            "axe-core is not installed: npm install --prefix var/node axe-core vnu-jar"
        )
    context = browser.new_context(locale="zh-CN", bypass_csp=True)
    if mode == "elder":
        context.add_cookies([{"name": "elder", "value": "1", "url": live_server.url}])
    page = context.new_page()
    failures = {}
    for name, url in _axe_pages(site).items():
        page.goto(live_server.url + url)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document)")
        assert result["passes"], "axe-core did not run"
        serious = [
            (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if serious:
            failures[name] = serious
    context.close()
    assert failures == {}


PRINT_DIR = Path(__file__).resolve().parents[2] / "var" / "print"


def test_digest_prints_on_at_most_ten_a4_pages(browser, live_server, site):
    """Chromium's own printing (print media, A4), counted with pypdf; written to
    var/print/chromium-digest.pdf for a person to look at (pdftoppm -png)."""
    from pypdf import PdfReader

    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    url = live_server.url + site["digest"].get_absolute_url()
    page.goto(url)
    page.evaluate(
        "() => document.querySelectorAll('img[loading=lazy]')"
        ".forEach(img => img.loading = 'eager')"
    )
    page.wait_for_load_state("networkidle")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    context.close()
    PRINT_DIR.mkdir(parents=True, exist_ok=True)
    (PRINT_DIR / "chromium-digest.pdf").write_bytes(pdf)
    texts = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    assert len(texts) <= 10
    # Site name and address on every page; the QR block and the briefs not alone.
    assert all("巫溪县人民政府" in t and "/digests/" in t for t in texts)
    last = texts[-1]
    assert "扫一扫在手机打开当前页" in last
    assert last.count("\n") > 8, "the last page holds more than the QR block"
    briefs = next(i for i, t in enumerate(texts) if "一周简讯" in t)
    assert ">>" in texts[briefs] and "王芳主持召开" in "".join(texts[briefs - 1 :])


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_largest_reading_size_never_widens_the_page(
    browser, live_server, site, screenshot_dir, width
):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": width, "height": 900}
    )
    context.add_cookies(
        [
            {"name": "font", "value": "large", "url": live_server.url},
            {"name": "elder", "value": "1", "url": live_server.url},
        ]
    )
    page = context.new_page()
    wide = {}
    for kind in ("home", "column", "search", "article", "digest", "official"):
        page.goto(live_server.url + site["urls"][kind])
        classes = page.evaluate("[...document.documentElement.classList].sort()")
        assert classes == ["elder", "font-large"]
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            wide[kind] = scroll
            page.screenshot(path=screenshot_dir / f"{kind}-{width}-too-wide.png")
    page.goto(live_server.url + site["urls"]["column"])
    page.screenshot(
        path=screenshot_dir / f"column-{width}-large-elder.png", full_page=True
    )
    context.close()
    assert wide == {}


def test_reading_tools_show_only_where_they_can_work(browser, live_server, site):
    url = live_server.url + site["urls"]["article"]
    for javascript in (True, False):
        context = browser.new_context(java_script_enabled=javascript)
        page = context.new_page()
        page.goto(url)
        assert (
            page.locator(".reading-tools [data-font=large]").is_visible() is javascript
        )
        assert page.locator("[data-print]").is_visible() is javascript
        assert page.locator("h1").is_visible()  # readable either way
        context.close()
