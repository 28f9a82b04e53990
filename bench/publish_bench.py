"""Benchmark the baked site: the full rebuild, nginx serving it, and one publish.

    .venv/bin/python bench/publish_bench.py [--duration 5] [--connections 8]
        [--articles 1000] [--rounds 3] [--keep]

Builds a throwaway site in var/publish-bench/ with the production settings (SQLite,
collectstatic): the reference data (`seed_demo`) plus N generated published articles
spread over the days before today in the 巫溪要闻 column, then times `bake --all` (the
full-rebuild time). Then, with wrk, the digest page, an article and the column page,
each on three servers taking turns over the rounds (each keeps its median round):

- baked:  nginx with the shipped configuration (`manage.py nginx_conf`);
- plain:  nginx with a minimal configuration over the same release folder (`root`, a
  `try_files`; sendfile and tcp_nopush as the shipped one, no access log): what nginx
  does with no rules at all;
- django: gunicorn (2 sync workers) rendering the same pages through Django.

Prints requests/s and p99 per page and server, and baked/plain (target >= 90 %).

Last, one article publish: through the ORM in a transaction, baked with the worker's
`drain_once()` in this process: pages rendered, files rewritten and unchanged, and the
time from the commit to the article's file being written. Then the real
`publishworker` runs and a few more publishes, each at a random moment of the
worker's 0.5 s poll interval, are timed from the commit until nginx serves the
article's file (target: 2 s).
"""

import argparse
import datetime
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this tree's code, not an installed copy

from wuxi_news.publishing.files import file_for  # noqa: E402 (no Django needed)

WORK = ROOT / "var" / "publish-bench"
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).parent / "gunicorn")
WRK = shutil.which("wrk") or "/usr/bin/wrk"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
COLUMN = "wxyw"
RATIO_TARGET = 0.90
PUBLISH_TARGET_SECONDS = 2.0
PUBLISH_SAMPLES = 8
POLL_INTERVAL = 0.5  # publishworker's default --interval


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(base_url: str) -> dict:
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PUBLISH_", "PHOTO_", "SITE_"))
        and key not in ("DATABASE_URL", "CACHE_URL")
    }
    return inherited | {
        "DJANGO_SETTINGS_MODULE": "wuxi_news.settings",
        "DJANGO_SECRET_KEY": "bench-only-not-secret",
        "DJANGO_SECURE": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_VAR_DIR": str(WORK / "var"),
        "DJANGO_MEDIA_ROOT": str(WORK / "uploads"),
        "DJANGO_LOG_LEVEL": "WARNING",
        "CACHE_URL": "locmem://",
        "PUBLISH_ROOT": str(WORK / "site"),
        "PUBLISH_BASE_URL": base_url,
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
    }


class Bench:
    def __init__(self, options):
        self.options = options
        self.nginx_port = free_port()
        self.plain_port = free_port()
        self.gunicorn_port = free_port()
        self.base = f"http://127.0.0.1:{self.nginx_port}"
        self.env = environment(self.base)
        self.processes: list[subprocess.Popen] = []

    def manage(self, *args: str) -> str:
        run = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if run.returncode:
            raise SystemExit(f"manage.py {' '.join(args)} failed:\n{run.stderr}")
        return run.stdout

    def start(self, args: list[str], log: str) -> subprocess.Popen:
        with (WORK / log).open("ab") as out:
            process = subprocess.Popen(
                args,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: a master and its workers
            )
        self.processes.append(process)
        return process

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            self.stop(process)

    def wait_answers(self, process, url: str, what: str) -> None:
        for _ in range(300):
            if process.poll() is not None:
                raise SystemExit(f"{what} did not start (see {WORK})")
            try:
                urllib.request.urlopen(url, timeout=1).read()
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"{what} did not answer {url}")

    def nginx(self, name: str, config: str, port: int) -> None:
        prefix = WORK / name
        prefix.mkdir()
        (prefix / "nginx.conf").write_text(config)
        process = self.start(
            [NGINX, "-p", f"{prefix}/", "-c", str(prefix / "nginx.conf"),
             "-g", "daemon off;"],
            f"{name}.log",
        )  # fmt: skip
        self.wait_answers(process, f"http://127.0.0.1:{port}/robots.txt", name)


