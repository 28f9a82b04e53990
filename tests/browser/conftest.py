"""Headless Chromium via Playwright, for tests that look at pages as a person would.

Skips with a reason where Chromium is missing; `.ci/run` installs Debian's `chromium`.
"""

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from django.core.signals import request_finished, request_started

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class _InFlight:
    """Counts the live server's requests still being handled.

    A page that is closed sends its goodbye (the edit lock's beacon) as it goes; on the
    in-memory SQLite database such a request, still in its transaction when the test
    ends, makes the database flush between tests fail.
    """

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    def started(self, **kwargs):
        with self.lock:
            self.count += 1

    def finished(self, **kwargs):
        with self.lock:
            self.count -= 1

    def wait_until_quiet(self, quiet=0.5, timeout=15.0):
        deadline = time.monotonic() + timeout
        quiet_since = None
        while time.monotonic() < deadline:
            if self.count <= 0:
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since >= quiet:
                    return
            else:
                quiet_since = None
            time.sleep(0.05)


_in_flight = _InFlight()
request_started.connect(_in_flight.started, dispatch_uid="browser-tests-in-flight")
# Connected after Django's own receivers, so it runs once the connection is handled.
request_finished.connect(_in_flight.finished, dispatch_uid="browser-tests-in-flight")


@pytest.fixture(autouse=True)
def live_server_quiet_before_flush():
    """Torn down after the page and before the database flush."""
    yield
    _in_flight.wait_until_quiet()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            "Chromium is not installed (apt-get install chromium); .ci/run installs it"
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; the live server's ORM calls are still
    # made from plain threads, so this only silences Django's async-context guard.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1366, "height": 900}
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot_dir() -> Path:
    """Screenshots land in the git-ignored var/screenshots/ for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def pytest_collection_modifyitems(items):
    """Every browser test is slow: `make test-fast` leaves them out, CI runs them."""
    for item in items:
        if "/tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.slow)
