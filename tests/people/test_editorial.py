"""The editorial check against the fixture register (issue 13's "Must show")."""

import datetime

import pytest

from people.editorial import normalise, run_editorial_check

pytestmark = pytest.mark.django_db

D = datetime.date


def codes(findings):
    return [f.code for f in findings]


def check(text, day, **kwargs):
    return run_editorial_check(text, day, **kwargs)


class TestTitles:
    def test_acting_mayor_written_as_mayor(self, register):
        findings = check("县委副书记、县长王中主持", D(2022, 5, 10))
        assert codes(findings) == ["TITLE_ACTING"]
        assert findings[0].severity == "E"
        assert findings[0].suggestion == "县委副书记、代县长王中"

    def test_acting_title_when_already_elected_is_a_warning(self, register):
        findings = check("县委副书记、代县长王中主持", D(2024, 12, 10))
        assert codes(findings) == ["TITLE_ACTING"]
        assert findings[0].severity == "W"
        assert findings[0].suggestion == "县委副书记、县长王中"

    def test_an_acting_title_on_its_date_is_right(self, register):
        assert check("县委副书记、代县长王中主持", D(2022, 5, 10)) == []

    def test_title_before_it_was_held_cites_the_dates(self, register):
        findings = check("县长王中", D(2022, 2, 1))
        assert codes(findings) == ["TITLE_NOT_HELD"]
        message = findings[0].message
        assert "2022-03-01—2022-06-30" in message and "2022-07-01—至今" in message

    def test_title_held_by_someone_else_names_the_holder(self, register):
        findings = check("县长李卫东", D(2024, 12, 10))
        assert codes(findings) == ["TITLE_NOT_HELD"]
        assert "王中" in findings[0].message
        assert findings[0].suggestion == "县委书记李卫东"

    def test_a_near_miss_name_suggests_the_registered_one(self, register):
        findings = check("县委副书记、县长王钟主持", D(2024, 12, 10))
        assert codes(findings) == ["NAME_NEAR_MISS"]
        assert findings[0].severity == "E"
        assert findings[0].suggestion == "县委副书记、县长王中"

    def test_a_name_one_character_off(self, register):
        findings = check("县委副书记黄作胜参加", D(2024, 12, 10))
        assert codes(findings) == ["NAME_NEAR_MISS"]
        assert "黄作盛" in findings[0].suggestion

    def test_longest_title_wins(self, register):
        assert check("县委常委、常务副县长唐江洪参加", D(2024, 12, 10)) == []

    def test_government_post_before_party_post(self, register):
        findings = check("县长、县委副书记王中", D(2024, 12, 10))
        assert codes(findings) == ["TITLE_ORDER"]
        assert findings[0].suggestion == "县委副书记、县长"

    def test_former_title_still_held(self, register):
        findings = check("原县长王中", D(2024, 12, 10))
        assert codes(findings) == ["FORMER_BUT_CURRENT"]
        assert findings[0].severity == "W"

    def test_former_title_no_longer_held_is_right(self, register):
        assert check("原代县长王中", D(2024, 12, 10)) == []

    def test_unknown_name_after_a_county_title(self, register):
        findings = check("县委副书记张三", D(2024, 12, 10))
        assert codes(findings) == ["UNREGISTERED"]
        assert findings[0].severity == "I"

    def test_nothing_is_title_checked_in_a_book_title(self, register):
        assert check("学习《县长王中的一天》", D(2022, 2, 1)) == []

    def test_time_reference_is_left_to_the_editor(self, register):
        findings = check("时任县长王中", D(2024, 12, 10))
        assert codes(findings) == ["TIME_REF_UNCHECKED"]

    def test_a_party_post_not_in_the_register(self, register):
        findings = check("县政府党组书记、县长王中主持", D(2024, 12, 10))
        assert "PARTY_POST_UNKNOWN" in codes(findings)

    def test_shared_unit_is_expanded(self, register):
        assert check("县政协党组书记、主席王芳主持", D(2024, 12, 13)) == []

    def test_a_2022_page_calling_him_acting_stays_right(self, register):
        assert check("代县长王中", D(2022, 4, 1)) == []