def plain_config(prefix: Path, port: int, root: Path) -> str:
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes auto;
pid "{prefix}/nginx.pid";
error_log "{prefix}/error.log" warn;
events {{ worker_connections 4096; }}
http {{
    client_body_temp_path "{prefix}/client_body_temp";
    proxy_temp_path "{prefix}/proxy_temp";
    fastcgi_temp_path "{prefix}/fastcgi_temp";
    uwsgi_temp_path "{prefix}/uwsgi_temp";
    scgi_temp_path "{prefix}/scgi_temp";
    types {{ text/html html; application/xml xml; text/plain txt; }}
    sendfile on;
    tcp_nopush on;
    access_log off;
    server {{
        listen 127.0.0.1:{port};
        root "{root}";
        location / {{ try_files $uri $uri/index.html =404; }}
    }}
}}
"""


def wrk(url: str, duration: int, connections: int, host: str) -> dict:
    output = subprocess.run(
        [
            WRK,
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-H",
            f"Host: {host}",
            url,
        ],  # fmt: skip
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def latency(label: str) -> float:
        value, unit = re.search(
            rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\b", output, re.M
        ).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": (int(errors.group(1)) if errors else 0) + (1 if socket_errors else 0),
    }


def fetch(url: str, host: str | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


GENERATE = """
import datetime, itertools, json
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from articles.models import Article, Column
from digests.models import WeeklyDigest

