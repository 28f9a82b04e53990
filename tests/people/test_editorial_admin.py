"""What the check reads is kept in the admin: tiers, lexicon, office holders by date."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from people.editorial import run_editorial_check
from people.models import ExpressionRule, ProtocolTier
from tests.factories import make_user

pytestmark = pytest.mark.django_db

D = datetime.date(2024, 12, 10)
CONGRESS_FIRST = "县人大常委会主任李先斌,县委副书记、县长王中出席"


def test_the_check_takes_at_most_three_queries(register):
    text = "县委副书记、县长王中主持。县委书记李卫东出席并讲话。" * 50
    with CaptureQueriesContext(connection) as queries:
        run_editorial_check(text, D)
    assert len(queries) <= 3


def test_an_edited_tier_table_applies_at_once(register, client):
    assert [f.code for f in run_editorial_check(CONGRESS_FIRST, D)] == ["ORDER"]
    client.force_login(make_user(roles=["编辑"]))
    tiers = list(ProtocolTier.objects.order_by("order", "pk"))
    data = {
        "form-TOTAL_FORMS": str(len(tiers)),
        "form-INITIAL_FORMS": str(len(tiers)),
        "_save": "保存",
    }
    for index, tier in enumerate(tiers):
        order = tier.order
        if tier.title == "县人大常委会主任":
            order = 15  # before 县长 (20), as some places write it
        data[f"form-{index}-id"] = str(tier.pk)
        data[f"form-{index}-order"] = str(order)
    response = client.post(reverse("admin:people_protocoltier_changelist"), data)
    assert response.status_code == 302
    assert run_editorial_check(CONGRESS_FIRST, D) == []


def test_a_lexicon_rule_added_in_the_admin_applies_and_offers_the_patrol(client, db):
    client.force_login(make_user(roles=["编辑", "审核"]))
    response = client.post(
        reverse("admin:people_expressionrule_add"),
        {
            "kind": "wrong",
            "wrong_form": "巫溪县委员会",
            "right_form": "中共巫溪县委",
            "severity": "W",
            "is_active": "on",
            "source_url": "https://example.gov.cn/guifan",
        },
        follow=True,
    )
    assert ExpressionRule.objects.filter(wrong_form="巫溪县委员会").exists()
    page = response.content.decode()
    assert "用它重新检查已发布的稿件和每周要闻" in page
    [finding] = run_editorial_check("巫溪县委员会召开", D)
    assert (finding.code, finding.suggestion) == ("EXPR", "中共巫溪县委")


def test_a_lexicon_rule_needs_its_source(client, db):
    client.force_login(make_user(roles=["编辑"]))
    response = client.post(
        reverse("admin:people_expressionrule_add"),
        {"kind": "wrong", "wrong_form": "某写法", "severity": "W", "is_active": "on"},
    )
    assert response.status_code == 200
    assert not ExpressionRule.objects.filter(wrong_form="某写法").exists()


def test_a_broken_regex_is_refused_in_chinese(client, db):
    rule = ExpressionRule(
        wrong_form="截止(", is_regex=True, severity="W", source_url="https://a.cn/"
    )
    with pytest.raises(Exception, match="正则表达式写得不对"):
        rule.full_clean()


def test_the_office_holders_on_a_chosen_day(register, client):
    client.force_login(make_user(roles=["编辑"]))
    url = reverse("admin:people_position_holders")
    page = client.get(url, {"day": "2022-05-10"}).content.decode()
    assert "王中(代县长)" in page
    page = client.get(url, {"day": "2024-12-10"}).content.decode()
    assert "王中<span" in page and "代县长" not in page
    assert "日期格式应为" in client.get(url, {"day": "昨天"}).content.decode()


def test_the_office_holders_need_the_register_view_permission(register, client):
    client.force_login(make_user(roles=["导出"]))
    assert client.get(reverse("admin:people_position_holders")).status_code == 403


def test_the_tier_table_is_kept_by_editors_only(client, db):
    client.force_login(make_user(roles=["审核"]))
    tier = ProtocolTier.objects.get(title="县长")
    response = client.post(
        reverse("admin:people_protocoltier_change", args=[tier.pk]),
        {"order": "1", "kind": "position", "title": "县长"},
    )
    assert response.status_code == 403
    tier.refresh_from_db()
    assert tier.order != 1
