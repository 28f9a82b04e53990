import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from people.models import Appointment, Person, order_by_protocol
from tests.factories import (
    make_appointment,
    make_organization,
    make_person,
    make_position,
)

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def county():
    party = make_organization(name="县委", rank=10)
    government = make_organization(name="县政府", kind="government", rank=30)
    supervision = make_organization(name="县监委", kind="discipline", rank=13)
    return {
        "secretary": make_position(title="县委书记", organization=party, rank=10),
        "deputy_secretary": make_position(title="县委副书记", organization=party, rank=30),
        "standing": make_position(title="县委常委", organization=party, rank=40),
        "mayor": make_position(title="县长", organization=government, rank=20),
        "vice_mayor": make_position(title="副县长", organization=government, rank=60),
        "supervisor": make_position(
            title="县监委主任", acting_title="县监委代理主任", organization=supervision,
            rank=41,
        ),
    }  # fmt: skip


class TestTitlesOnDay:
    def test_titles_joined_in_page_order(self, county):
        person = make_person(name="王中")
        make_appointment(
            person=person, position=county["mayor"], started_on=D(2024, 1, 1)
        )
        make_appointment(
            person=person, position=county["deputy_secretary"], started_on=D(2024, 1, 1)
        )
        assert person.title_text_on(D(2024, 12, 10)) == "县委副书记、县长"

    def test_promotion_mid_year(self, county):
        person = make_person(name="张三")
        make_appointment(
            person=person, position=county["vice_mayor"],
            started_on=D(2020, 3, 1), ended_on=D(2024, 6, 30),
        )  # fmt: skip
        make_appointment(
            person=person, position=county["mayor"], started_on=D(2024, 7, 1)
        )
        make_appointment(
            person=person, position=county["standing"], started_on=D(2024, 7, 1)
        )
        assert person.title_text_on(D(2024, 6, 30)) == "副县长"
        assert person.title_text_on(D(2024, 7, 1)) == "县委常委、县长"
        assert person.title_text_on(D(2019, 1, 1)) == ""

    def test_acting_title(self, county):
        person = make_person(name="胡超")
        make_appointment(
            person=person, position=county["supervisor"], started_on=D(2024, 1, 1),
            is_acting=True,
        )  # fmt: skip
        assert person.titles_on(D(2024, 12, 12)) == ["县监委代理主任"]

    def test_acting_title_defaults_to_prefix(self, county):
        appointment = make_appointment(position=county["vice_mayor"], is_acting=True)
        assert appointment.display_title == "代理副县长"

    def test_held_on_queryset(self, county):
        kept = make_appointment(position=county["mayor"], started_on=D(2024, 1, 1))
        make_appointment(position=county["vice_mayor"], started_on=D(2025, 1, 1))
        make_appointment(
            position=county["standing"],
            started_on=D(2020, 1, 1),
            ended_on=D(2023, 1, 1),
        )
        assert list(Appointment.objects.held_on(D(2024, 12, 10))) == [kept]


class TestProtocolOrder:
    def test_order_by_highest_position_held_that_day(self, county):
        lin = make_person(name="林永")
        chen = make_person(name="陈钢")
        li = make_person(name="李卫东")
        make_appointment(
            person=lin, position=county["vice_mayor"], started_on=D(2024, 1, 1)
        )
        make_appointment(
            person=chen, position=county["standing"], started_on=D(2024, 1, 1)
        )
        make_appointment(
            person=li, position=county["secretary"], started_on=D(2024, 1, 1)
        )
        day = D(2024, 12, 11)
        expected = ["李卫东", "陈钢", "林永"]
        people = Person.objects.with_appointments()
        assert [p.name for p in order_by_protocol(people, day)] == expected
        assert [p.name for p in Person.objects.in_protocol_order(day)] == expected

    def test_rank_changes_with_promotion(self, county):
        a, b = make_person(name="甲"), make_person(name="乙")
        make_appointment(
            person=a, position=county["vice_mayor"], started_on=D(2020, 1, 1)
        )
        make_appointment(person=a, position=county["mayor"], started_on=D(2024, 7, 1))
        make_appointment(
            person=b, position=county["standing"], started_on=D(2020, 1, 1)
        )
        assert [p.name for p in Person.objects.in_protocol_order(D(2024, 1, 1))] == [
            "乙",
            "甲",
        ]
        assert [p.name for p in Person.objects.in_protocol_order(D(2024, 8, 1))] == [
            "甲",
            "乙",
        ]


class TestAppointmentRules:
    def test_overlap_is_refused(self, county):
        first = make_appointment(position=county["mayor"], started_on=D(2024, 1, 1))
        overlapping = Appointment(
            person=first.person, position=county["mayor"], started_on=D(2024, 6, 1)
        )
        with pytest.raises(ValidationError, match="任职时间不能重叠"):
            overlapping.full_clean()

    def test_consecutive_terms_are_fine(self, county):
        first = make_appointment(
            position=county["mayor"], started_on=D(2020, 1, 1), ended_on=D(2023, 12, 31)
        )
        make_appointment(
            person=first.person, position=county["mayor"], started_on=D(2024, 1, 1)
        )

    def test_end_before_start_is_refused(self, county):
        bad = Appointment(
            person=make_person(), position=county["mayor"],
            started_on=D(2024, 1, 1), ended_on=D(2023, 1, 1),
        )  # fmt: skip
        with pytest.raises(ValidationError, match="离任日期不能早于任职日期"):
            bad.full_clean()

    def test_database_enforces_end_after_start(self, county):
        with pytest.raises(IntegrityError):
            Appointment.objects.create(
                person=make_person(), position=county["mayor"],
                started_on=D(2024, 1, 1), ended_on=D(2023, 1, 1),
            )  # fmt: skip

    def test_officials_are_people_with_appointments(self, county):
        official = make_appointment(position=county["mayor"]).person
        make_person(name="邹启凡")
        assert list(Person.objects.officials()) == [official]
