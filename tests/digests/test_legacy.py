import datetime
from collections import Counter

import pytest

from digests.legacy import (
    LegacyFormatError,
    decode,
    parse_legacy_text,
    render_legacy_text,
)
from tests.conftest import FIXTURES


def parse(text: str):
    return parse_legacy_text(text)[0]


class TestReferencePage:
    def test_header(self, reference_text):
        document = parse(reference_text)
        assert document.breadcrumb == ["巫溪要闻"]
        assert document.title == "见“政”巫溪这一周"
        assert document.issued_on == datetime.date(2024, 12, 15)

    def test_lead_comes_before_the_day_sections(self, reference_text):
        document = parse(reference_text)
        assert document.lead.headline == "巫溪县召开2025年社会民生及安全稳定调研座谈会"
        assert document.lead.news_on == datetime.date(2024, 12, 10)

    def test_stories_per_day(self, reference_text):
        document = parse(reference_text)
        assert len(document.stories) == 12
        per_day = Counter(story.news_on.day for story in document.stories)
        assert per_day == {10: 3, 11: 3, 12: 5, 13: 1}
        assert [section.heading for section in document.days] == [
            "12月10日", "12月11日", "12月12日", "12月13日",
        ]  # fmt: skip

    def test_photos_and_credits(self, reference_text):
        photos = [p for story in parse(reference_text).stories for p in story.photos]
        assert len(photos) == 14
        credited = Counter(p.credit_name for p in photos if p.credit_name)
        assert credited == {"吴丹": 6, "胡来": 3, "周超": 1, "雷宪斌": 1}
        assert {p.credit for p in photos if p.credit_name == "吴丹"} == {"记者 吴丹/摄"}
        assert {p.credit for p in photos if p.credit_name == "周超"} == {"周超/摄"}

    def test_uncredited_captions_are_recognised(self, reference_text):
        photos = [p for story in parse(reference_text).stories for p in story.photos]
        uncredited = [p.caption for p in photos if not p.credit_name]
        assert uncredited == [
            "12月12日,县人大常委会主任李先斌(左二)听取巫溪工业园区农产品流通中心项目建设推进情况。",
            "县委副书记黄作盛到兰英乡调研。",
            "12月13日,县政协党组书记、主席王芳主持召开党组理论学习中心组2024年第七次学习(扩大)会议。",
        ]

    def test_photo_sits_between_paragraphs(self, reference_text):
        story = parse(reference_text).days[1].stories[0]
        assert story.headline == "李卫东主持召开2024年县委书记办公会第13次会议"
        kinds = [type(block).__name__ for block in story.blocks[:3]]
        assert kinds == ["PhotoBlock", "Paragraph", "PhotoBlock"]

    def test_brief(self, reference_text):
        briefs = parse(reference_text).briefs
        assert len(briefs) == 1
        assert briefs[0].happened_on == datetime.date(2024, 12, 12)
        assert briefs[0].line.startswith("12日,我县召开危化烟花爆竹“打非治违”")

    def test_special_characters_survive(self, reference_text):
        text = " ".join(
            [s.headline for s in parse(reference_text).stories]
            + [p.text for s in parse(reference_text).stories for p in s.paragraphs]
        )
        assert "民生为本\u2002 深化" in text
        assert "5—6万斤" in text
        assert "“10·21”" in text

    def test_renders_back_line_for_line(self, reference_text):
        assert render_legacy_text(parse(reference_text)) == reference_text

    def test_no_warnings(self, reference_text):
        assert parse_legacy_text(reference_text)[1] == []


