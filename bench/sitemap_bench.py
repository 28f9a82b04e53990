"""Time the sitemap with many published articles.

    .venv/bin/python bench/sitemap_bench.py [--articles 50000] [--rounds 3]

On a throwaway SQLite database, creates N published articles (bulk, no signals), then
renders the sitemap index and every section page through the baker's renderer; prints
the section count, the largest section's size and URL count, and the time to render
them all (the single /sitemap.xml of before was 5.7 MB and 5 s for 50,000 articles).
"""

import argparse
import datetime
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throwaway import setup_throwaway_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    setup_throwaway_django("sitemap-bench-")
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from articles.models import Article, Column
    from wuxi_news.publishing.render import render
    from wuxi_news.sitemaps import section_paths

    column = Column.objects.create(name="巫溪要闻", slug="wxyw")
    now = timezone.now()
    day = datetime.date(2020, 1, 1)
    batch = [
        Article(
            column=column,
            headline=f"稿件{n}",
            news_on=day + datetime.timedelta(days=n % 2000),
            body="<p>正文。</p>",
            status=Article.Status.PUBLISHED,
            published_at=now - datetime.timedelta(minutes=n),
        )
        for n in range(args.articles)
    ]
    Article.objects.bulk_create(batch, batch_size=2000)
    times, sizes = [], {}
    for _ in range(args.rounds):
        started = time.perf_counter()
        for path in ["/sitemap.xml", *section_paths()]:
            sizes[path] = len(render(path).content)
        times.append(time.perf_counter() - started)
    largest = max(sizes, key=sizes.get)
    urls = render(largest).content.count(b"<url>")
    print(f"articles: {args.articles}")
    print(f"files: {len(sizes)} (the index and {len(sizes) - 1} sections)")
    print(f"largest: {largest} {sizes[largest] / 1e6:.2f} MB, {urls} URLs")
    print(f"render all: median {statistics.median(times):.2f} s of {args.rounds}")


if __name__ == "__main__":
    main()
