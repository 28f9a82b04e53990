"""The README's "More than one machine", drilled on one: tests/publishing/cluster.py.

A PostgreSQL database of the drill's own (created, migrated, seeded with `seed_demo`
and generated articles, dropped at the end), moto's S3 server with the pages and the
uploads buckets, two web nodes (gunicorn on 127.0.0.2 and 127.0.0.3), a front nginx in
the CDN/load balancer role (pages from the bucket, the rest to the nodes) and
`publishworker` baking into the bucket. Everything goes through subprocesses, HTTP and
SQL: the test process never touches the drill's database through Django.

1. A web node is killed (SIGKILL to its gunicorn's process group) while readers read
   baked and rendered pages and editors save through the admin: no reader sees an
   error, every save answered as saved is in the database, every other save got an
   answer saying it was not saved.
2. A second `publishworker` waits for the first's lock: it bakes nothing.
3. The worker baking a batch is killed half-way: the other takes the batch over, and
   `bake --reconcile` then finds the bucket as a fresh render would make it (Drift 0).

The figures (requests, errors, latency around the kill, saves, takeover time, time to
Drift 0) are printed: run with `-s`, or `python bench/cluster_drill.py`.
"""

from __future__ import annotations

import os
import re
import signal
import time
from urllib.parse import quote

import pytest

from tests.publishing.cluster import (
    UPLOADS_BUCKET,
    Editor,
    Expected,
    Load,
    is_postgres,
    missing_tools,
    percentile,
    running_cluster,
    wait_for,
)
from wuxi_news.publishing.files import file_for

DATABASE_URL = os.environ.get("DATABASE_URL", "")
COLUMN = "wxyw"  # 巫溪要闻, the column seed_demo creates
GENERATED = 30  # published articles besides the demo's: a column of several pages
EDITORS = 3
READERS = 4
LOAD_SECONDS = 10
KILL_AT = 3  # seconds into the load
SEARCH = "/search/?q=" + quote("演练稿件")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not is_postgres(DATABASE_URL),
        reason="the cluster drill needs PostgreSQL (its advisory lock, sessions shared "
        "by the web nodes): set DATABASE_URL=postgres://…",
    ),
    pytest.mark.skipif(missing_tools() is not None, reason=missing_tools() or ""),
]

