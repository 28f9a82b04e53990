"""Time the import of an archive of 1,000 single-article pages on SQLite.

    .venv/bin/python bench/import_bench.py [--pages 1000] [--keep DIR]

Generates realistic single-article pages (the layouts of tests/fixtures/pages/: the
column's own, sibling columns with `当前位置:首页 > 投资发展 > 招商信息`, the date-line
variants, photos with credits in their several forms, subheads, staff lines, the QR
end line) into a temporary folder, migrates a throwaway SQLite database, and runs
`import_pages` on the folder: the figure is the wall time of that command. Target:
under 60 s. A second run over the same folder (everything unchanged) is timed too.
"""

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path

from throwaway import setup_throwaway_django

TARGET_SECONDS = 60.0

BREADCRUMBS = [
    "您当前的位置:首页>巫溪要闻",
    "当前位置:首页 > 投资发展 > 招商信息",
    "当前位置:首页 > 新闻中心 > 县内要闻",
    "您现在的位置:首页 > 要闻动态",
]
PLACES = ["宁河街道", "柏杨街道", "城厢镇", "凤凰镇", "大河乡", "兰英乡", "红池坝镇"]
TOPICS = [
    "森林防灭火",
    "安全生产",
    "乡村振兴",
    "招商引资",
    "城市更新",
    "防汛抗旱",
    "民生实事",
]
NAMES = ["张明", "李华", "王小明", "陈静", "刘洋", "赵强", "孙丽", "周超"]


def date_line(rng: random.Random, day) -> str:
    clock = f"{rng.randint(8, 20):02d}:{rng.randint(0, 59):02d}"
    return rng.choice([
        f"日期:{day.isoformat()}",
        f"发布日期:{day.isoformat()} {clock}",
        f"刊发日期:{day.isoformat()} 阅读次数: 作者:",
        f"编辑: {rng.choice(NAMES)} {day.isoformat()} {clock}:{rng.randint(10, 59)}",
        f"{day.isoformat()} {clock}",
    ])  # fmt: skip


def credit(rng: random.Random) -> str:
    name = rng.choice(NAMES)
    return rng.choice(
        [
            f"记者 {name}/摄",
            f"{name}/摄",
            f"记者 {name} 摄",
            f"通讯员 {name} 摄",
            f"图/{name}",
        ]
    )


def page(rng: random.Random, number: int) -> str:
    import datetime

    issued = datetime.date(2020, 1, 1) + datetime.timedelta(days=rng.randint(0, 2000))
    news = issued - datetime.timedelta(days=rng.randint(0, 2))
    place, topic = rng.choice(PLACES), rng.choice(TOPICS)
    headline = f"{place}召开{topic}工作推进会(第{number}期)"
    lead = (
        f"{news.month}月{news.day}日,{place}召开{topic}工作推进会,总结前期工作,"
        f"安排部署下一阶段重点任务。县委常委、副县长{rng.choice(NAMES)}出席会议并讲话。"
    )
    lines = [rng.choice(BREADCRUMBS), headline, date_line(rng, issued)]
    if rng.random() < 0.3:
        lines.append("分享到 :")
    if rng.random() < 0.4:
        lines.append(
            f"{news.month}月{news.day}日,{place}{topic}工作推进会现场。{credit(rng)}"
        )
    lines.append(lead)
    for paragraph in range(rng.randint(3, 8)):
        if rng.random() < 0.2:
            lines.append(f"●{rng.choice(NAMES)}表示——")
        if rng.random() < 0.15:
            lines.append(f"QQ图片2020{rng.randint(10**9, 10**10 - 1)}.jpg")
        lines.append(
            f"会议要求,要坚持问题导向,压紧压实责任,{'强化统筹调度,' * rng.randint(1, 6)}"
            f"确保{topic}各项任务落地见效。第{paragraph + 1}项工作要做到早安排、早部署。"
        )
        if rng.random() < 0.25:
            lines.append(f"会议现场。{credit(rng)}")
    if rng.random() < 0.5:
        lines += [f"记 者:{rng.choice(NAMES)}", f"编 辑:{rng.choice(NAMES)}",
                  f"一 审:{rng.choice(NAMES)}"]  # fmt: skip
    lines.append("扫一扫在手机打开当前页")
    return "\n\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="write the generated pages here")
    args = parser.parse_args()

    workdir = setup_throwaway_django("import-bench-")
    folder = args.keep or workdir / "pages"
    from django.core.management import call_command

    from articles.models import Article

    rng = random.Random(20241215)
    for number in range(1, args.pages + 1):
        path = folder / f"{2020 + number % 6}" / f"page-{number:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page(rng, number), encoding="utf-8")
    print(f"临时数据库与页面:{workdir}({args.pages} 个页面在 {folder})")
    call_command("migrate", verbosity=0)

    timings = []
    for label in ("首次导入", "再次导入(全部未变)"):
        out, err = io.StringIO(), io.StringIO()
        started, started_cpu = time.perf_counter(), time.process_time()
        call_command("import_pages", str(folder), stdout=out, stderr=err)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - started_cpu
        timings.append(elapsed)
        table = out.getvalue().strip().split("\n\n")[-1]
        print(
            f"{label}:{elapsed:.1f} s({args.pages / elapsed:.0f} 页/秒;"
            f"本进程 CPU {cpu:.1f} s,其余是等待磁盘或别的进程)"
        )
        print("  " + table.replace("\n", "\n  "))
    print(f"稿件数:{Article.objects.count()};机器负载(1 分钟):{os.getloadavg()[0]:.1f}")
    verdict = "达标" if timings[0] < TARGET_SECONDS else "未达标"
    print(f"目标:{args.pages} 页 < {TARGET_SECONDS:.0f} s —— {verdict}")
    return 0 if timings[0] < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
