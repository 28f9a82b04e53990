"""Time the editorial check on a large register.

    .venv/bin/python bench/editorial_bench.py [--rounds 20] [--patrol 10000]

Builds a throwaway SQLite database under a temporary directory with 500 people, 1,500
appointments (over 100 positions) and 300 lexicon rules on top of the defaults, then
checks a 5,000-character article: the median of `--rounds` checks, each reading the
register afresh (what saving one article costs), and with the register read once
(what the patrol pays per page). Target: under 200 ms per check. `--patrol N` also
times `editorial_check --published` over N published articles (about 1,000
characters each).
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time

from throwaway import setup_throwaway_django

TARGET_MS = 200.0
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "卫东中芳作盛江洪延超丙合家群仁和朝华钢玉军召莉小泉永馗奇利建川勇明强平"


def populate(rng: random.Random) -> None:
    from people.models import (
        Appointment,
        ExpressionRule,
        Organization,
        Person,
        Position,
    )

    units = [Organization(name=f"县第{i}局", kind="department", rank=50 + i)
             for i in range(40)]  # fmt: skip
    Organization.objects.bulk_create(units)
    party = Organization.objects.create(name="县委", kind="party", rank=10)
    government = Organization.objects.create(name="县政府", kind="government", rank=30)
    positions = [
        Position(title="县委书记", organization=party, rank=10),
        Position(title="县长", organization=government, rank=20, acting_title="代县长"),
        Position(title="县委副书记", organization=party, rank=30),
        Position(title="县委常委", organization=party, rank=40),
        Position(title="常务副县长", organization=government, rank=42),
        Position(title="副县长", organization=government, rank=60),
    ]
    for index, unit in enumerate(Organization.objects.filter(kind="department")):
        positions.append(Position(title=f"{unit.name}局长", organization=unit, rank=80))
        positions.append(
            Position(title=f"{unit.name}副局长", organization=unit, rank=90 + index)
        )
    positions = positions[:100]
    Position.objects.bulk_create(positions)
    positions = list(Position.objects.all())
    names = set()
    while len(names) < 500:
        names.add(rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice([1, 2]))))
    Person.objects.bulk_create([Person(name=name) for name in sorted(names)])
    people = list(Person.objects.all())
    appointments = []
    for index in range(1500):
        start = datetime.date(2015, 1, 1) + datetime.timedelta(days=index * 2)
        appointments.append(
            Appointment(
                person=people[index % len(people)],
                position=positions[index % len(positions)],
                started_on=start,
                ended_on=None if index % 3 else start + datetime.timedelta(days=700),
                is_acting=index % 17 == 0,
            )
        )
    Appointment.objects.bulk_create(appointments)
    rules = []
    for index in range(300):
        if index % 10 == 0:
            rules.append(ExpressionRule(wrong_form=f"第{index}号(?:文件|通知)",
                                        is_regex=True, right_form="", severity="W",
                                        source_url="https://example.gov.cn/rule"))  # fmt: skip
        else:
            rules.append(ExpressionRule(wrong_form=f"错误写法{index}",
                                        right_form=f"正确写法{index}", severity="E",
                                        source_url="https://example.gov.cn/rule"))  # fmt: skip
    ExpressionRule.objects.bulk_create(rules)


def article_text(rng: random.Random, people, length: int) -> str:
    sentences = []
    titles = ["县委书记", "县委副书记、县长", "县委常委、常务副县长", "副县长", "县长"]
    filler = (
        "深入学习贯彻党的二十届三中全会精神,全面落实市委六届历次全会部署和县委工作安排,"
        "总结2024年工作情况,谋划2025年全县社会民生、安全稳定等方面工作。"
    )
    while sum(map(len, sentences)) < length:
        names = "、".join(rng.choice(people).name for _ in range(rng.choice([1, 3])))
        sentences.append(f"<p>{rng.choice(titles)}{names}出席会议并讲话。{filler}</p>")
    return "".join(sentences)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--patrol", type=int, default=0, help="published articles")
    args = parser.parse_args()

    setup_throwaway_django("editorial-bench-")
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from people.editorial import load_register, run_editorial_check
    from people.models import Appointment, ExpressionRule, Person

    call_command("migrate", verbosity=0)
    rng = random.Random(13)
    populate(rng)
    people = list(Person.objects.all())
    text = article_text(rng, people, 5000)
    day = datetime.date(2024, 12, 10)
    print(
        f"名录:{Person.objects.count()} 人,{Appointment.objects.count()} 条任职;"
        f"规范表述 {ExpressionRule.objects.count()} 条;稿件 {len(text)} 字符(含标签)。"
    )
    with CaptureQueriesContext(connection) as queries:
        findings = run_editorial_check(text, day)
    print(f"一次校对:{len(findings)} 条提示,{len(queries)} 次查询。")

    fresh, preloaded = [], []
    for _ in range(args.rounds):
        started = time.perf_counter()
        run_editorial_check(text, day)
        fresh.append((time.perf_counter() - started) * 1000)
    register = load_register()
    for _ in range(args.rounds):
        started = time.perf_counter()
        run_editorial_check(text, day, register=register)
        preloaded.append((time.perf_counter() - started) * 1000)
    median = statistics.median(fresh)
    print(f"每次读名录:中位数 {median:.1f} ms,最慢 {max(fresh):.1f} ms")
    print(f"名录读一次:中位数 {statistics.median(preloaded):.1f} ms")
    print(f"目标 < {TARGET_MS:.0f} ms:{'达到' if median < TARGET_MS else '未达到'}")

    if args.patrol:
        from articles.models import Article, Column

        column = Column.objects.create(name="巫溪要闻", slug="wxyw")
        now = timezone.now()
        Article.objects.bulk_create(
            [
                Article(
                    headline=f"稿件{index}",
                    column=column,
                    news_on=day - datetime.timedelta(days=index % 2000),
                    body=article_text(rng, people, 1000),
                    status=Article.Status.PUBLISHED,
                    published_at=now - datetime.timedelta(hours=1),
                )
                for index in range(args.patrol)
            ],
            batch_size=500,
        )
        started = time.perf_counter()
        try:
            call_command("editorial_check", "--published", "--json",
                         stdout=open(os.devnull, "w"))  # noqa: SIM115  # fmt: skip
        except SystemExit:  # exit status 1: errors were found, as expected here
            pass
        print(f"巡查 {args.patrol} 篇已发布稿件:{time.perf_counter() - started:.1f} s")
    return 0 if median < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