class TestNormalising:
    def test_ideographic_space_inside_a_name(self, register):
        findings = check("县长李　卫东", D(2024, 12, 10))
        assert codes(findings) == ["TITLE_NOT_HELD"]
        assert findings[0].start == 0 and findings[0].end == len("县长李　卫东")

    def test_offsets_point_into_the_html(self, register):
        html = "<p>会议召开。</p><p>县长<strong>李卫东</strong>讲话。</p>"
        [finding] = check(html, D(2024, 12, 10))
        assert html[finding.start : finding.end] == "县长<strong>李卫东"
        assert finding.excerpt == "县长李卫东"

    def test_full_width_punctuation_is_folded(self):
        assert normalise("王芳，黄作盛").text == "王芳,黄作盛"

    def test_paragraphs_do_not_run_together(self):
        assert normalise("<p>参加</p><p>县委</p>").text == "\n参加\n\n县委\n"


class TestOrder:
    def test_list_out_of_protocol_order(self, register):
        findings = check("县委副书记黄作盛,县政协主席王芳参加", D(2024, 12, 10))
        assert codes(findings) == ["ORDER"]
        assert "王芳 应在 黄作盛 之前" in findings[0].message

    def test_function_clauses_are_never_compared(self, register):
        text = "县委副书记、县长王中主持。县委书记李卫东出席并讲话。"
        assert "ORDER" not in codes(check(text, D(2024, 12, 10)))

    def test_host_body_moves_its_head_up(self, register):
        text = "县人大常委会主任李先斌,县委书记李卫东出席"
        assert codes(check(text, D(2024, 12, 10))) == ["ORDER"]
        assert check(text, D(2024, 12, 10), host_body="congress") == []


class TestExpressions:
    def test_country_name_misspelt(self, db):
        findings = check("中华人民共合国成立", D(2024, 12, 10))
        assert codes(findings) == ["EXPR"]
        assert findings[0].severity == "E"
        assert findings[0].suggestion == "中华人民共和国"

    def test_cut_off_before_a_date_but_not_a_deadline(self, db):
        assert codes(check("截止2024年底,全县", D(2024, 12, 10))) == ["EXPR"]
        assert check("报名截止日期为12月1日", D(2024, 12, 10)) == []

    def test_reform_word_order(self, db):
        [finding] = check("全面进一步深化改革", D(2024, 12, 10))
        assert (finding.code, finding.severity) == ("EXPR", "E")

    def test_expressions_are_checked_inside_book_titles(self, db):
        assert codes(check("《中华人民共合国宪法》", D(2024, 12, 10))) == ["EXPR"]

    def test_a_plenary_session_named_before_it_was_held(self, db):
        findings = check("学习二十届三中全会精神", D(2024, 5, 1))
        assert codes(findings) == ["EXPR_ANACHRONISM"]
        assert check("学习二十届三中全会精神", D(2024, 12, 1)) == []

    def test_doubled_unit(self, db):
        findings = check("巫溪县县委书记李卫东", D(2024, 12, 10))
        assert "UNIT_DOUBLED" in codes(findings)
        assert findings[0].suggestion == "巫溪县委"


def test_a_deputy_title_the_register_lacks_is_not_read_as_the_head(register):
    assert check("县委常委、副县长车延超参加调研", D(2024, 12, 10)) == []


def test_a_near_miss_before_a_verb_of_movement(register):
    findings = check("县委副书记、县长王忠来到大河乡", D(2024, 12, 12))
    assert [(f.code, f.suggestion) for f in findings] == [
        ("NAME_NEAR_MISS", "县委副书记、县长王中")
    ]


def test_a_registered_name_before_any_word_is_read(register):
    assert check("县委书记李卫东来到凤凰镇", D(2024, 12, 12)) == []


def test_a_title_without_a_name_is_not_checked(register):
    assert check("李卫东主持召开2024年县委书记办公会第13次会议", D(2024, 12, 11)) == []


def test_names_sharing_one_title(register):
    findings = check("县委副书记黄作盛、李卫东参加", D(2024, 12, 10))
    assert sorted(f.code for f in findings) == ["ORDER", "TITLE_NOT_HELD"]
    [not_held] = [f for f in findings if f.code == "TITLE_NOT_HELD"]
    assert "李卫东不是县委副书记" in not_held.message
