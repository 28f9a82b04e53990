"""The default protocol tiers and a starter lexicon of fixed expressions, with sources."""

import datetime

from django.db import migrations

DEFAULT_TIERS = [
    "县委书记", "县长", "县人大常委会主任", "县政协主席", "县委副书记", "县委常委",
    "县人大常委会副主任", "副县长", "县政协副主席",
]  # fmt: skip

DECISION_2024 = "https://www.tkww.hk/epaper/view/newsDetail/1813982067256594432.html"
STARTER_LEXICON = [
    {
        "wrong_form": "中华人民共合国",
        "right_form": "中华人民共和国",
        "severity": "E",
        "source_url": "http://www.npc.gov.cn/",
        "note": "国名错字属严重表述错误。",
    },
    {
        "wrong_form": "截止(?=\\d|[一二三四五六七八九十〇零]+[年月日]|目前|今年|去年|本月|上月|当前|年底|月底|发稿)",
        "is_regex": True,
        "right_form": "截至",
        "severity": "W",
        "not_after": "日期|时间|期限",
        "source_url": "http://cs.lhrb.com.cn/news/wh/2019-08-30/3888.html",
        "note": "“截至”后面带时间词语;“截止”不带时间词,如“报名昨天截止”“截止日期”。",
    },
    {
        "wrong_form": "全面进一步深化改革",
        "right_form": "进一步全面深化改革",
        "severity": "E",
        "source_url": DECISION_2024,
        "note": "二十届三中全会《决定》的表述是“进一步全面深化改革”。",
    },
    {
        "kind": "dated",
        "wrong_form": "二十届三中全会",
        "severity": "W",
        "valid_from": datetime.date(2024, 7, 15),
        "source_url": DECISION_2024,
        "note": "党的二十届三中全会于2024年7月15日至18日召开。",
    },
    {
        "kind": "dated",
        "wrong_form": "进一步全面深化改革、推进中国式现代化的决定",
        "severity": "W",
        "valid_from": datetime.date(2024, 7, 18),
        "source_url": DECISION_2024,
        "note": "《决定》于2024年7月18日审议通过。",
    },
]


def add_defaults(apps, schema_editor):
    ProtocolTier = apps.get_model("people", "ProtocolTier")
    ExpressionRule = apps.get_model("people", "ExpressionRule")
    if not ProtocolTier.objects.exists():
        for order, title in enumerate(DEFAULT_TIERS, start=1):
            ProtocolTier.objects.create(order=order * 10, kind="position", title=title)
        ProtocolTier.objects.create(order=(len(DEFAULT_TIERS) + 1) * 10, kind="others")
        ProtocolTier.objects.create(order=(len(DEFAULT_TIERS) + 2) * 10, kind="former")
    for row in STARTER_LEXICON:
        if not ExpressionRule.objects.filter(wrong_form=row["wrong_form"]).exists():
            ExpressionRule.objects.create(**row)


class Migration(migrations.Migration):
    dependencies = [("people", "0003_protocol_tiers_and_lexicon")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
