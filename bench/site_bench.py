"""Benchmark the public site under gunicorn (2 sync workers) with wrk.

    .venv/bin/python bench/site_bench.py [--duration 5] [--rounds 3] [--connections 8]

Seeds the reference page into a throwaway SQLite database under var/bench/, serves it on
127.0.0.1, and loads the digest, an article and the column page, with the page cache
off and on, against a bare Django view rendering a template of the digest's byte size
with no database. Prints requests/s, p50 and p99 latency, and the ratios to the bare
view (targets: digest uncached >= 50 %, cached >= 90 %, p99 < 50 ms uncached).
A third run, "live", turns the digest's stored rendering off too (digests/rendering.py):
what a digest costs when it is rendered on every request, as right after a change.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "var" / "bench"
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).parent / "gunicorn")
WRK = shutil.which("wrk") or "/usr/bin/wrk"


def environment(page_cache_seconds: int, stored: bool = True) -> dict:
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_SECRET_KEY": "bench-only-not-secret",
        "DJANGO_DEBUG": "",
        "DJANGO_SECURE": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_VAR_DIR": str(WORK),
        "DATABASE_URL": f"sqlite:///{WORK / 'db.sqlite3'}",
        "DJANGO_MEDIA_ROOT": str(WORK / "uploads"),
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "locmem://"),
        "DJANGO_LOG_LEVEL": "WARNING",
        "BENCH_PAGE_CACHE_SECONDS": str(page_cache_seconds),
        "BENCH_DIGEST_STORED": "1" if stored else "0",
        "PYTHONPATH": str(ROOT),
    }


def manage(*args: str) -> str:
    run = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=environment(0),
        capture_output=True,
        text=True,
        check=True,
    )
    return run.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, page_cache_seconds: int, stored: bool = True):
        self.port = free_port()
        self.process = subprocess.Popen(
            [GUNICORN, "--workers", "2", "--worker-class", "sync",
             "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning",
             "wuxi_news.wsgi:application"],
            cwd=ROOT,
            env=environment(page_cache_seconds, stored),
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(self.base + "/robots.txt", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit("gunicorn did not start")

    def get(self, path: str) -> bytes:
        return urllib.request.urlopen(self.base + path, timeout=30).read()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def wrk(url: str, duration: int, connections: int) -> dict:
    output = subprocess.run(
        [WRK, "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url],
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
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per run")
    parser.add_argument("--rounds", type=int, default=3, help="runs per page (median)")
    parser.add_argument("--connections", type=int, default=8)
    options = parser.parse_args()

    shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "templates").mkdir(parents=True)
    print("准备:迁移、载入参考页面、收集静态文件 …", flush=True)
    manage("migrate", "--noinput")
    manage("seed_demo")
    manage("collectstatic", "--noinput")
    ids = json.loads(
        manage(
            "shell",
            "--no-imports",
            "-c",
            "import json;from digests.models import WeeklyDigest as W;"
            "d=W.objects.get();a=d.items.get(is_lead=True).article;"
            "print(json.dumps({'digest':d.get_absolute_url(),'article':a.get_absolute_url(),"
            "'column':a.column.get_absolute_url()}))",
        ).splitlines()[-1]
    )
    pages = {**ids, "bare": "/bench/bare/"}

    # The bare view's template: the digest page itself, verbatim, so the same bytes.
    server = Server(0)
    digest_html = server.get(pages["digest"]).decode()
    server.stop()
    (WORK / "templates" / "bench_bare.html").write_text(
        "{% verbatim %}" + digest_html + "{% endverbatim %}"
    )

    results = {}
    modes = [  # name, page cache seconds, stored digest rendering, pages
        ("uncached", 0, True, pages),
        ("cached", 600, True, pages),
        ("live", 0, False, {"digest": pages["digest"], "bare": pages["bare"]}),
    ]
    for mode, seconds, stored, mode_pages in modes:
        server = Server(seconds, stored)
        try:
            sizes = {}
            for name, path in mode_pages.items():
                for _ in range(20):  # warm up: renditions, connections, caches
                    body = server.get(path)
                sizes[name] = len(body)
            # Pages take turns, several rounds, and each keeps its median round: the
            # machine's speed drifts, and a ratio of two runs minutes apart drifts with it.
            runs = {name: [] for name in mode_pages}
            for _ in range(options.rounds):
                for name, path in mode_pages.items():
                    runs[name].append(
                        wrk(server.base + path, options.duration, options.connections)
                    )
            for name, rounds in runs.items():
                median = sorted(rounds, key=lambda r: r["rps"])[len(rounds) // 2]
                results[mode, name] = median | {"bytes": sizes[name]}
        finally:
            server.stop()

    print(
        f"\ngunicorn 2 sync workers, wrk {options.connections} connections, "
        f"median of {options.rounds} runs of {options.duration} s taking turns, "
        f"cache {environment(0)['CACHE_URL']}\n"
    )
    print(
        f"{'page':<10}{'mode':<10}{'bytes':>8}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'vs bare':>9}"
    )
    for (mode, name), r in results.items():
        ratio = r["rps"] / results[mode, "bare"]["rps"]
        print(
            f"{name:<10}{mode:<10}{r['bytes']:>8}{r['rps']:>10.0f}{r['p50']:>9.2f}"
            f"{r['p99']:>9.2f}{ratio:>8.0%}"
            + (f"  错误 {r['errors']}" if r["errors"] else "")
        )
    uncached = results["uncached", "digest"]
    cached = results["cached", "digest"]
    print(
        f"\ndigest uncached: {uncached['rps'] / results['uncached', 'bare']['rps']:.0%} of bare "
        f"(target >= 50%), p99 {uncached['p99']:.1f} ms (target < 50 ms)"
    )
    print(
        f"digest cached:   {cached['rps'] / results['cached', 'bare']['rps']:.0%} of bare "
        f"(target >= 90%)"
    )
    live = results["live", "digest"]
    print(
        f"digest live:     {live['rps'] / results['live', 'bare']['rps']:.0%} of bare, "
        f"p99 {live['p99']:.1f} ms (rendered on every request: the cost of a change)"
    )


if __name__ == "__main__":
    main()
