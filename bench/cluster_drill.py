"""Run the cluster drill (tests/publishing/test_cluster_drill.py) and print its figures.

    .venv/bin/python bench/cluster_drill.py \
        --database-url postgres://postgres@127.0.0.1:5432/postgres [--rounds 1]

The URL names the PostgreSQL server (and a user who may create databases): the drill
creates a database of its own on it and drops it afterwards. Each round builds the
whole set-up of README "More than one machine" on this machine (moto's S3, two gunicorn
web nodes, a front nginx, publish workers) and prints: the requests served, errors and
latency while a web node is killed; the saves made, confirmed and lost; whether a second
worker waits; the takeover time of a worker killed mid-batch and the time until
`bake --reconcile` finds no drift. Needs nginx, and moto[s3] and flask (make install-dev).
"""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIGURES = re.compile(
    r"^(cluster up|node kill|saves|second worker|worker killed|"
    r"XFAIL|XPASS|FAILED|ERROR|SKIPPED)"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=1)
    options = parser.parse_args()
    env = os.environ | {"DATABASE_URL": options.database_url}
    failed = 0
    for round_ in range(1, options.rounds + 1):
        print(f"round {round_}", flush=True)
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "tests/publishing/test_cluster_drill.py",
             "-q", "-s", "-rxs", "-p", "no:cacheprovider"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        for line in result.stdout.splitlines():
            if FIGURES.search(line):
                print("  " + line.strip(), flush=True)
        print(f"  pytest exit status {result.returncode}", flush=True)
        if result.returncode != 0:
            failed += 1
            print(result.stdout[-4000:], result.stderr[-2000:], sep="\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