column = Column.objects.get(slug=%(column)r)
bodies = itertools.cycle(list(Article.objects.values_list("body", flat=True)))
now = timezone.now()
Article.objects.bulk_create(
    (
        Article(
            headline=f"基准稿件{n}:全县重点工作推进会召开",
            column=column,
            news_on=(now - datetime.timedelta(days=1 + n // 4)).date(),
            published_at=now - datetime.timedelta(days=1 + n // 4, minutes=n),
            status="published",
            body=next(bodies),
            reporters="记者 吴丹",
        )
        for n in range(%(count)d)
    ),
    batch_size=500,
)
# Everything seed_demo queued is in the full rebuild that follows.
DBTaskResult.objects.filter(queue_name="publish").delete()
digest = WeeklyDigest.objects.get()
lead = digest.items.get(is_lead=True).article
print(json.dumps({
    "digest": digest.get_absolute_url(),
    "article": lead.get_absolute_url(),
    "column": column.get_absolute_url(),
}))
"""


def publish_article(headline: str):
    """A new published article in the column, committed; (article, commit time)."""
    from django.db import transaction
    from django.utils import timezone

    from articles.models import Article, Column

    with transaction.atomic():
        article = Article(
            headline=headline,
            column=Column.objects.get(slug=COLUMN),
            news_on=timezone.localdate(),
            published_at=timezone.now() - datetime.timedelta(seconds=30),
            status=Article.Status.PUBLISHED,
            body="<p>基准发布的正文第一段。</p><p>第二段。</p>",
        )
        article.full_clean()
        article.save()
    return article, time.time()


def measure_one_publish(bench: Bench) -> None:
    from wuxi_news.publishing.render import render
    from wuxi_news.publishing.worker import drain_once

    render("/")  # a worker that is up: middleware loaded, templates compiled
    article, committed = publish_article("基准发布:一篇稿件改写了哪些文件")
    tasks, outcome = drain_once("publish-bench")
    finished = time.time()
    file = WORK / "site" / "current" / file_for(article.get_absolute_url())
    written = file.stat().st_mtime
    live = (WORK / "site" / "current").resolve()
    files = sum(len(names) for _, _, names in os.walk(live))
    print("\nfiles one article publish rewrites (drain_once in this process):")
    print(
        f"  of {files} files: tasks {tasks}, pages rendered {outcome.rendered}, "
        f"files rewritten "
        f"{len(outcome.written)}, deleted {len(outcome.deleted)}, unchanged "
        f"{outcome.unchanged}, failed {len(outcome.failed)}"
    )
    column = f"/column/{COLUMN}/"
    listing = [p for p in outcome.written if p.startswith(column) and "." not in p]
    others = sorted(set(outcome.written) - set(listing))
    print(
        f"  rewritten: {len(listing)} pages of the column listing (each shifts by one "
        f"item), and {', '.join(others)}"
    )
    print(
        f"  commit → article file written {written - committed:.3f} s, "
        f"commit → batch done {finished - committed:.3f} s"
    )


def measure_publish_latency(bench: Bench) -> None:
    from django_tasks_db.models import DBTaskResult

    from wuxi_news.publishing.queue import publish_changes

    worker = bench.start([PYTHON, "manage.py", "publishworker"], "publishworker.log")
    probe = publish_changes.enqueue(["/robots.txt"], [])
    deadline = time.monotonic() + 60
    while DBTaskResult.objects.get(pk=probe.id).status != "SUCCESSFUL":
        if worker.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("publishworker did not start (see publishworker.log)")
        time.sleep(0.05)

    latencies, batches = [], []
    pauses = random.Random(1)
    for n in range(PUBLISH_SAMPLES):
        # An editor's commit comes at any moment of the worker's poll interval.
        time.sleep(pauses.uniform(0, POLL_INTERVAL))
        headline = f"基准发布{n}:{time.time_ns()}"
        article, committed = publish_article(headline)
        url = bench.base + article.get_absolute_url()
        while True:
            status, headers, body = fetch(url)
            # Served from the file: no X-Cache (that is Django's, through nginx).
            if status == 200 and "X-Cache" not in headers and headline.encode() in body:
                latencies.append(time.time() - committed)
                break
            if time.time() - committed > 30:
                raise SystemExit(f"{url} not baked within 30 s")
            time.sleep(0.02)
        # The next publish after this batch is done (its column pages, feed…).
        while DBTaskResult.objects.filter(
            queue_name="publish", status__in=["READY", "RUNNING"]
        ).exists():
            time.sleep(0.02)
        batches.append(time.time() - committed)
    bench.stop(worker)
    print(
        f"\npublish → served from its file through nginx (publishworker, "
        f"{PUBLISH_SAMPLES} publishes): median {statistics.median(latencies):.2f} s, "
        f"max {max(latencies):.2f} s (target < {PUBLISH_TARGET_SECONDS:.0f} s); "
        f"whole batch median {statistics.median(batches):.2f} s"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="runs per page (median)")
    parser.add_argument("--keep", action="store_true", help=f"keep {WORK}")
    options = parser.parse_args()

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    bench = Bench(options)
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores", flush=True)
    try:
        print("准备:迁移、参考数据、生成稿件、收集静态文件 …", flush=True)
        bench.manage("migrate", "--noinput")
        bench.manage("seed_demo")
        pages = json.loads(
            bench.manage(
                "shell",
                "--no-imports",
                "-c",
                GENERATE % {"column": COLUMN, "count": options.articles},
            ).splitlines()[-1]
        )
        bench.manage("collectstatic", "--noinput")

        started = time.monotonic()
        baked = bench.manage("bake", "--all").strip()
        wall = time.monotonic() - started
        print(
            f"\nfull rebuild, reference data + {options.articles:,} generated articles: "
            f"{baked} (command wall time {wall:.1f} s)",
            flush=True,
        )

        release = (WORK / "site" / "current").resolve()
        gunicorn = bench.start(
            [GUNICORN, "--workers", "2", "--worker-class", "sync",
             "--bind", f"127.0.0.1:{bench.gunicorn_port}", "--log-level", "warning",
             "wuxi_news.wsgi:application"],
            "gunicorn.log",
        )  # fmt: skip
        bench.wait_answers(
            gunicorn, f"http://127.0.0.1:{bench.gunicorn_port}/robots.txt", "gunicorn"
        )
        shipped = bench.manage(
            "nginx_conf",
            "--listen", f"127.0.0.1:{bench.nginx_port}",
            "--upstream", f"127.0.0.1:{bench.gunicorn_port}",
            "--prefix", str(WORK / "nginx-baked"),
            *(["--user", "root"] if os.geteuid() == 0 else []),
        )  # fmt: skip
        bench.nginx("nginx-baked", shipped, bench.nginx_port)
        bench.nginx(
            "nginx-plain",
            plain_config(WORK / "nginx-plain", bench.plain_port, release),
            bench.plain_port,
        )

        servers = {
            "baked": bench.base,
            "plain": f"http://127.0.0.1:{bench.plain_port}",
            "django": f"http://127.0.0.1:{bench.gunicorn_port}",
        }
        # Every server is asked with the public address's Host, so that Django renders
        # the page as the baker did (its canonical links name the request's host).
        host = bench.base.removeprefix("http://")
        sizes, same = {}, {}
        for name, path in pages.items():
            file = release / file_for(path)
            answers = {
                server: fetch(base + path, host) for server, base in servers.items()
            }
            for server, (status, _, _) in answers.items():
                if status != 200:
                    raise SystemExit(f"{server} answered {status} for {path}")
            baked_bytes = file.read_bytes()
            if answers["baked"][2] != baked_bytes or answers["plain"][2] != baked_bytes:
                raise SystemExit(f"nginx did not serve the baked bytes of {path}")
            sizes[name] = len(baked_bytes)
            same[name] = answers["django"][2] == baked_bytes
            for _ in range(20):  # warm up gunicorn's workers
                fetch(servers["django"] + path, host)

        runs = {(page, server): [] for page in pages for server in servers}
        for _ in range(options.rounds):
            for page, path in pages.items():
                for server, base in servers.items():
                    runs[page, server].append(
                        wrk(base + path, options.duration, options.connections, host)
                    )
        results = {
            key: sorted(rounds, key=lambda r: r["rps"])[len(rounds) // 2]
            for key, rounds in runs.items()
        }

        print(
            f"\nwrk -t2 -c{options.connections}, median of {options.rounds} runs of "
            f"{options.duration} s, pages and servers taking turns; load average "
            f"{os.getloadavg()[0]:.2f}"
        )
        print(
            "baked: shipped nginx_conf; plain: root + try_files (sendfile, tcp_nopush, "
            "no access log); django: gunicorn 2 sync workers\n"
        )
        print(
            f"{'page':<8}{'bytes':>8}{'baked r/s':>11}{'plain r/s':>11}"
            f"{'django r/s':>12}{'baked/plain':>13}{'p99 baked':>11}{'p99 plain':>11}"
            f"{'p99 django':>12}"
        )
        for page in pages:
            b, p, d = (results[page, s] for s in servers)
            ratio = b["rps"] / p["rps"]
            errors = sum(r["errors"] for r in (b, p, d))
            print(
                f"{page:<8}{sizes[page]:>8}{b['rps']:>11.0f}{p['rps']:>11.0f}"
                f"{d['rps']:>12.0f}{ratio:>12.0%}{'' if ratio >= RATIO_TARGET else '!'}"
                f"{b['p99']:>10.2f}ms{p['p99']:>9.2f}ms{d['p99']:>10.2f}ms"
                + (f"  错误 {errors}" if errors else "")
            )
        print(
            f"(target baked/plain >= {RATIO_TARGET:.0%}; ! marks a miss) Django's "
            "bytes equal the baked file: "
            + ", ".join(f"{page} {'yes' if same[page] else 'no'}" for page in pages)
        )

        os.environ.update(bench.env)
        import django

        django.setup()
        measure_one_publish(bench)
        measure_publish_latency(bench)
    finally:
        bench.stop_all()
        if not options.keep:
            shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
