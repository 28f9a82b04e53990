"""Reading the old site's pages: page kinds, the layouts of sibling sites, and where
every line goes. The pages under tests/fixtures/pages/ are made up, in the layouts of
the Chongqing county-government and county-media sites."""

import datetime

import pytest

from digests.article_page import read_article_page
from digests.layout import (
    LegacyFormatError,
    LineKind,
    is_boilerplate,
    page_lines,
    read_date_line,
)
from digests.legacy import is_image_file, read_digest_page, read_staff, reporters_in
from digests.reading import read_page_file
from media.credits import read_credit
from tests.conftest import FIXTURES, REFERENCE_PATH

PAGES = FIXTURES / "pages"


def read(name: str):
    path = PAGES / name
    return read_page_file(name=name, raw=path.read_bytes())


def kinds(reading) -> dict[int, str]:
    return {entry.line_no: entry.kind for entry in reading.log.ordered()}


def every_line_is_accounted_for(reading, raw_text: str) -> None:
    numbers = {number for number, _ in page_lines(raw_text)}
    assert numbers == set(reading.log.entries), numbers ^ set(reading.log.entries)


class TestPageKinds:
    def test_the_reference_page_is_a_digest(self):
        reading = read_page_file(name="r.txt", raw=REFERENCE_PATH.read_bytes())
        assert reading.kind == "每周要闻"
        assert len(reading.digest.stories) == 12

    def test_a_single_article_page_is_an_article(self):
        reading = read("wxyw_photo_first_2025-10-17.txt")
        assert reading.kind == "单篇稿件"

    def test_a_digest_in_a_sibling_layout_is_a_digest(self):
        assert read("digest_variant_2025-03-16.txt").kind == "每周要闻"

    # broken.txt is refused whole (tests/digests/test_import_pages.py): no lines to place.
    @pytest.mark.parametrize(
        "path",
        sorted(p for p in PAGES.rglob("*.txt") if p.name != "broken.txt"),
        ids=lambda p: p.name,
    )
    def test_every_line_of_every_page_is_accounted_for(self, path):
        raw = path.read_bytes()
        every_line_is_accounted_for(
            read_page_file(name=path.name, raw=raw), raw.decode("utf-8")
        )

    def test_every_line_of_the_reference_page_is_accounted_for(self, reference_text):
        reading = read_digest_page(reference_text)
        every_line_is_accounted_for(reading, reference_text)
        assert reading.warnings == []


class TestSingleArticlePage:
    def test_the_title_is_the_headline_and_the_first_line_a_photo(self):
        page = read("wxyw_photo_first_2025-10-17.txt").article
        story = page.story
        assert story.headline == "巫溪县召开2025年秋冬季森林防灭火工作会议"
        assert page.breadcrumb == ["巫溪要闻"]
        first = story.blocks[0]
        assert first.caption == "10月16日下午,全县2025年秋冬季森林防灭火工作会议召开。"
        assert (first.credit_role, first.credit_name) == ("记者", "张三")
        assert len(story.photos) == 2
        assert story.paragraphs[0].text.startswith("10月16日下午,全县2025年")

    def test_news_date_from_the_first_date_in_the_body(self):
        page = read("wxyw_photo_first_2025-10-17.txt").article
        assert page.story.news_on == datetime.date(2025, 10, 16)
        assert page.header.issued_on == datetime.date(2025, 10, 17)

    def test_news_date_is_the_page_date_without_a_date_in_the_body(self):
        text = (
            "您当前的位置:首页>巫溪要闻\n我县开展消防演练\n日期:2025-04-03\n"
            "近日,县消防救援大队在县城开展高层建筑灭火救援演练。\n"
        )
        assert read_article_page(text).story.news_on == datetime.date(2025, 4, 3)

    def test_a_december_date_in_a_january_page_is_last_year(self):
        text = (
            "您当前的位置:首页>巫溪要闻\n我县召开总结会\n日期:2025-01-03\n"
            "12月30日,全县年度工作总结会召开。\n"
        )
        assert read_article_page(text).story.news_on == datetime.date(2024, 12, 30)

    def test_sibling_column_path_from_the_breadcrumb(self):
        page = read("zsxx_spaced_breadcrumb_2020-03-10.txt").article
        assert page.breadcrumb == ["投资发展", "招商信息"]
        assert page.story.news_on == datetime.date(2020, 3, 9)
        assert page.header.issued_time == datetime.time(16, 27)

    def test_a_title_repeated_over_two_lines_is_not_the_body(self):
        reading = read("xw_editor_dateline_2026-01-19.txt")
        assert kinds(reading)[5] == kinds(reading)[6] == LineKind.IGNORED
        assert reading.article.story.headline == "全县经济工作会议召开"

    def test_a_title_wrapped_before_the_date_line_is_one_headline(self):
        text = (
            "当前位置:首页 > 巫溪要闻\n巫溪县召开2025年\n乡村振兴工作会议\n"
            "日期:2025-03-11\n3月10日,全县乡村振兴工作会议召开。\n"
        )
        assert (
            read_article_page(text).story.headline == "巫溪县召开2025年乡村振兴工作会议"
        )


