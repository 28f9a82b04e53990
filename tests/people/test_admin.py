import datetime

import pytest
from django.urls import reverse

from people.models import Appointment
from tests.admin_forms import admin_form_data
from tests.factories import make_appointment, make_person, make_position, make_user

pytestmark = pytest.mark.django_db


def change_url(person):
    return reverse("admin:people_person_change", args=[person.pk])


def row(n: int, position, started_on: str, ended_on: str = "") -> dict:
    return {
        f"appointments-{n}-position": str(position.pk),
        f"appointments-{n}-started_on": started_on,
        f"appointments-{n}-ended_on": ended_on,
    }


@pytest.fixture
def editor_client(client):
    client.force_login(make_user(roles=["编辑"]))
    return client


def test_an_appointment_overlapping_a_stored_one_is_refused(editor_client):
    position = make_position(title="县长")
    person = make_person(name="陈钢")
    make_appointment(
        person=person, position=position, started_on=datetime.date(2021, 1, 1)
    )
    data = admin_form_data(editor_client.get(change_url(person)))
    data |= row(1, position, "2023-05-01")
    data["appointments-TOTAL_FORMS"] = "2"
    response = editor_client.post(change_url(person), data)
    assert response.status_code == 200
    assert "任职时间不能重叠" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_two_overlapping_rows_in_one_submission_are_refused(editor_client):
    position = make_position(title="县委书记")
    person = make_person()
    data = admin_form_data(editor_client.get(change_url(person)))
    data |= row(0, position, "2020-01-01", "2022-12-31")
    data |= row(1, position, "2022-06-01")
    data["appointments-TOTAL_FORMS"] = "2"
    response = editor_client.post(change_url(person), data)
    assert response.status_code == 200
    assert "任职时间不能重叠" in response.content.decode()
    assert not Appointment.objects.exists()


def test_consecutive_rows_in_one_submission_are_accepted(editor_client):
    position = make_position()
    person = make_person()
    data = admin_form_data(editor_client.get(change_url(person)))
    data |= row(0, position, "2020-01-01", "2022-05-31")
    data |= row(1, position, "2022-06-01")
    data["appointments-TOTAL_FORMS"] = "2"
    assert editor_client.post(change_url(person), data).status_code == 302
    assert Appointment.objects.count() == 2


def test_an_appointment_ending_before_it_starts_is_refused(editor_client):
    position = make_position()
    person = make_person()
    data = admin_form_data(editor_client.get(change_url(person)))
    data |= row(0, position, "2024-01-01", "2023-01-01")
    response = editor_client.post(change_url(person), data)
    assert "离任日期不能早于任职日期" in response.content.decode()
    assert not Appointment.objects.exists()


def test_person_page_shows_titles_now_and_on_a_chosen_day(editor_client):
    person = make_person(name="林永")
    make_appointment(
        person=person,
        position=make_position(title="副县长", rank=40),
        started_on=datetime.date(2020, 1, 1),
        ended_on=datetime.date(2023, 12, 31),
    )
    make_appointment(
        person=person,
        position=make_position(title="县长", rank=20),
        started_on=datetime.date(2024, 1, 1),
    )
    page = editor_client.get(change_url(person)).content.decode()
    assert "现任职务:<strong>县长</strong>" in page
    page = editor_client.get(change_url(person), {"day": "2022-06-01"}).content.decode()
    assert "2022-06-01 的职务:<strong>副县长</strong>" in page


def test_people_autocomplete_for_linking_officials_to_articles(editor_client):
    make_person(name="夏朝华")
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "夏朝",
            "app_label": "articles",
            "model_name": "article",
            "field_name": "officials",
        },
    )
    assert [r["text"] for r in response.json()["results"]] == ["夏朝华"]


