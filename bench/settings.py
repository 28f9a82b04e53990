"""Settings for the site benchmark: production settings plus a bare reference view."""

from wuxi_news.settings import *  # noqa: F403
from wuxi_news.settings import TEMPLATES, VAR_DIR

ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], VAR_DIR / "templates"]
