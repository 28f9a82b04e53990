"""Every kind of public page passes the W3C Nu HTML checker (vnu.jar) with no errors."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import (
    add_item,
    make_appointment,
    make_article,
    make_digest,
    make_photo,
    place_photo,
)

pytestmark = pytest.mark.django_db

VNU = (
    Path(__file__).resolve().parents[1]
    / "var/node/node_modules/vnu-jar/build/dist/vnu.jar"
)


def test_public_pages_have_no_html_errors(
    client, settings, reference_digest, tmp_path, portal_shell
):
    if not VNU.exists():
        pytest.skip("vnu-jar is not installed: npm install --prefix var/node vnu-jar")
    if not shutil.which("java"):
        pytest.skip("java is not installed (apt-get install default-jre-headless)")
    person = make_appointment().person
    article = make_article(officials=[person], reporters="记者 吴丹")
    place_photo(article, make_photo())
    digest = make_digest(column=article.column)
    add_item(digest, article, is_lead=True)
    lead = reference_digest.items.get(is_lead=True).article
    pages = {
        "home": reverse("home"),
        "column": lead.column.get_absolute_url(),
        "search": lead.column.get_absolute_url() + "?q=巫溪&month=2024-12",
        "article": lead.get_absolute_url(),
        "article-with-photo": article.get_absolute_url(),
        "digest": reference_digest.get_absolute_url(),
        "official": person.get_absolute_url(),
        "site-search": reverse("search") + "?q=凤凰水城&order=relevance",
        "site-search-empty": reverse("search"),
        "site-map": reverse("site_map"),
        "missing": "/no-such-page/",
    }
    files = []
    for name, url in pages.items():
        response = client.get(url)
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files.append(str(path))
    from django.template.loader import render_to_string

    (tmp_path / "500.html").write_text(render_to_string("500.html"))
    files.append(str(tmp_path / "500.html"))
    run = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=180,
    )
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    errors = [
        (Path(m.get("url", "")).name, m.get("lastLine"), m["message"])
        for m in messages
        if m["type"] == "error"
    ]
    assert errors == []
