"""Time the site search over a generated archive, with and without the trigram index.

    .venv/bin/python bench/search_bench.py --database-url postgres://postgres@127.0.0.1:5432/wuxi_search_bench
        [--articles 50000] [--rounds 5] [--regenerate] [--indexed-only]

Migrates the database named (it must exist and be a throwaway one: its articles are
replaced), fills it with `--articles` published articles whose headlines and text are
made of the reference page's characters (tests/fixtures/reference_2024-12-15.txt, cut
into pieces of one to three characters and mixed, so that its words and trigrams are as
common as there), one in a hundred with one of its real headlines and one paragraph in
fifty a real paragraph of it, then requests `/search/?q=` with the test
client (page cache off; the search is never cached anyway) for fragments of the
reference page's real headlines. It prints p50/p95 per request, with the trigram indexes
of migration articles 0004 and with them dropped, then puts them back. Target on
PostgreSQL: p95 < 100 ms with the index. On SQLite there is no index to compare.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "fixtures" / "reference_2024-12-15.txt"
TARGET_P95_MS = 100.0
# Fragments of the reference page's headlines, as a reader would type them.
FRAGMENTS = [
    "凤凰水城",
    "社会民生",
    "常务会议",
    "中医药事业",
    "县委书记办公会",
    "社会工作部",
    "财政决算",
    "产城景融合",
    "城市更新",
    "理论学习中心组",
    "法治思想",
    "调研",  # two characters: headlines only
    "王中",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/wuxi_search_bench",
        ),
    )
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument(
        "--indexed-only",
        action="store_true",
        help="skip the run without the index (rebuilding it takes minutes)",
    )
    args = parser.parse_args()

    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "wuxi_news.settings",
            "DJANGO_SECRET_KEY": "bench-only-secret-key",
            "DJANGO_SECURE": "0",
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "DATABASE_URL": args.database_url,
            "CACHE_URL": "locmem://",
            "DJANGO_LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from articles.models import Article

    # Pages are rendered without collectstatic, as the tests do.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    call_command("migrate", verbosity=0)
    fragments = FRAGMENTS
    migration = __import__(
        "articles.migrations.0007_search_trigram_indexes", fromlist=["INDEXES"]
    )
    if args.regenerate or Article.objects.count() != args.articles:
        # Filling the table, then indexing it, is many times faster than the reverse.
        drop_indexes(migration)
        try:
            generate(args.articles)
        finally:
            create_indexes(migration)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"数据库:{connection.vendor},稿件 {Article.objects.count():,} 篇")
    counts = {f: Article.objects.published().search(f).count() for f in fragments}
    print("检索词与命中稿件数:" + ",".join(f"{f} {n}" for f, n in counts.items()))

    client = Client()
    runs = {"有索引": None, "无索引": None}
    if connection.vendor == "postgresql":
        runs["有索引"] = measure(client, fragments, args.rounds)
        if not args.indexed_only:
            drop_indexes(migration)
            try:
                runs["无索引"] = measure(client, fragments, args.rounds)
            finally:
                create_indexes(migration)
        else:
            del runs["无索引"]
    else:
        runs = {"SQLite(无索引)": measure(client, fragments, args.rounds)}

    print(f"{'':<14}{'p50 ms':>10}{'p95 ms':>10}{'最慢 ms':>10}{'请求数':>8}")
    for label, times in runs.items():
        print(
            f"{label:<12}{percentile(times, 50):>10.1f}{percentile(times, 95):>10.1f}"
            f"{max(times):>10.1f}{len(times):>8}"
        )
        per = sorted(
            ((f, percentile(t, 95)) for f, t in times.by_fragment.items()),
            key=lambda item: -item[1],
        )
        print("    各检索词 p95:" + ",".join(f"{f} {ms:.0f}" for f, ms in per))
    print(f"负载(1 分钟平均):{os.getloadavg()[0]:.2f},CPU 核数:{os.cpu_count()}")
    indexed = runs.get("有索引")
    if indexed is None:
        return 0
    p95 = percentile(indexed, 95)
    verdict = "达标" if p95 < TARGET_P95_MS else "未达标"
    print(f"目标:有索引时 p95 < {TARGET_P95_MS:.0f} ms —— {verdict}")
    return 0 if p95 < TARGET_P95_MS else 1


def drop_indexes(migration) -> None:
    from django.db import connection

    with connection.schema_editor() as editor:
        migration.drop_indexes(None, editor)


def create_indexes(migration) -> None:
    from django.db import connection

    started = time.perf_counter()
    with connection.schema_editor() as editor:
        migration.create_indexes(None, editor)
    if connection.vendor == "postgresql":
        print(f"建立三元组索引:{time.perf_counter() - started:.1f} s", flush=True)


class Timings(list):
    def __init__(self):
        super().__init__()
        self.by_fragment: dict[str, list[float]] = {}


def measure(client, fragments: list[str], rounds: int) -> Timings:
    times = Timings()
    for fragment in fragments:  # warm-up: connection, templates, plans
        assert client.get("/search/", {"q": fragment}).status_code == 200
    for _ in range(rounds):
        for fragment in fragments:
            for params in ({"q": fragment}, {"q": fragment, "order": "relevance"}):
                started = time.perf_counter()
                response = client.get("/search/", params)
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, response.status_code
                times.append(elapsed)
                times.by_fragment.setdefault(fragment, []).append(elapsed)
    return times


def percentile(values: list[float], pct: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def generate(count: int) -> None:
    """Replace the articles with `count` published ones cut from the reference page."""
    from django.db import transaction
    from django.utils import timezone

    from articles.models import Article, Column
    from digests.legacy import parse_legacy_text
    from digests.models import DigestItem, WeeklyDigest

    document, _ = parse_legacy_text(REFERENCE.read_text("utf-8"))
    stories = document.stories
    headlines = [s.headline for s in stories]
    paragraphs = [p.text for s in stories for p in s.paragraphs]
    text = "".join(paragraphs)
    rng = random.Random(20241215)

    def cut(low: int, high: int) -> str:
        size = rng.randint(low, high)
        start = rng.randrange(0, len(text) - size)
        return text[start : start + size]

    def headline() -> str:
        if rng.random() < 0.01:  # one in a hundred: a real headline, re-run
            return rng.choice(headlines)[:200]
        return "".join(cut(1, 3) for _ in range(rng.randint(6, 12)))[:200]

    def body() -> str:
        parts = []
        for _ in range(rng.randint(4, 8)):
            if rng.random() < 0.02:  # now and then a whole real paragraph
                parts.append(rng.choice(paragraphs))
            else:
                parts.append("".join(cut(1, 3) for _ in range(rng.randint(30, 70))))
        return "".join(f"<p>{p}</p>" for p in parts)

    print(f"生成 {count:,} 篇稿件……", flush=True)
    started = time.perf_counter()
    with transaction.atomic():
        # Raw deletes: no per-row signals (page cache, stored renderings) to run.
        DigestItem.objects.all()._raw_delete("default")
        WeeklyDigest.objects.all().delete()
        Article.officials.through.objects.all()._raw_delete("default")
        Article.objects.all()._raw_delete("default")
        columns = [
            Column.objects.get_or_create(slug=slug, defaults={"name": name})[0]
            for slug, name in [
                ("wxyw", "巫溪要闻"),
                ("bmdt", "部门动态"),
                ("xzdt", "乡镇动态"),
            ]
        ]
        now = timezone.now()
        first_day = timezone.localdate() - datetime.timedelta(days=10 * 365)
        batch = []
        for n in range(count):
            day = first_day + datetime.timedelta(days=n * 3650 // count)
            batch.append(
                Article(
                    headline=headline(),
                    column=rng.choice(columns),
                    news_on=day,
                    published_at=min(
                        now,
                        timezone.make_aware(
                            datetime.datetime.combine(day, datetime.time(9))
                        ),
                    ),
                    status=Article.Status.PUBLISHED,
                    body=body(),
                    source="巫溪县融媒体中心",
                )
            )
            if len(batch) == 2000:
                Article.objects.bulk_create(batch)
                batch = []
        Article.objects.bulk_create(batch)
    print(f"生成完毕:{time.perf_counter() - started:.1f} s", flush=True)


if __name__ == "__main__":
    sys.exit(main())