class TestLayoutVariants:
    @pytest.mark.parametrize(
        ("line", "day", "time"),
        [
            ("日期:2025-12-31", datetime.date(2025, 12, 31), None),
            ("日期\uff1a2025-12-31", datetime.date(2025, 12, 31), None),
            ("发布日期:2020-03-10 16:27", datetime.date(2020, 3, 10), datetime.time(16, 27)),
            ("刊发日期:2024-03-18 阅读次数: 作者:", datetime.date(2024, 3, 18), None),
            ("编辑: 某某 2026-01-19 11:11:42", datetime.date(2026, 1, 19), datetime.time(11, 11, 42)),
            ("2024-06-02 19:17", datetime.date(2024, 6, 2), datetime.time(19, 17)),
            ("发布时间:2023年5月6日", datetime.date(2023, 5, 6), None),
            ("来源:巫溪县融媒体中心 发布时间:2024-09-01 08:00", datetime.date(2024, 9, 1), datetime.time(8, 0)),
        ],
    )  # fmt: skip
    def test_date_lines(self, line, day, time):
        date = read_date_line(line, 3)
        assert (date.day, date.time) == (day, time)

    @pytest.mark.parametrize(
        "line",
        [
            "12月10日,全县社会民生及安全稳定调研座谈会召开,会期2024-12-10。",
            "巫溪县召开2025年工作会议",
            "据统计,2024-2025年度全县完成投资12亿元。",
        ],
    )
    def test_sentences_with_dates_are_not_date_lines(self, line):
        assert read_date_line(line, 3) is None

    def test_an_impossible_date_is_refused_with_its_line(self):
        with pytest.raises(LegacyFormatError, match="第 3 行:日期无效"):
            read_article_page(
                "当前位置:首页 > 巫溪要闻\n标题\n发布日期:2024-02-30 10:00\n正文。\n"
            )

    def test_current_position_label_with_spaces(self):
        page = read("rmt_kanfa_staff_2024-03-18.txt").article
        assert page.breadcrumb == ["新闻中心", "县内要闻"]
        assert page.header.issued_on == datetime.date(2024, 3, 18)

    def test_editor_in_the_date_line(self):
        page = read("xw_editor_dateline_2026-01-19.txt").article
        assert page.responsible_editor == "何某某"

    def test_share_and_font_lines_are_ignored_and_listed(self):
        reading = read("zsxx_spaced_breadcrumb_2020-03-10.txt")
        entries = reading.log.entries
        assert entries[4].kind == LineKind.IGNORED  # 分享到 :
        assert entries[15].kind == LineKind.IGNORED  # 【打印本页】【关闭窗口】
        reading = read("rmt_kanfa_staff_2024-03-18.txt")
        assert reading.log.entries[4].kind == LineKind.IGNORED  # 【字体:大 中 小】

    def test_everything_after_the_qr_line_is_ignored_and_listed(self):
        text = (
            "您当前的位置:首页>巫溪要闻\n标题\n日期:2025-01-03\n正文一段。\n"
            "扫一扫在手机打开当前页\n相关链接\n巫溪县人民政府 版权所有\n"
        )
        page = read_article_page(text)
        assert [p.text for p in page.story.paragraphs] == ["正文一段。"]
        assert [page.log.entries[n].detail for n in (5, 6, 7)] == [
            "页尾二维码", "页尾之后的内容", "页尾之后的内容",
        ]  # fmt: skip