SETUP = """
import datetime, json
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from articles.models import Article, Column
from digests.models import WeeklyDigest
from people.models import Person

column = Column.objects.get(slug=%(column)r)
now = timezone.now()
Article.objects.bulk_create(
    Article(
        headline=f"演练稿件{n}",
        column=column,
        news_on=(now - datetime.timedelta(days=1 + n // 3)).date(),
        published_at=now - datetime.timedelta(days=1 + n // 3, minutes=n),
        status="published",
        body=f"<p>演练稿件{n}的正文。</p>",
    )
    for n in range(%(generated)d)
)
# What seed_demo queued is all in the first full rebuild.
DBTaskResult.objects.filter(queue_name="publish").delete()
User = get_user_model()
editors = []
for n in range(1, %(editors)d + 1):
    username, password = f"drill-editor-{n}", f"drill-password-{n}-not-secret"
    User.objects.create_superuser(username=username, password=password, email="")
    # The oldest generated articles: their pages are none of those the readers read.
    article = Article.objects.get(headline=f"演练稿件{%(generated)d - n}")
    editors.append([username, password, article.pk])
digest = WeeklyDigest.objects.get()
lead = digest.items.get(is_lead=True).article
official = Person.objects.officials().filter(articles=lead).first()
print(json.dumps({
    "digest": digest.get_absolute_url(),
    "lead": lead.get_absolute_url(),
    "official": official.get_absolute_url(),
    "editors": editors,
}))
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cluster")
    started = time.monotonic()
    with running_cluster(folder, DATABASE_URL) as cluster:
        cluster.manage("migrate", "--noinput")
        assert "参考页面" in cluster.manage("seed_demo")
        cluster.urls = cluster.shell(
            SETUP % {"column": COLUMN, "generated": GENERATED, "editors": EDITORS}
        )
        baked = cluster.manage("bake", "--all")
        match = re.match(r"Baked (\d+) pages in ([\d.]+) s", baked)
        assert match, baked
        cluster.pages = int(match[1])
        cluster.bake_seconds = float(match[2])
        for n in range(len(cluster.nodes)):
            cluster.start_node(n)
        cluster.first_worker = cluster.start_worker()
        for n in range(len(cluster.nodes)):
            cluster.wait_node(n)
        cluster.enqueue_probe()
        wait_for(cluster.first_worker.batches, 30, "the publish worker's first batch")
        print(
            f"\ncluster up in {time.monotonic() - started:.1f} s: {cluster.pages} pages "
            f"baked into the bucket in {cluster.bake_seconds:.1f} s"
        )
        yield cluster


def test_a_web_node_killed_under_load_costs_no_page_and_no_save(cluster):
    urls = cluster.urls
    baked = ["/", f"/column/{COLUMN}/", urls["lead"], urls["digest"], urls["official"]]
    # Not the feed nor the sitemap: the editors' saves change those.
    baked += ["/robots.txt", "/404.html"]
    expected = {}
    for path in baked:
        body = cluster.object(file_for(path))
        assert body, f"{path} is not in the bucket"
        status, headers, served = cluster.get(path)
        assert (status, served) == (200, body), path
        assert headers["Cache-Control"] == "public, max-age=60", path
        assert "x-amz-request-id" not in headers, path
        expected[path] = Expected(200, body=body)
        baked_headers = headers
    # A photo of the lead article: linked at MEDIA_URL, served from the uploads bucket.
    photos = re.findall(r'<img src="([^"]+)"', expected[urls["lead"]].body.decode())
    photo = next(src for src in photos if "/uploads/" in src)
    assert photo.startswith(f"{cluster.base_url}/uploads/"), photo
    photo = photo.removeprefix(cluster.base_url)
    image = cluster.object(photo.removeprefix("/uploads/"), UPLOADS_BUCKET)
    status, headers, served = cluster.get(photo)
    assert (status, headers["Content-Type"], served) == (200, "image/jpeg", image)
    expected[photo] = Expected(200, body=image)
    # /prefs/ is the nodes': a cookie and a redirect back.
    prefs = "/prefs/?font=large&next=/"
    status, headers, body = cluster.get(prefs)
    assert (status, headers["Location"], body) == (302, "/", b""), status
    assert "font=large" in headers["Set-Cookie"]
    expected[prefs] = Expected(302, body=b"")
    # What the web nodes render: a search, a page parameter, a missing object.
    rendered = {
        SEARCH: (200, "演练稿件"),
        f"/column/{COLUMN}/?q=" + quote("演练稿件1"): (200, "演练稿件1"),
        "/articles/99999999/": (404, "页面不存在"),
    }
    for path, (status, marker) in rendered.items():
        first, second = cluster.get(path), cluster.get(path)
        assert first[0] == second[0] == status, (path, first[:2])
        # The pages from the bucket carry the security headers the nodes send (the
        # policy's directives in any order: django-csp's order varies by process).
        # Not the 404: in development mode django-csp leaves error pages alone.
        for name in ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"):
            if status == 200:
                sent, added = (h[name].split("; ") for h in (first[1], baked_headers))
                assert sorted(sent) == sorted(added), (path, name)
        # The same bytes from either node, or the marker at least.
        same = first[2] == second[2]
        expected[path] = Expected(
            status,
            body=first[2] if same else None,
            marker=None if same else marker.encode(),
        )
        assert marker.encode() in first[2], path

    editors = [
        Editor(cluster.base_url, username, password, pk)
        for username, password, pk in urls["editors"]
    ]
    for editor in editors:
        editor.login()
    victim = 0
    log_before = cluster.front_log()
    assert cluster.node_address(victim) in log_before, "the node served nothing yet"
    load = Load(cluster.base_url, expected, editors, readers=READERS)
    load.run(LOAD_SECONDS, lambda: cluster.kill_node(victim), KILL_AT)
    killed_at = load.event_at
    assert killed_at is not None and cluster.nodes[victim].poll() is not None

    # Readers: every answer as expected, before, during and after the kill.
    wrong = load.wrong()
    requests = len(load.readings)
    assert wrong == [], f"{len(wrong)} wrong answers of {requests}, e.g. {wrong[:5]}"
    for path in baked:  # (what they were expected to read stayed as it was)
        assert cluster.object(file_for(path)) == expected[path].body, path
    assert requests >= 100, f"only {requests} requests in {LOAD_SECONDS} s"
    assert len(load.latencies(after=killed_at)) >= 50, "too few reads after the kill"

    # Editors: what was answered as saved is saved; nothing else claimed success.
    saves = load.saves()
    by_outcome: dict[str, list] = {}
    for save in saves:
        by_outcome.setdefault(save.outcome, []).append(save)
    assert "unclear" not in by_outcome, by_outcome["unclear"][:5]
    # Opening the form is a GET: the front takes it to the other node.
    assert "not opened" not in by_outcome, by_outcome["not opened"][:5]
    assert not [s for s in saves if s.outcome == "refused"], [
        (s.token, s.detail) for s in saves if s.outcome == "refused"
    ]
    bodies = {
        username: cluster.sql("SELECT body FROM articles_article WHERE id = %s", [pk])[
            0
        ][0]
        for username, _, pk in urls["editors"]
    }
    confirmed = by_outcome.get("saved", [])
    lost = [
        save.token
        for editor in editors
        for save in editor.saves
        if save.outcome == "saved" and save.token not in bodies[editor.username]
    ]
    failed = [s for s in saves if s.outcome not in ("saved", "not opened")]
    saved_anyway = [
        save.token
        for editor in editors
        for save in editor.saves
        if save.outcome not in ("saved", "not opened")
        and save.token in bodies[editor.username]
    ]
    assert lost == [], f"saves answered as saved but not in the database: {lost}"
    after_kill = [s for s in confirmed if s.at > killed_at]
    assert len(after_kill) >= EDITORS, "the editors saved too little after the kill"
    assert len([s for s in confirmed if s.at < killed_at]) >= 1

    # Requests the front sent to the other node when the killed one failed them.
    nodes = [cluster.node_address(n) for n in range(len(cluster.nodes))]
    during = cluster.front_log()[len(log_before) :].splitlines()
    retried = [line for line in during if all(node in line for node in nodes)]
    # Sessions are in the database: either node took any editor's saves.
    saved_by = {
        node
        for line in during
        if '"POST /admin/' in line
        for node in nodes
        if node in line
    }
    assert saved_by == set(nodes), saved_by

    around = load.latencies(after=killed_at - 0.5, until=killed_at + 2)
    every = load.latencies()
    print(
        f"\nnode kill: {requests} requests in {LOAD_SECONDS} s by {READERS} readers, "
        f"{len(wrong)} errors; latency p50 {percentile(every, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(every, 0.95) * 1000:.0f} ms; in the 2.5 s around the kill "
        f"({len(around)} requests) p50 {percentile(around, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(around, 0.95) * 1000:.0f} ms; {len(retried)} requests "
        "retried on the other node by the front"
    )
    print(
        f"saves: {len(saves)} made by {EDITORS} editors, {len(confirmed)} confirmed "
        f"({len(after_kill)} after the kill), {len(failed)} answered as not saved "
        f"({', '.join(f'{k} {len(v)}' for k, v in by_outcome.items() if k != 'saved')}"
        f"{'; ' if failed else ''}{len(saved_anyway)} of them in the database all "
        "the same), "
        f"{len(lost)} lost"
    )
    cluster.start_node(victim)
    cluster.wait_node(victim)


CORRECTIONS = """
import json, time
from django.db import transaction
from articles.models import Article
for n in range(%(count)d):
    with transaction.atomic():
        article = Article.objects.get(headline="演练稿件%(n)d")
        article.body += f"<p>演练更正{n}</p>"
        article.save()
    time.sleep(%(pause)s)