def test_saving_a_person_keeps_a_revision_with_the_appointments(editor_client):
    from reversion.models import Version

    position = make_position()
    person = make_person()
    data = admin_form_data(editor_client.get(change_url(person)))
    data |= row(0, position, "2020-01-01")
    editor_client.post(change_url(person), data)
    version = Version.objects.get_for_object(person).get()
    appointment = Appointment.objects.get()
    assert (
        Version.objects.get_for_object(appointment).get().revision == version.revision
    )


def test_reporter_cannot_change_the_register(client):
    person = make_person(name="原名")
    client.force_login(make_user(roles=["记者"]))
    response = client.post(change_url(person), {"name": "改名"})
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.name == "原名"


def test_saving_an_appointment_on_its_own_keeps_a_revision(editor_client):
    from reversion.models import Version

    appointment = make_appointment(started_on=datetime.date(2020, 1, 1))
    url = reverse("admin:people_appointment_change", args=[appointment.pk])
    data = admin_form_data(editor_client.get(url), ended_on="2024-06-30")
    assert editor_client.post(url, data).status_code == 302
    version = Version.objects.get_for_object(appointment).get()
    assert version.field_dict["ended_on"] == datetime.date(2024, 6, 30)


def test_a_stale_save_of_an_official_is_refused_and_the_newer_note_kept(client):
    person = make_person(name="王中")
    url = reverse("admin:people_person_change", args=[person.pk])
    client.force_login(make_user(roles=["编辑"]))
    stale = admin_form_data(client.get(url), bio="简介。")
    fresh = admin_form_data(client.get(url), note="县长")
    assert client.post(url, fresh).status_code == 302
    response = client.post(url, stale)
    assert response.status_code == 200
    assert "保存被拒绝" in response.content.decode()
    person.refresh_from_db()
    assert (person.note, person.bio) == ("县长", "")


def test_a_person_page_opened_before_an_appointment_was_edited_cannot_save_it_back(
    client,
):
    appointment = make_appointment(started_on=datetime.date(2021, 6, 1))
    person = appointment.person
    url = reverse("admin:people_person_change", args=[person.pk])
    client.force_login(make_user(roles=["编辑"], first_name="甲"))
    stale = admin_form_data(client.get(url), note="甲的备注")
    client.force_login(make_user(roles=["编辑"], first_name="乙"))
    appointment_url = reverse("admin:people_appointment_change", args=[appointment.pk])
    edited = admin_form_data(client.get(appointment_url), ended_on="2024-06-30")
    assert client.post(appointment_url, edited).status_code == 302
    response = client.post(url, stale)  # would write the appointment back open-ended
    assert response.status_code == 200
    assert (
        "保存被拒绝" in response.content.decode()
        and "乙于" in response.content.decode()
    )
    appointment.refresh_from_db()
    assert appointment.ended_on == datetime.date(2024, 6, 30)


@pytest.mark.parametrize("kind", ["organization", "position", "appointment"])
def test_a_stale_save_in_the_register_is_refused_naming_who_saved(client, kind):
    appointment = make_appointment(started_on=datetime.date(2021, 6, 1))
    obj, field, values = {
        "organization": (
            appointment.position.organization,
            "name",
            ("甲机构", "乙机构"),
        ),
        "position": (appointment.position, "title", ("甲职务", "乙职务")),
        "appointment": (appointment, "started_on", ("2021-06-02", "2021-06-03")),
    }[kind]
    url = reverse(f"admin:people_{kind}_change", args=[obj.pk])
    client.force_login(make_user(roles=["编辑"], first_name="甲"))
    stale = admin_form_data(client.get(url), **{field: values[0]})
    client.force_login(make_user(roles=["编辑"], first_name="乙"))
    assert client.post(url, admin_form_data(client.get(url), **{field: values[1]}))[
        "Location"
    ]
    response = client.post(url, stale)
    assert response.status_code == 200
    html = response.content.decode()
    assert "保存被拒绝" in html and "乙于" in html
    obj.refresh_from_db()
    assert str(getattr(obj, field)) == values[1]
