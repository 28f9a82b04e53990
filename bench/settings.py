"""Settings for the site benchmark: production settings plus a bare reference view."""

import os

from wuxi_news.settings import *  # noqa: F403
from wuxi_news.settings import TEMPLATES, VAR_DIR

ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], VAR_DIR / "templates"]
PAGE_CACHE_SECONDS = int(os.environ.get("BENCH_PAGE_CACHE_SECONDS", "600"))
PAGE_CACHE_LOCAL_SECONDS = PAGE_CACHE_SECONDS  # one worker per cache is fine here
# Off in the bench's "live" run, to show what rendering the digest on each request costs.
DIGEST_STORED_RENDERING = os.environ.get("BENCH_DIGEST_STORED", "1") == "1"
