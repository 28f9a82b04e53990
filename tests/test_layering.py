"""The apps import one way: people, media → articles → digests → the site (wuxi_news).

The site's shared helpers (text, stale, staff, revisions) are below every app; the
site's pages, feeds, sitemaps, workbench and publishing are above them all.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What each app may import of the others.
ALLOWED = {
    "people": set(),
    "media": {"people"},  # a photo's credit names a person of the register
    "articles": {"people", "media"},
    "digests": {"people", "media", "articles"},
}
SITE_HELPERS = {"text", "stale", "staff", "revisions", "cache_backends"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def app_modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_apps_import_one_way(app):
    wrong = []
    for path in app_modules(app):
        for module in imported_modules(path):
            top, _, rest = module.partition(".")
            if top in ALLOWED and top != app and top not in ALLOWED[app]:
                wrong.append(f"{path.relative_to(ROOT)} imports {module}")
            if top == "wuxi_news" and rest.split(".")[0] not in SITE_HELPERS:
                wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert wrong == []


def test_the_layering_check_sees_a_wrong_import(tmp_path):
    wrong = tmp_path / "bad.py"
    wrong.write_text(
        "from digests.models import WeeklyDigest\nimport wuxi_news.views\n"
    )
    assert imported_modules(wrong) == {"digests.models", "wuxi_news.views"}
