"""The project's settings for the test run, with a throwaway secret key.

pytest-django imports settings before any conftest runs, so the defaults go here.
"""

import os

os.environ.setdefault(
    "DJANGO_SECRET_KEY", "test-only-secret-key-not-for-any-deployment"
)
os.environ.setdefault("DJANGO_SECURE", "0")

from wuxi_news.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests render templates without running collectstatic.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True

# Tests clear the cache (FLUSHDB on Redis) and count queries around cache hits, so each
# xdist worker gets a Redis database of its own.
if CACHES["default"]["BACKEND"].endswith("RedisCache"):  # noqa: F405
    _worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    _base, _, _db = CACHES["default"]["LOCATION"].rpartition("/")  # noqa: F405
    _db = int(_db) if _db.isdigit() else 15
    CACHES["default"]["LOCATION"] = f"{_base}/{_db - _worker}"  # noqa: F405

# The baker renders pages as requests to the test client's host.
PUBLISH_BASE_URL = "http://testserver"