class TestVariants:
    def test_crlf_bom_and_gb18030(self, reference_text):
        expected = render_legacy_text(parse(reference_text))
        for raw in [
            reference_text.replace("\n", "\r\n").encode("utf-8"),
            b"\xef\xbb\xbf" + reference_text.encode("utf-8"),
            reference_text.encode("gb18030"),
            reference_text.replace("\u2002", " ").encode("gbk"),
        ]:
            document = parse(decode(raw))
            assert len(document.stories) == 12
        assert (
            render_legacy_text(parse(decode(reference_text.encode("gb18030"))))
            == expected
        )

    def test_full_width_colons_indentation_and_weekday_headings(self, reference_text):
        text = (
            reference_text.replace("位置:", "位置\uff1a").replace("日期:", "日期\uff1a")
            .replace("\n会议", "\n\u3000\u3000会议")
            .replace("12月11日\n", "12月11日 星期三\n")
        )  # fmt: skip
        document = parse(text)
        assert document.issued_on == datetime.date(2024, 12, 15)
        assert [len(section.stories) for section in document.days] == [2, 3, 5, 1]
        assert all(
            not p.text.startswith("\u3000")
            for s in document.stories
            for p in s.paragraphs
        )

    @pytest.mark.parametrize("marker", ["●", "◆", "■", ">>"])
    def test_brief_markers(self, reference_text, marker):
        document = parse(reference_text.replace(">>12日", f"{marker}12日"))
        assert [b.happened_on.day for b in document.briefs] == [12]
        assert document.briefs[0].text.startswith("我县召开")

    def test_second_page_written_by_us(self):
        raw = (FIXTURES / "second_2025-01-05.txt").read_bytes()
        document, warnings = parse_legacy_text(decode(raw))
        assert warnings == []
        assert document.issued_on == datetime.date(2025, 1, 5)
        # December stories in a January page belong to the previous year.
        assert document.lead.news_on == datetime.date(2024, 12, 30)
        assert [s.day for s in document.days] == [
            datetime.date(2024, 12, 31), datetime.date(2025, 1, 2),
        ]  # fmt: skip
        photos = [p for s in document.stories for p in s.photos]
        assert [(p.caption, p.credit) for p in photos] == [
            ("县委书记李卫东讲话。", "通讯员 张明/摄"),
            ("县委副书记、县长王中(左二)在会上讲话。", ""),
            ("新春灯会效果图", "李华/摄"),
        ]
        assert [(b.happened_on, b.text) for b in document.briefs] == [
            (datetime.date(2024, 12, 31), "县文化馆举办“迎新春”书法作品展。"),
            (datetime.date(2025, 1, 2), "县图书馆延长春节期间开放时间。"),
        ]

    def test_second_page_round_trips_through_gb18030(self):
        text = decode((FIXTURES / "second_2025-01-05.txt").read_bytes())
        document = parse(text)
        again = parse(decode(render_legacy_text(document).encode("gb18030")))
        assert again == document


@pytest.mark.parametrize("span", ["12日至14日", "12日—14日", "12至14日"])
def test_a_brief_opening_with_its_span_round_trips_without_a_second_day(
    reference_text, span
):
    document = parse(reference_text)
    brief = document.briefs[0]
    document.briefs = [
        type(brief)(datetime.date(2024, 12, 12), f"{span},县人大常委会开展执法检查。")
    ]
    text = render_legacy_text(document)
    assert f"\n>>{span},县人大常委会开展执法检查。\n" in text
    [again] = parse(text).briefs
    assert (again.happened_on, again.text) == (
        datetime.date(2024, 12, 12),
        f"{span},县人大常委会开展执法检查。",
    )


class TestBadInput:
    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            (b"", "文件是空的"),
            (b"  \r\n\n ", "文件是空的"),
            (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "不是文本文件"),
            (b"\x80\xff\xfd\x80 abc \x80\xff", "无法识别文件编码"),
            (b"\xff\xfe\x00\xd8", "UTF-16"),
        ],
    )
    def test_undecodable(self, raw, message):
        with pytest.raises(LegacyFormatError, match=message):
            decode(raw)

    def test_no_title(self, reference_text):
        lines = reference_text.split("\n")
        del lines[1]
        with pytest.raises(LegacyFormatError, match="缺少标题行"):
            parse("\n".join(lines))

    def test_no_date(self, reference_text):
        with pytest.raises(LegacyFormatError, match="缺少日期行"):
            parse(reference_text.replace("日期:2024-12-15\n", ""))

    def test_impossible_date(self, reference_text):
        with pytest.raises(LegacyFormatError, match="日期无效"):
            parse(reference_text.replace("日期:2024-12-15", "日期:2024-13-45"))

    def test_no_stories(self):
        with pytest.raises(LegacyFormatError, match="没有找到任何稿件"):
            parse(
                "您当前的位置:首页>巫溪要闻\n标题\n日期:2024-12-15\n扫一扫在手机打开当前页"
            )

    def test_doubtful_caption_is_reported(self):
        text = (
            "标题\n日期:2024-12-15\n某某工作会议召开\n"
            "12月10日,某某工作会议在县行政中心召开,会议总结全年工作。\n"
            "会议在县城顺利召开。\n"
        )
        document, warnings = parse_legacy_text(text)
        assert len(document.lead.paragraphs) == 2
        assert [w.line_no for w in warnings] == [5]
        assert "无法确定是图片说明还是正文" in str(warnings[0])
