"""One throwaway Django setup for the benchmarks that run on their own SQLite database."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup_throwaway_django(prefix: str) -> Path:
    """Point Django at a new SQLite database and upload folder; return their folder."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "wuxi_news.settings",
            "DJANGO_SECRET_KEY": "bench-only-secret-key",
            "DJANGO_SECURE": "0",
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "DJANGO_MEDIA_ROOT": str(workdir / "uploads"),
            "CACHE_URL": "locmem://",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "PUBLISH_BASE_URL": "http://127.0.0.1",
            "PUBLISH_ROOT": str(workdir / "site"),
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return workdir
