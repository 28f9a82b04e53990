"""Peak memory and time of an admin upload of a ZIP of many large pages, on SQLite.

    .venv/bin/python bench/import_memory_bench.py [--pages 600] [--page-kb 560]

Builds a ZIP of single-article pages of about `--page-kb` KB each, of phrases of the
reference page so that they compress as real pages do (about 3×; a real page is about
30 KB; 560 KB is the size of the pages that ran `db_worker` for 12 minutes), uploads it
as a `PageImport` of a superuser, and measures two steps the way the server runs them:
`start_page_import` (the web worker: counting the pages and handing the upload to the
background task) and `run_page_import` (what `db_worker` runs). `--zeros` fills the
entries with zeros instead (490 × 1024 KB: the 0.55 MB zip bomb that took a web
worker to 636 MB). For each step: the wall time and the peak resident memory (VmHWM,
reset between the steps through /proc/self/clear_refs), minus the memory held before.
"""

import argparse
import datetime
import io
import random
import re
import sys
import time
import zipfile
from pathlib import Path

from throwaway import ROOT, setup_throwaway_django

PLACES = ["宁河街道", "柏杨街道", "城厢镇", "凤凰镇", "大河乡", "兰英乡", "红池坝镇"]
NAMES = ["张明", "李华", "王小明", "陈静", "刘洋", "赵强", "孙丽", "周超"]


def phrases() -> list[str]:
    """The phrases of the reference page, so that pages compress as real ones do."""
    text = (ROOT / "tests" / "fixtures" / "reference_2024-12-15.txt").read_text()
    return sorted({p for p in re.split(r"[,。;、:\s]+", text) if len(p) >= 4})


def big_page(rng: random.Random, number: int, size: int, words: list[str]) -> bytes:
    """A single-article page of about `size` bytes of UTF-8."""
    day = datetime.date(2020, 1, 1) + datetime.timedelta(days=number % 2000)
    place = rng.choice(PLACES)
    lines = [
        "您当前的位置:首页>巫溪要闻",
        f"{place}召开工作推进会(第{number}期)",
        f"日期:{day.isoformat()}",
        f"{day.month}月{day.day}日,{place}召开工作推进会,安排部署下一阶段重点任务。",
    ]
    length = sum(len(line.encode()) for line in lines)
    while length < size:
        line = ",".join(rng.sample(words, rng.randint(3, 12))) + "。"
        lines.append(line)
        length += len(line.encode()) + 2
    lines.append("扫一扫在手机打开当前页")
    return ("\n\n".join(lines) + "\n").encode()


def peak_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def current_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--page-kb", type=int, default=560)
    parser.add_argument(
        "--zeros", action="store_true", help="zero-filled entries (a zip bomb)"
    )
    args = parser.parse_args()

    workdir = setup_throwaway_django("import-memory-bench-")
    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.core.management import call_command

    from articles.models import Article
    from digests.importing import run_page_import
    from digests.models import PageImport
    from digests.tasks import start_page_import
    from tests.factories import make_user

    call_command("migrate", verbosity=0)
    rng = random.Random(20241215)
    words = phrases()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number in range(1, args.pages + 1):
            archive.writestr(
                f"pages/page-{number:05d}.txt",
                bytes(args.page_kb * 1024)
                if args.zeros
                else big_page(rng, number, args.page_kb * 1024, words),
            )
    raw = buffer.getvalue()
    user = make_user(roles=(), superuser=True)
    page_import = PageImport(original_name="bench.zip", created_by=user)
    page_import.upload.save("bench.zip", ContentFile(raw))
    del raw, buffer
    size = page_import.upload.size
    print(
        f"{args.pages} 个页面 × 约 {args.page_kb} KB,压缩包 {size / 1024 / 1024:.1f} MB"
        f"(压缩比 {args.pages * args.page_kb * 1024 / size:.1f};临时目录 {workdir})"
    )
    settings.PAGE_IMPORT_BACKGROUND_FILES = 0  # always the background task

    reset_peak()
    before = current_kb()
    started = time.perf_counter()
    queued = start_page_import(page_import=page_import, by=user)
    elapsed = time.perf_counter() - started
    print(
        f"网页进程(计数并交给后台):{elapsed:.2f} s,峰值内存增加 "
        f"{(peak_kb() - before) / 1024:.0f} MB(交给后台:{queued})"
    )

    reset_peak()
    before = current_kb()
    started = time.perf_counter()
    run_page_import(page_import=page_import, by=user)
    elapsed = time.perf_counter() - started
    page_import.refresh_from_db()
    print(
        f"后台导入:{elapsed:.1f} s({args.pages / elapsed:.1f} 页/秒),峰值内存增加 "
        f"{(peak_kb() - before) / 1024:.0f} MB,峰值 {peak_kb() / 1024:.0f} MB"
    )
    counts = page_import.report.get("error") or page_import.report.get("counts")
    print(f"状态:{page_import.get_status_display()};{counts}")
    print(f"稿件数:{Article.objects.count()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
