"""`manage.py editorial_check`, the digest preview's findings and the patrol."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from articles.checking import check_article
from articles.models import Article
from articles.services import dismiss_finding
from digests.checking import patrol_published
from digests.services import check_digest
from tests.conftest import REFERENCE_PATH
from tests.factories import (
    add_item,
    make_article,
    make_brief,
    make_digest,
    make_user,
    place_photo,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 12, 10)


def run(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("editorial_check", *args, stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue()


def test_text_as_json_with_an_error(register):
    code, out = run("--text", "县长李卫东出席", "--date", "2024-12-10", "--json")
    assert code == 1
    [item] = json.loads(out)  # nothing else on standard output
    assert set(item) == {
        "code", "severity", "message", "start", "end", "excerpt", "suggestion"
    }  # fmt: skip
    assert (item["code"], item["start"], item["end"]) == ("TITLE_NOT_HELD", 0, 5)


def test_text_without_errors_exits_zero(register):
    code, out = run("--text", "县委书记李卫东出席", "--date", "2024-12-10", "--json")
    assert (code, json.loads(out)) == (0, [])


def test_a_file(register, tmp_path):
    path = tmp_path / "story.txt"
    path.write_text("县委副书记、县长王钟主持", encoding="utf-8")
    code, out = run("--file", str(path), "--date", "2024-12-10")
    assert code == 1 and "NAME_NEAR_MISS" in out and "王中" in out


def test_a_bad_date_is_refused_in_chinese(db):
    with pytest.raises(Exception, match="日期格式应为"):
        call_command("editorial_check", "--text", "x", "--date", "12/10")


def test_an_article_on_its_own_date_names_the_article(register):
    article = make_article(
        news_on=datetime.date(2022, 5, 10), body="<p>县长王中主持。</p>"
    )
    code, out = run("--article", str(article.pk), "--json")
    [item] = json.loads(out)
    assert (code, item["code"], item["article"]) == (1, "TITLE_ACTING", article.pk)


def test_a_dismissed_error_no_longer_fails_the_command(register):
    article = make_article(news_on=DAY, body="<p>县长李卫东出席。</p>")
    assert run("--article", str(article.pk), "--json")[0] == 1
    fingerprint = check_article(article)[0].finding.fingerprint
    dismiss_finding(
        article=article,
        user=make_user(roles=["审核"]),
        fingerprint=fingerprint,
        reason="已经核实无误",
    )
    code, out = run("--article", str(article.pk), "--json")
    assert (code, json.loads(out)) == (0, [])


def test_a_digest_checks_each_story_on_its_own_date(register):
    digest = make_digest(
        issued_on=datetime.date(2024, 12, 15),
        week_starts_on=datetime.date(2024, 12, 9),
        week_ends_on=datetime.date(2024, 12, 15),
    )
    old = make_article(
        news_on=datetime.date(2024, 12, 10), body="<p>代县长王中主持。</p>"
    )
    add_item(digest, old)
    make_brief(digest, happened_on=datetime.date(2024, 12, 12), text="县长李卫东出席。")
    code, out = run("--digest", str(digest.pk), "--json")
    items = json.loads(out)
    assert code == 1
    assert [(i["code"], i["severity"], i["article"]) for i in items] == [
        ("TITLE_ACTING", "W", old.pk),
        ("TITLE_NOT_HELD", "E", None),
    ]


def test_the_patrol_lists_public_pages_newest_first(register):
    older = make_article(
        news_on=datetime.date(2022, 5, 10), body="<p>县长王中主持。</p>"
    )
    newer = make_article(news_on=DAY, body="<p>县长李卫东出席。</p>")
    make_article(news_on=DAY, body="<p>县长李卫东出席。</p>", status="draft")
    right = make_article(news_on=datetime.date(2022, 5, 10), body="<p>代县长王中。</p>")
    reports = patrol_published()
    assert [r.article for r in reports] == [newer, older]
    assert right not in [r.article for r in reports]
    code, out = run("--published", "--json")
    assert code == 1
    assert [i["article"] for i in json.loads(out)] == [newer.pk, older.pk]


def test_the_patrol_page_is_for_review_and_sign_off(register, client):
    make_article(news_on=DAY, body="<p>县长李卫东出席。</p>")
    url = reverse("admin:editorial_patrol")
    for role, status in [("记者", 403), ("编辑", 403), ("导出", 403), ("审核", 200)]:
        client.force_login(make_user(roles=[role]))
        assert client.get(url, {"run": "1"}).status_code == status, role
    page = client.get(url, {"run": "1"}).content.decode()
    assert "TITLE_NOT_HELD" in page and "县长李卫东" in page


def test_the_digest_preview_lists_findings_per_story(register, client):
    digest = make_digest(
        status="draft", published_at=None,
        issued_on=datetime.date(2024, 12, 15),
        week_starts_on=datetime.date(2024, 12, 9),
        week_ends_on=datetime.date(2024, 12, 15),
    )  # fmt: skip
    story = make_article(
        news_on=DAY, headline="李卫东出席会议", body="<p>县长李卫东出席。</p>"
    )
    add_item(digest, story)
    client.force_login(make_user(roles=["编辑"]))
    page = client.get(digest.get_absolute_url()).content.decode()
    assert 'id="editorial-findings"' in page
    assert "《李卫东出席会议》" in page and "TITLE_NOT_HELD" in page


def test_readers_never_see_findings(register, client):
    digest = make_digest()
    add_item(digest, make_article(body="<p>县长李卫东出席。</p>"))
    page = client.get(digest.get_absolute_url()).content.decode()
    assert "editorial-findings" not in page


def test_an_import_reports_findings_without_blocking(register, tmp_path):
    text = REFERENCE_PATH.read_text(encoding="utf-8").replace(
        "县委书记李卫东出席会议并讲话。县委副书记",
        "县长李卫东出席会议并讲话。县委副书记",
        1,
    )
    path = tmp_path / "page.txt"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("import_digest", str(path), stdout=out)
    assert "校对:1 条提示,其中错误 1 条" in out.getvalue()
    assert "TITLE_NOT_HELD" in out.getvalue()
    assert Article.objects.filter(status=Article.Status.PUBLISHED).count() == 12


def test_the_reference_page_imports_with_a_clean_check(officials):
    out = io.StringIO()
    call_command("import_digest", str(REFERENCE_PATH), stdout=out)
    assert "校对:没有发现问题。" in out.getvalue()


def test_a_digest_with_an_error_in_a_brief_is_not_published(register):
    digest = make_digest(status="draft", published_at=None)
    add_item(digest, make_article())
    make_brief(digest, text="县长李卫东出席。", happened_on=datetime.date(2024, 12, 12))
    [error] = check_digest(digest=digest).errors
    assert "校对发现 1 处错误尚未处理" in error and "请修改这条简讯" in error


def test_the_patrol_reads_a_fixed_number_of_queries(
    register, django_assert_max_num_queries
):
    for _ in range(3):
        article = make_article(news_on=DAY, body="<p>县长李卫东出席。</p>")
        place_photo(article)
    make_brief(make_digest(), text="县长李卫东出席。")
    with django_assert_max_num_queries(10):
        reports = patrol_published()
    assert len(reports) == 4