print(json.dumps({}))
"""


def queue_drained(cluster) -> bool:
    statuses = cluster.queue()
    return not statuses.get("READY") and not statuses.get("RUNNING")


def test_a_second_publishworker_waits_for_the_first(cluster):
    first = cluster.first_worker
    assert first.process.poll() is None, first.text()
    second = cluster.start_worker()
    wait_for(lambda: second.log.exists(), 10, "the second worker's log")
    time.sleep(2)  # started, connected, polling
    before = len(first.batches())
    cluster.shell(CORRECTIONS % {"count": 5, "n": 5, "pause": 0.5})
    wait_for(lambda: queue_drained(cluster), 30, "the corrections to be baked")
    assert second.process.poll() is None, second.text()
    print(
        f"\nsecond worker: {len(second.batches())} batches baked while the first "
        f"baked {len(first.batches()) - before}"
    )
    # It waits for the first's worker lock (WorkerLock), saying so, and bakes nothing.
    assert not second.batches(), second.text()
    assert "waiting to take over" in second.text()
    assert len(first.batches()) > before


RENAME = """
import json, time
from django.db import transaction
from articles.models import Column
with transaction.atomic():
    column = Column.objects.get(slug=%(column)r)
    column.name = %(name)r
    column.save()
print(json.dumps({"committed": time.time()}))
"""


def test_a_worker_killed_mid_batch_is_taken_over_and_nothing_drifts(cluster):
    workers = [w for w in cluster.workers if w.process.poll() is None]
    if len(workers) < 2:
        workers.append(cluster.start_worker())
        time.sleep(2)
    assert len(workers) == 2
    wait_for(lambda: queue_drained(cluster), 30, "an empty queue")
    name = "巫溪要闻演练栏"
    # A column's name is on every page: one task, every page rewritten.
    cluster.shell(RENAME % {"column": COLUMN, "name": name})

    def running():
        """(id, worker_ids) of the publish task being baked, if any."""
        rows = cluster.sql(
            "SELECT id, worker_ids FROM django_tasks_database_dbtaskresult "
            "WHERE queue_name = 'publish' AND status = 'RUNNING'"
        )
        return rows and rows[0]

    def claimed_by(task) -> list[str]:
        return cluster.sql(
            "SELECT worker_ids FROM django_tasks_database_dbtaskresult WHERE id = %s",
            [task],
        )[0][0]

    task, (owner_id,) = wait_for(running, 30, "a worker to claim the rename")
    baking = next(w for w in workers if w.worker_id == owner_id)
    other = next(w for w in workers if w is not baking)
    other_batches = len(other.batches())
    # Once its first pages carry the new name, well before the batch is done.
    wait_for(
        lambda: name.encode() in (cluster.object("index.html") or b""),
        30,
        "the first pages of the batch",
    )
    time.sleep(0.5)
    assert running() == (task, [owner_id]), "the batch ended before it was killed"
    os.killpg(baking.process.pid, signal.SIGKILL)
    killed = time.monotonic()
    baking.process.wait(timeout=10)

    wait_for(
        lambda: claimed_by(task) == [owner_id, other.worker_id],
        60,
        "the other worker to claim the killed one's batch",
        interval=0.05,
    )
    claimed_after = time.monotonic() - killed
    wait_for(
        lambda: queue_drained(cluster) and len(other.batches()) > other_batches,
        120,
        "the other worker to finish the batch",
        interval=0.1,
    )
    finished_after = time.monotonic() - killed
    taken_over = other.batches()[-1]
    left = re.search(r"(\d+) written", taken_over)
    # The killed worker left pages unwritten, and the other wrote them.
    assert left and int(left[1]) > 0, taken_over

    started = time.monotonic()
    report = cluster.manage("bake", "--reconcile").strip()
    reconciled = time.monotonic()
    assert re.match(
        r"Drift: 0 \(0 rewritten, 0 removed, 0 failed to render\b", report
    ), report
    status, _, home = cluster.get("/")
    assert status == 200 and name.encode() in home
    print(
        f"\nworker killed mid-batch: the other claimed its batch {claimed_after:.1f} s "
        f"after the kill and finished it {finished_after:.1f} s after ({taken_over}); "
        f"`bake --reconcile` {reconciled - started:.1f} s: {report}; Drift 0 "
        f"{reconciled - killed:.1f} s after the kill"
    )
