import datetime

import pytest
from django.core.exceptions import ValidationError

from articles.models import Column
from digests.models import Brief, WeeklyDigest
from digests.services import build_document, import_digest
from digests.structure import BriefLine, DigestDocument
from tests.factories import make_brief, make_column, make_draft_digest

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2024, 12, 16)
THURSDAY = datetime.date(2024, 12, 19)


@pytest.fixture
def digest():
    return make_draft_digest(make_column(), week_starts_on=MONDAY)


def cleaned(digest, text, happened_on=THURSDAY) -> str:
    brief = Brief(digest=digest, happened_on=happened_on, text=text)
    brief.full_clean()
    return brief.text


@pytest.mark.parametrize(
    "typed",
    [
        "19日,我县召开安全生产工作会议。",
        "19日，我县召开安全生产工作会议。",
        "19日 我县召开安全生产工作会议。",
        "19日、我县召开安全生产工作会议。",
        ">>19日,我县召开安全生产工作会议。",
        "  >> 19日，我县召开安全生产工作会议。",
        "12月19日,我县召开安全生产工作会议。",
        "１９日，我县召开安全生产工作会议。",
        "１２月１９日，我县召开安全生产工作会议。",
        "\u200b19日,我县召开安全生产工作会议。",
        "19日,19日,我县召开安全生产工作会议。",
        ">>>>19日,19日,我县召开安全生产工作会议。",
        "2024年12月19日,我县召开安全生产工作会议。",
        "19日:我县召开安全生产工作会议。",
        "19日。我县召开安全生产工作会议。",
        "十九日,我县召开安全生产工作会议。",
        "十二月十九日,我县召开安全生产工作会议。",
        "(19日)我县召开安全生产工作会议。",
        "【19日】我县召开安全生产工作会议。",
        "●19日,>>我县召开安全生产工作会议。",
        ">>我县召开安全生产工作会议。",
    ],
)
def test_a_typed_day_matching_the_briefs_date_is_dropped(digest, typed):
    assert cleaned(digest, typed) == "我县召开安全生产工作会议。"


def test_the_reader_sees_the_day_once(digest):
    make_brief(digest, happened_on=THURSDAY, text="19日,我县召开安全生产工作会议。")
    [line] = build_document(digest).briefs
    assert line.page_line == ">>19日,我县召开安全生产工作会议。"


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        ("18日,我县召开安全生产工作会议。", "“18日”"),
        ("11月19日,我县召开安全生产工作会议。", "“11月19日”"),
        ("２０日 我县召开安全生产工作会议。", "“２０日”"),
        ("19日,20日,我县召开安全生产工作会议。", "“20日”"),
        ("2023年12月19日,我县召开安全生产工作会议。", "“2023年12月19日”"),
        ("二十日,我县召开安全生产工作会议。", "“二十日”"),
    ],
)
def test_a_typed_day_that_is_not_the_briefs_date_is_refused_naming_both(
    digest, typed, named
):
    with pytest.raises(ValidationError) as refused:
        cleaned(digest, typed)
    [message] = refused.value.message_dict["text"]
    assert named in message
    assert "12月19日" in message
    assert Brief.objects.count() == 0


@pytest.mark.parametrize(
    "text",
    [
        "19日至21日,全县开展森林防火检查。",
        "19日上午,县委召开常委会会议。",
        "19日晚,县文化馆举办迎新演出。",
        "18日至20日,全县开展森林防火检查。",
        "2024年我县新增就业岗位三千个。",
        "12个乡镇完成道路硬化。",
    ],
)
def test_a_sentence_that_starts_with_a_date_used_otherwise_is_kept(digest, text):
    assert cleaned(digest, text) == text


def test_a_brief_that_is_only_its_day_is_refused(digest):
    with pytest.raises(ValidationError) as refused:
        cleaned(digest, "19日,")
    assert refused.value.message_dict["text"] == ["简讯内容不能只有日期。"]


def test_importing_a_brief_with_its_day_typed_twice_keeps_the_day_once():
    document = DigestDocument(
        title="见“政”巫溪这一周",
        issued_on=datetime.date(2024, 12, 22),
        briefs=[BriefLine(THURSDAY, "19日，我县召开安全生产工作会议。")],
    )
    digest = import_digest(document=document, publish=False).digest
    assert [brief.line for brief in digest.briefs.all()] == [
        "19日,我县召开安全生产工作会议。"
    ]


def test_importing_a_brief_with_another_day_typed_writes_nothing():
    document = DigestDocument(
        title="见“政”巫溪这一周",
        issued_on=datetime.date(2024, 12, 22),
        briefs=[BriefLine(THURSDAY, "18日,我县召开安全生产工作会议。")],
    )
    with pytest.raises(ValidationError, match="18日"):
        import_digest(document=document, publish=False)
    assert WeeklyDigest.objects.count() == 0


class TestDefaultColumn:
    def test_the_only_column(self):
        column = make_column(name="县内新闻", slug="xnxw")
        assert Column.objects.default() == column

    def test_wuxi_news_among_several(self):
        make_column(name="通知公告", slug="tzgg")
        column = make_column(name="巫溪要闻", slug="wxyw")
        make_column(name="县内新闻", slug="xnxw")
        assert Column.objects.default() == column

    def test_wuxi_news_by_slug_under_another_name(self):
        make_column(name="通知公告", slug="tzgg")
        column = make_column(name="要闻", slug="wxyw")
        assert Column.objects.default() == column

    def test_no_guess_among_several_others(self):
        make_column(name="通知公告", slug="tzgg")
        make_column(name="县内新闻", slug="xnxw")
        assert Column.objects.default() is None

    def test_no_column_yet(self):
        assert Column.objects.default() is None


SPANS = [
    "16日至18日",
    "16日—18日",
    "16日-18日",
    "16日到18日",
    "16至18日",
    "16日 至 18日",
]


@pytest.mark.parametrize("span", SPANS)
def test_a_brief_opening_with_the_span_from_its_day_prints_the_day_once(digest, span):
    brief = make_brief(
        digest, happened_on=MONDAY, text=f"{span},县人大常委会开展执法检查。"
    )
    brief.full_clean()
    assert brief.line == f"{span},县人大常委会开展执法检查。"
    [line] = build_document(digest).briefs
    assert line.page_line == f">>{span},县人大常委会开展执法检查。"


def test_a_span_from_another_day_still_gets_the_briefs_day(digest):
    brief = make_brief(digest, happened_on=MONDAY, text="17日至18日,县里开会。")
    assert brief.line == "16日,17日至18日,县里开会。"