class TestBody:
    def test_subheads_stay_inside_the_story(self):
        page = read("rmt_kanfa_staff_2024-03-18.txt").article
        subheads = [p.text for p in page.story.paragraphs if p.is_subhead]
        assert subheads == ["●县林业局负责人表示——", "科学管护保成活"]

    def test_subheads_and_wrapped_headlines_start_no_story_in_a_digest(self):
        document = read("digest_variant_2025-03-16.txt").digest
        assert [s.headline for s in document.stories] == [
            "巫溪县召开2025年乡村振兴工作会议", "县人大常委会召开第二十次会议",
        ]  # fmt: skip
        assert document.lead.paragraphs[1].is_subhead

    @pytest.mark.parametrize(
        "name",
        ["QQ图片20200310101010.jpg", "IMG_20260118_093015.jpg", "微信图片_2024.png"],
    )
    def test_image_file_names_are_photos_not_headlines(self, name):
        assert is_image_file(name)

    def test_an_image_file_name_then_its_caption_is_one_photo(self):
        page = read("zsxx_spaced_breadcrumb_2020-03-10.txt").article
        assert len(page.story.photos) == 1
        photo = page.story.photos[0]
        assert photo.caption == "3月9日,签约仪式现场。"
        assert (photo.credit_role, photo.credit_name) == ("通讯员", "李华")

    def test_a_photo_without_caption_is_kept(self):
        document = read("digest_variant_2025-03-16.txt").digest
        story = document.stories[1]
        assert [p.caption for p in story.photos] == ["会议现场。", ""]
        page = read("xw_editor_dateline_2026-01-19.txt").article
        assert page.story.photos[-1].caption == ""

    def test_a_caption_printed_twice_is_one_caption(self):
        page = read("xw_editor_dateline_2026-01-19.txt").article
        captions = [p.caption for p in page.story.photos]
        assert captions.count("1月18日,县委书记李某某在会上讲话。") == 1

    def test_an_intro_sentence_restated_in_the_body_is_no_caption(self):
        page = read("bare_date_2024-06-02.txt").article
        assert page.story.paragraphs[0].text.startswith("6月1日晚")
        assert [p.caption for p in page.story.photos] == ["演出现场。"]

    @pytest.mark.parametrize(
        ("line", "caption", "role", "name"),
        [
            ("会议现场。记者 张三/摄", "会议现场。", "记者", "张三"),
            ("会议现场。记者 张三 摄", "会议现场。", "记者", "张三"),
            ("会议现场。张三 摄", "会议现场。", "", "张三"),
            ("会议现场 通讯员 李四 摄", "会议现场", "通讯员", "李四"),
            ("会议现场。图/王五", "会议现场。", "", "王五"),
            ("会议现场。摄影:赵六", "会议现场。", "", "赵六"),
            ("会议现场。(记者 张三 摄)", "会议现场。", "记者", "张三"),
            ("会议现场。记者 张三、李四/摄", "会议现场。", "记者", "张三、李四"),
        ],
    )
    def test_photo_credits_in_every_form(self, line, caption, role, name):
        credit = read_credit(line)
        assert (credit.caption, credit.role, credit.name) == (caption, role, name)

    @pytest.mark.parametrize(
        "line", ["航拍摄", "会议结束后,大家合影留念。", "本次活动共拍摄"]
    )
    def test_words_ending_in_she_are_no_credit(self, line):
        assert read_credit(line) is None

    def test_reporters_from_bylines_and_staff_lines(self):
        page = read("rmt_kanfa_staff_2024-03-18.txt").article
        assert page.story.reporters == "全媒体记者 王小明"
        assert page.responsible_editor == "刘某某"
        page = read("bare_date_2024-06-02.txt").article
        assert page.story.reporters == "记者 孙某"

    def test_staff_lines_fill_fields_or_are_listed_as_ignored(self):
        reading = read("rmt_kanfa_staff_2024-03-18.txt")
        entries = reading.log.entries
        assert entries[20].kind == entries[21].kind == LineKind.STAFF
        assert {entries[n].kind for n in (22, 23, 24, 25)} == {LineKind.IGNORED}
        assert all("审" not in p.text for p in reading.article.story.paragraphs)

    @pytest.mark.parametrize(
        "line",
        ["记 者:王小明", "编 辑:刘某某", "一 审:赵某某", "二 审:钱某某", "三 审:孙某某",
         "总 编:周某某", "编 辑:刘某某 一 审:赵某某"],
    )  # fmt: skip
    def test_staff_lines(self, line):
        assert read_staff(line)

    def test_staff_lines_in_a_digest_are_no_brief(self):
        reading = read("digest_variant_2025-03-16.txt")
        assert [b.text for b in reading.digest.briefs] == [
            "县图书馆开展“世界读书日”预热活动。"
        ]
        assert reading.log.entries[31].kind == LineKind.IGNORED


