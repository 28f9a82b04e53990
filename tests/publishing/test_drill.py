"""Drills of the baked site with real processes: nginx, gunicorn, the publish worker.

A throwaway site is built once for the module in a temporary folder, the way an operator
builds one: `manage.py migrate`, `seed_demo`, generated articles (enough for several
column pages), `bake --all`, on an SQLite file of its own, in development mode
(DJANGO_DEBUG=1: no collectstatic needed). The test process never touches that database
through Django (no `django_db`): everything goes through subprocesses and HTTP.

- the fault drill: Django and the worker killed, the baked pages still served byte for
  byte, the rest a 503 maintenance page; a change published meanwhile is baked once
  they are back, and `bake --reconcile` finds no drift;
- atomic writes: readers through nginx never see a torn page while it is rewritten;
- a publish is served from its file within seconds, an unpublish is a 404 again;
- a full rebuild killed half-way leaves the live release as it was.

Every process is started on 127.0.0.1 and stopped by its PID (its process group for
gunicorn, whose workers would otherwise outlive their master).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.publishing.nginx import free_port, nginx_binary, request, running_nginx
from wuxi_news.publishing.files import MAINTENANCE, file_for
from wuxi_news.publishing.targets import LocalTarget

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
GUNICORN = shutil.which("gunicorn", path=str(Path(PYTHON).parent)) or shutil.which(
    "gunicorn"
)
COLUMN = "wxyw"  # 巫溪要闻, the column seed_demo creates
# Items of the column listing (20 a page) once the generated articles are in: exactly
# 6 full pages, so that one more article makes a 7th. Some 170 pages in all: enough
# for `bake --all` to take a few seconds, so that it can be killed half-way.
COLUMN_ITEMS = 120
PAGE_SIZE = 20
BAKED_CACHE_CONTROL = "public, max-age=60"
LOAD_SECONDS = 10
READERS = 4
SEARCH = "/search/?q=" + quote("巫溪")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        GUNICORN is None,
        reason="gunicorn is not installed (it comes with the project's virtualenv: "
        "make install)",
    ),
]


def wait_for(condition, timeout: float, what: str, interval: float = 0.05):
    """Poll `condition` until it returns something true; fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def connection_refused(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        connection.request("GET", "/robots.txt")
        connection.getresponse().read()
        connection.close()
        return False
    except ConnectionRefusedError:
        return True
    except OSError:
        return False


def stop(process: subprocess.Popen | None, *, group: bool = False) -> None:
    """Stop a process this module started, by its PID (and its group's, for gunicorn:
    SIGQUIT, its quick shutdown)."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGQUIT if group else signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        if group:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.wait(timeout=10)


class Site:
    """The throwaway site: its environment, its commands, its gunicorn and worker."""

    def __init__(self, folder: Path, base_url: str, upstream_port: int):
        self.folder = folder
        self.publish_root = folder / "site"
        self.current = self.publish_root / "current"
        self.base_url = base_url
        self.upstream_port = upstream_port
        self.gunicorn: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.worker_log: Path | None = None
        self.starts = 0
        inherited = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "PUBLISH_", "PHOTO_", "SITE_"))
            and key not in ("DATABASE_URL", "CACHE_URL")
        }
        self.env = inherited | {
            "DJANGO_SETTINGS_MODULE": "wuxi_news.settings",
            "DJANGO_DEBUG": "1",
            "DJANGO_VAR_DIR": str(folder / "var"),
            "DJANGO_MEDIA_ROOT": str(folder / "uploads"),
            "DJANGO_LOG_LEVEL": "WARNING",
            "CACHE_URL": "locmem://",
            "PUBLISH_ROOT": str(self.publish_root),
            "PUBLISH_BASE_URL": base_url,
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
        }

    # Commands

    def manage(self, *args: str, timeout: float = 120) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, (
            f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}"
        )
        return result.stdout

    def shell(self, code: str) -> dict:
        """Run `code` in `manage.py shell`; it prints one JSON line last."""
        output = self.manage("shell", "--no-imports", "-c", code)
        return json.loads(output.strip().splitlines()[-1])

    def popen(self, args: list[str], log: Path, **options) -> subprocess.Popen:
        with log.open("ab") as out:
            return subprocess.Popen(
                args,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                **options,
            )

    # gunicorn and the worker

    def start_gunicorn(self) -> None:
        assert connection_refused(self.upstream_port), "the upstream port is taken"
        self.gunicorn = self.popen(
            [GUNICORN, "--workers", "2", "--worker-class", "sync",
             "--bind", f"127.0.0.1:{self.upstream_port}", "--log-level", "warning",
             "wuxi_news.wsgi:application"],
            self.folder / "gunicorn.log",
            start_new_session=True,  # its own group: master and workers
        )  # fmt: skip

    def wait_gunicorn(self, timeout: float = 30) -> None:
        def answers():
            assert self.gunicorn.poll() is None, self.log("gunicorn.log")
            try:
                status, _, _ = request(
                    f"http://127.0.0.1:{self.upstream_port}", "/robots.txt", timeout=2
                )
            except OSError:
                return False
            return status == 200

        wait_for(answers, timeout, "gunicorn to answer")

    def kill_gunicorn(self) -> None:
        """SIGKILL to gunicorn's master and workers (its process group)."""
        os.killpg(self.gunicorn.pid, signal.SIGKILL)
        self.gunicorn.wait(timeout=10)
        wait_for(
            lambda: connection_refused(self.upstream_port), 10, "gunicorn to be gone"
        )

    def start_worker(self) -> None:
        self.starts += 1
        self.worker_log = self.folder / f"publishworker-{self.starts}.log"
        self.worker = self.popen(
            [PYTHON, "manage.py", "publishworker"], self.worker_log
        )

    def worker_batches(self) -> list[str]:
        """The lines the worker printed for each batch it baked."""
        if self.worker_log is None or not self.worker_log.exists():
            return []
        text = self.worker_log.read_text(errors="replace")
        return re.findall(r"^\d\d:\d\d:\d\d \d+ task\(s\):.*$", text, re.M)

    def wait_worker_batch(self, timeout: float = 30) -> None:
        def batch():
            assert self.worker.poll() is None, self.log(self.worker_log.name)
            return self.worker_batches()

        wait_for(batch, timeout, "the publish worker's first batch")

    def kill_worker(self) -> None:
        self.worker.kill()  # SIGKILL
        self.worker.wait(timeout=10)

    def enqueue_probe(self) -> None:
        """A publish task of one page that never changes: the worker's first batch
        says it is up."""
        self.shell(
            "import json\n"
            "from wuxi_news.publishing.queue import publish_changes\n"
            "publish_changes.enqueue(['/robots.txt'], [])\n"
            "print(json.dumps({}))"
        )

    def ensure_running(self) -> None:
        """gunicorn and the worker up (a test before may have left them down)."""
        if self.gunicorn is None or self.gunicorn.poll() is not None:
            self.start_gunicorn()
            self.wait_gunicorn()
        if self.worker is None or self.worker.poll() is not None:
            self.start_worker()
            self.enqueue_probe()
            self.wait_worker_batch()

    def stop_all(self) -> None:
        stop(self.worker)
        stop(self.gunicorn, group=True)

    # Files and pages

    def baked(self, path: str) -> bytes:
        return (self.current / file_for(path)).read_bytes()

    def get(self, path: str):
        return request(self.base_url, path)

    def log(self, name: str) -> str:
        path = self.folder / name
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


SETUP = """
import datetime, json
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from articles.models import Article, Column
from digests.models import WeeklyDigest
from people.models import Person

column = Column.objects.get(slug=%(column)r)
listed = (
    Article.objects.published().in_column(column).count()
    + WeeklyDigest.objects.published().in_column(column).count()
)
now = timezone.now()
Article.objects.bulk_create(
    Article(
        headline=f"演练稿件{n}",
        column=column,
        news_on=(now - datetime.timedelta(days=1 + n // 3)).date(),
        published_at=now - datetime.timedelta(days=1 + n // 3, minutes=n),
        status="published",
        body=f"<p>演练稿件{n}的正文。</p><p>第二段。</p>",
    )
    for n in range(%(items)d - listed)
)
# What seed_demo queued is all in the first full rebuild.
DBTaskResult.objects.filter(queue_name="publish").delete()
digest = WeeklyDigest.objects.get()
lead = digest.items.get(is_lead=True).article
official = Person.objects.officials().filter(articles=lead).first()
print(json.dumps({
    "digest": digest.get_absolute_url(),
    "lead": lead.get_absolute_url(),
    "lead_pk": lead.pk,
    "official": official.get_absolute_url(),
    "article": Article.objects.get(headline="演练稿件7").get_absolute_url(),
}))
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    nginx_binary()  # skips without nginx
    folder = tmp_path_factory.mktemp("drill")
    upstream_port = free_port()
    with running_nginx(
        folder,
        folder / "site" / "current",
        upstream_port,
        static_root=folder / "var" / "static",
        media_root=folder / "uploads",
    ) as (base_url, _):
        site = Site(folder, base_url, upstream_port)
        try:
            site.manage("migrate", "--noinput")
            seeded = site.manage("seed_demo")
            assert "参考页面" in seeded, seeded
            site.urls = site.shell(SETUP % {"column": COLUMN, "items": COLUMN_ITEMS})
            baked = site.manage("bake", "--all")
            assert re.match(r"Baked \d+ pages in ", baked), baked
            site.start_gunicorn()
            site.start_worker()
            site.enqueue_probe()
            site.wait_gunicorn()
            site.wait_worker_batch()
            yield site
        finally:
            site.stop_all()


@pytest.fixture
def running(site):
    site.ensure_running()
    return site


def column_pages(site: Site) -> int:
    """The column listing's last baked page."""
    folder = site.current / "column" / COLUMN / "page"
    return max(int(page.name) for page in folder.iterdir())


def from_file(response) -> bool:
    """Whether nginx answered from a baked file (Django's answers carry X-Cache)."""
    status, headers, _ = response
    return (
        status == 200
        and "X-Cache" not in headers
        and headers["Cache-Control"] == BAKED_CACHE_CONTROL
    )


class Load:
    """Reader threads requesting `expected` (path → (status, body)) in turn, each on
    a keep-alive connection of its own, until stopped."""

    def __init__(self, base_url: str, expected: dict[str, tuple[int, bytes]]):
        self.port = int(base_url.rsplit(":", 1)[1])
        self.expected = expected
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.counts = dict.fromkeys(expected, 0)
        self.wrong: list[str] = []
        self.threads = [
            threading.Thread(target=self.read, args=(n,)) for n in range(READERS)
        ]

    def read(self, n: int) -> None:
        paths = list(self.expected)
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        i = n
        while not self.stopping.is_set():
            path = paths[i % len(paths)]
            i += 1
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                got = (response.status, response.read())
                if response.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                got = (None, repr(error).encode())
            with self.lock:
                self.counts[path] += 1
                if got != self.expected[path]:
                    self.wrong.append(f"{path}: {got[0]} {got[1][:120]!r}")
        connection.close()

    def run(self, seconds: float) -> None:
        for thread in self.threads:
            thread.start()
        try:
            self.stopping.wait(seconds)
        finally:
            self.stopping.set()
            for thread in self.threads:
                thread.join(timeout=30)


def test_atomic_writes_never_show_a_torn_page(tmp_path):
    """4 readers through nginx while one ~900 KB page is rewritten 300 times."""
    root = tmp_path / "site"
    (root / "releases" / "r1").mkdir(parents=True)
    (root / "current").symlink_to(Path("releases") / "r1")
    target = LocalTarget(root)
    file = "articles/9/index.html"

    def page(version: str) -> bytes:
        lines = "".join(f"<p>版本 {version} 第 {n} 行</p>\n" for n in range(30_000))
        return f"<!doctype html>\n{lines}<!-- end of {version} -->\n".encode()

    versions = [page("A"), page("B") + b"<!-- longer -->\n"]
    assert all(850_000 < len(body) < 950_000 for body in versions)
    target.write(file, versions[0], "text/html; charset=utf-8")

    upstream = free_port()  # nothing listens: a miss would be a 503
    with running_nginx(tmp_path, root / "current", upstream) as (base_url, port):
        seen = {0: 0, 1: 0}
        torn: list[str] = []
        errors: list[str] = []
        stopping = threading.Event()
        lock = threading.Lock()

        def read():
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            while not stopping.is_set():
                try:
                    connection.request("GET", "/articles/9/")
                    response = connection.getresponse()
                    status, body = response.status, response.read()
                except (OSError, http.client.HTTPException) as error:
                    connection.close()
                    with lock:
                        errors.append(repr(error))
                    continue
                with lock:
                    if status != 200:
                        errors.append(f"HTTP {status}")
                    elif body in versions:
                        seen[versions.index(body)] += 1
                    else:
                        torn.append(f"{len(body)} bytes, ends {body[-40:]!r}")
            connection.close()

        readers = [threading.Thread(target=read) for _ in range(READERS)]
        for reader in readers:
            reader.start()
        try:
            # Let the readers get going before the writes start.
            wait_for(lambda: sum(seen.values()) >= 8, 10, "the readers' first pages")
            before = sum(seen.values()) + len(torn) + len(errors)
            for n in range(300):
                target.write(file, versions[(n + 1) % 2], "text/html; charset=utf-8")
            during = sum(seen.values()) + len(torn) + len(errors) - before
            # And a few reads of the last version.
            reads = sum(seen.values())
            wait_for(lambda: sum(seen.values()) >= reads + 8, 10, "the last reads")
        finally:
            stopping.set()
            for reader in readers:
                reader.join(timeout=30)

    assert torn == [], f"{len(torn)} torn bodies, e.g. {torn[:3]}"
    assert errors == [], f"{len(errors)} errors, e.g. {errors[:3]}"
    assert seen[0] > 0 and seen[1] > 0, seen
    assert during >= 20, f"only {during} reads while the page was being rewritten"
    print(f"{during} reads during the 300 writes, {sum(seen.values())} in all")
    assert (root / "current" / file).read_bytes() == versions[0]  # 300 writes: even
    leftovers = [p.name for p in (root / "releases/r1/articles/9").iterdir()]
    assert leftovers == ["index.html"], "temporary files were left behind"


def test_fault_drill_baked_pages_survive_django_and_the_worker_going_down(running):
    site = running
    urls = site.urls
    last_page = column_pages(site)
    assert last_page == COLUMN_ITEMS // PAGE_SIZE
    paths = [
        "/",
        f"/column/{COLUMN}/",
        f"/column/{COLUMN}/page/{last_page}/",
        urls["article"],
        urls["lead"],
        urls["digest"],
        urls["official"],
        f"/column/{COLUMN}/rss.xml",
        "/sitemap.xml",
    ]
    expected = {path: (200, site.baked(path)) for path in paths}
    maintenance = (site.current / MAINTENANCE).read_bytes()
    expected[SEARCH] = (503, maintenance)

    # Up: the search is Django's.
    status, _, body = site.get(SEARCH)
    assert status == 200 and "巫溪".encode() in body and body != maintenance

    site.kill_gunicorn()
    site.kill_worker()
    assert site.gunicorn.poll() is not None and site.worker.poll() is not None

    load = Load(site.base_url, expected)
    load.run(LOAD_SECONDS)

    assert load.wrong == [], f"{len(load.wrong)} wrong answers, e.g. {load.wrong[:5]}"
    assert all(count >= 20 for count in load.counts.values()), load.counts
    status, headers, body = site.get(SEARCH)
    assert (status, body) == (503, maintenance)  # not nginx's own 502 page
    assert headers["Retry-After"] == "30"
    assert b"nginx" not in body

    # A correction while everything is down: committed, queued, not baked yet.
    headline = "演练更正:停机期间改过的标题"
    site.shell(
        "import json\n"
        "from django.db import transaction\n"
        "from articles.models import Article\n"
        "with transaction.atomic():\n"
        f"    article = Article.objects.get(pk={urls['lead_pk']})\n"
        f"    article.headline = {headline!r}\n"
        "    article.save()\n"
        "print(json.dumps({}))"
    )
    assert site.get(urls["lead"])[2] == expected[urls["lead"]][1]

    site.start_gunicorn()
    site.start_worker()
    restarted = time.monotonic()
    body = wait_for(
        lambda: (
            (page := site.get(urls["lead"]))[0] == 200
            and headline.encode() in page[2]
            and page[2]
        ),
        15,
        "the correction to be baked after the restart",
        interval=0.1,
    )
    baked_after = time.monotonic() - restarted
    assert body == site.baked(urls["lead"])
    site.wait_gunicorn()
    assert site.get(SEARCH)[0] == 200

    drift = site.manage("bake", "--reconcile")
    assert drift.startswith("Drift: 0 "), (drift, site.worker_batches())
    assert headline.encode() in site.get(urls["digest"])[2]
    print(
        f"{sum(load.counts.values())} requests in {LOAD_SECONDS} s while down; "
        f"correction baked {baked_after:.1f} s after the restart"
    )


def test_a_publish_is_served_from_its_file_within_seconds(running):
    site = running
    headline = f"演练新稿{time.time_ns()}"
    feed = f"/column/{COLUMN}/rss.xml"
    column = f"/column/{COLUMN}/"
    pages = column_pages(site)
    assert pages == COLUMN_ITEMS // PAGE_SIZE  # full pages: one more makes a new one
    new_page = f"/column/{COLUMN}/page/{pages + 1}/"
    oldest = site.baked(f"/column/{COLUMN}/page/{pages}/")
    assert headline.encode() not in site.get(column)[2]

    created = site.shell(
        "import datetime, json, time\n"
        "from django.db import transaction\n"
        "from django.utils import timezone\n"
        "from articles.models import Article, Column\n"
        "with transaction.atomic():\n"
        "    article = Article(\n"
        f"        headline={headline!r},\n"
        f"        column=Column.objects.get(slug={COLUMN!r}),\n"
        "        news_on=timezone.localdate(),\n"
        "        published_at=timezone.now() - datetime.timedelta(minutes=1),\n"
        "        status='published',\n"
        "        body='<p>演练发布的正文。</p>',\n"
        "    )\n"
        "    article.full_clean()\n"
        "    article.save()\n"
        "print(json.dumps({'url': article.get_absolute_url(), 'pk': article.pk,\n"
        "                  'committed': time.time()}))"
    )
    url = created["url"]

    def served():
        page = site.get(url)
        return from_file(page) and headline.encode() in page[2] and time.time()

    # Polled through nginx: until the file is there, Django answers (X-Cache).
    latency = wait_for(served, 10, "the new article's file") - created["committed"]
    assert latency < 5, f"served {latency:.2f} s after the commit"
    print(f"published article served from its file {latency:.2f} s after the commit")
    assert site.get(url)[2] == site.baked(url)
    wait_for(lambda: headline.encode() in site.get(column)[2], 10, "the column page")
    wait_for(lambda: headline.encode() in site.get(feed)[2], 10, "the feed")
    # The oldest item moved on to a new last page, baked too.
    wait_for(lambda: from_file(site.get(new_page)), 10, "the new last column page")
    assert column_pages(site) == pages + 1
    assert site.get(new_page)[2] == site.baked(new_page)
    assert site.baked(f"/column/{COLUMN}/page/{pages}/") != oldest

    site.shell(
        "import json\n"
        "from django.db import transaction\n"
        "from articles.models import Article\n"
        "with transaction.atomic():\n"
        f"    article = Article.objects.get(pk={created['pk']})\n"
        "    article.status = 'draft'\n"
        "    article.save()\n"
        "print(json.dumps({}))"
    )
    # Django answers once the file is gone (behind nginx's one-second microcache of
    # what it rendered while the article was being baked).
    status, _, body = wait_for(
        lambda: (page := site.get(url))[0] == 404 and page, 10, "the article's 404"
    )
    assert "页面不存在" in body.decode()
    assert not (site.current / file_for(url)).exists()
    wait_for(
        lambda: headline.encode() not in site.get(column)[2], 10, "the column page"
    )
    wait_for(lambda: headline.encode() not in site.get(feed)[2], 10, "the feed")
    assert site.get(column)[2] == site.baked(column)
    assert site.get(feed)[2] == site.baked(feed)
    # The page the article had pushed into being is gone again.
    wait_for(lambda: site.get(new_page)[0] == 404, 10, "the extra page's 404")
    assert not (site.current / file_for(new_page)).exists()
    assert column_pages(site) == pages
    assert site.baked(f"/column/{COLUMN}/page/{pages}/") == oldest


def test_a_full_rebuild_killed_half_way_changes_nothing(running):
    site = running
    paths = ["/", f"/column/{COLUMN}/", site.urls["article"], "/sitemap.xml"]
    before = {path: site.get(path) for path in paths}
    assert all(status == 200 for status, _, _ in before.values())
    live = os.readlink(site.current)
    releases = site.publish_root / "releases"
    old = {folder.name for folder in releases.iterdir()}
    live_files = sum(len(names) for _, _, names in os.walk(site.current.resolve()))

    rebuild = site.popen(
        [PYTHON, "manage.py", "bake", "--all"], site.folder / "killed-bake.log"
    )
    try:

        def half_built():
            assert rebuild.poll() is None, "bake --all ended before it could be killed"
            new = [folder for folder in releases.iterdir() if folder.name not in old]
            files = sum(len(names) for new in new for _, _, names in os.walk(new))
            return files >= 20 and new[0]

        partial = wait_for(half_built, 30, "bake --all to write its first files")
        time.sleep(0.3)  # well into the rebuild (not an assertion)
        assert rebuild.poll() is None, "bake --all ended before it could be killed"
        rebuild.kill()  # SIGKILL
        rebuild.wait(timeout=10)
    finally:
        stop(rebuild)
    written = sum(len(names) for _, _, names in os.walk(partial))
    assert 0 < written < live_files, (written, live_files)

    assert os.readlink(site.current) == live
    for path, (status, _, body) in before.items():
        assert site.get(path)[0] == status
        assert site.get(path)[2] == body == site.baked(path), path

    done = site.manage("bake", "--all")
    match = re.match(r"Baked (\d+) pages in [\d.]+ s into release (\S+)", done)
    assert match, done
    assert f"(previous: {Path(live).name})" in done
    assert os.readlink(site.current) == f"releases/{match[2]}"
    assert not partial.exists(), "the killed rebuild's folder was left behind"
    assert (releases / Path(live).name).exists()  # kept for a rollback
    for path, (_, _, body) in before.items():
        assert site.get(path)[2] == site.baked(path) == body, path