class TestNothingSilent:
    def test_a_page_cut_mid_sentence_without_its_end_line(self):
        reading = read("wxyw_cut_off_2025-05-20.txt")
        reasons = [w.reason for w in reading.warnings]
        assert any("最后一段在句子中间结束" in r for r in reasons)
        assert any("扫一扫在手机打开当前页" in r for r in reasons)
        assert {w.line_no for w in reading.warnings} == {7}

    def test_a_cut_digest_says_so(self, reference_text):
        cut = reference_text[: len(reference_text) * 4 // 10]
        cut = cut[: cut.rindex("\n")]
        reading = read_page_file(name="cut.txt", raw=cut.encode())
        assert any("页面可能不完整" in w.reason for w in reading.warnings)

    def test_a_credit_pattern_that_produced_no_photo_is_reported(self):
        text = (
            "您当前的位置:首页>巫溪要闻\n标题\n日期:2025-01-03\n"
            "记者 张三/摄影报道,全县开展冬季植树活动,各乡镇积极参与并取得实效。\n"
            "扫一扫在手机打开当前页\n"
        )
        page = read_article_page(text)
        assert len(page.story.photos) == 0
        assert any("摄影署名的样式" in w.reason for w in page.warnings)

    def test_a_doubtful_caption_is_reported_with_its_line(self):
        text = (
            "您当前的位置:首页>巫溪要闻\n标题\n日期:2025-01-03\n"
            "1月2日,全县冬季森林防火工作会议在县行政中心召开,会议总结全年工作。\n"
            "会议在县城顺利召开。\n扫一扫在手机打开当前页\n"
        )
        page = read_article_page(text)
        assert [w.line_no for w in page.warnings] == [5]

    def test_a_page_without_date_line_says_what_was_expected(self):
        with pytest.raises(LegacyFormatError, match="缺少日期行.*第 3 行"):
            read_article_page("当前位置:首页 > 巫溪要闻\n标题\n正文第一段。\n")

    def test_a_page_without_body_is_refused(self):
        with pytest.raises(LegacyFormatError, match="没有找到正文"):
            read_article_page(
                "当前位置:首页 > 巫溪要闻\n标题\n日期:2025-01-03\n【打印本页】\n"
            )


class TestBylinesAndSource:
    def test_a_byline_on_its_own_line_fills_reporters(self):
        text = (
            "当前位置:首页 > 巫溪要闻\n我县开展消防演练\n发布日期:2025-04-03 10:00\n"
            "记者 张三 李四\n"
            "4月2日,县消防救援大队在县城开展高层建筑灭火救援演练。\n"
            "来源:巫溪县融媒体中心\n"
        )
        reading = read_page_file(name="p.txt", raw=text.encode())
        page = reading.article
        assert page.story.reporters == "记者 张三 李四"
        assert page.source == "巫溪县融媒体中心"
        assert [p.text for p in page.story.paragraphs] == [
            "4月2日,县消防救援大队在县城开展高层建筑灭火救援演练。"
        ]
        assert reading.log.entries[4].kind == LineKind.CREDIT


class TestMoreBoilerplate:
    @pytest.mark.parametrize(
        "line",
        ["打印本页 | 关闭窗口", "【打印】【关闭】", "分享到:微信 微博 QQ空间",
         "上一篇:我县召开防汛会议", "下一篇:无"],
    )  # fmt: skip
    def test_navigation_and_button_lines(self, line):
        assert is_boilerplate(line)

    def test_a_bracketed_staff_line(self):
        assert read_staff("(责任编辑:张三)") == [("责任编辑", "张三")]

    def test_a_bracketed_source_in_the_date_line(self):
        date = read_date_line("【来源:巫溪县人民政府】 发布时间:2024-09-01", 3)
        assert date.fields["来源"] == "巫溪县人民政府"


@pytest.mark.parametrize(
    ("paragraph", "byline"),
    [
        ("本报讯(记者 张三)3月16日,我县开展植树活动。", "记者 张三"),
        ("3月16日,我县开展植树活动。(记者 张三)", "记者 张三"),
        ("本报讯(全媒体记者 李四 王五)近日,我县召开会议。", "全媒体记者 李四 王五"),
        ("本报讯(通讯员 赵六)近日,我县召开会议。", "通讯员 赵六"),
    ],
)
def test_bylines_in_a_paragraph_are_the_storys_reporters(paragraph, byline):
    assert reporters_in(paragraph) == [byline]
