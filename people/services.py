import datetime
import json
from pathlib import Path

from django.db import transaction

from .models import Appointment, Organization, Person, Position

OFFICIALS_FILE = Path(__file__).parent / "data" / "officials_2024-12.json"


@transaction.atomic
def load_officials(*, data: dict) -> dict[str, int]:
    """Create the organizations, positions, people and appointments in `data`.

    Rows are matched by their natural keys, so loading the same data twice adds nothing.
    """
    created = {"organizations": 0, "positions": 0, "people": 0, "appointments": 0}
    organizations: dict[str, Organization] = {}
    for row in data.get("organizations", []):
        parent = organizations.get(row.get("parent")) if row.get("parent") else None
        organization, was_created = Organization.objects.get_or_create(
            name=row["name"],
            defaults={"kind": row.get("kind", "department"), "rank": row.get("rank", 100),
                      "parent": parent},
        )  # fmt: skip
        organizations[organization.name] = organization
        created["organizations"] += was_created

    def organization_named(name: str) -> Organization:
        if name not in organizations:
            organizations[name] = Organization.objects.get(name=name)
        return organizations[name]

    for row in data.get("positions", []):
        position = Position(
            title=row["title"],
            organization=organization_named(row["organization"]),
            rank=row["rank"],
            acting_title=row.get("acting_title", ""),
        )
        existing = Position.objects.filter(
            title=position.title, organization=position.organization
        ).first()
        if existing is None:
            position.full_clean()
            position.save()
            created["positions"] += 1

    for row in data.get("people", []):
        person = Person.objects.filter(
            name=row["name"], note=row.get("note", "")
        ).first()
        if person is None:
            person = Person(name=row["name"], note=row.get("note", ""))
            person.full_clean()
            person.save()
            created["people"] += 1
        for item in row.get("appointments", []):
            position = Position.objects.get(
                title=item["position"],
                organization=organization_named(item["organization"]),
            )
            started_on = datetime.date.fromisoformat(item["started_on"])
            if Appointment.objects.filter(
                person=person, position=position, started_on=started_on
            ).exists():
                continue
            appointment = Appointment(
                person=person,
                position=position,
                started_on=started_on,
                ended_on=datetime.date.fromisoformat(item["ended_on"])
                if item.get("ended_on")
                else None,
                is_acting=item.get("is_acting", False),
            )
            appointment.full_clean()
            appointment.save()
            created["appointments"] += 1
    return created


def load_default_officials() -> dict[str, int]:
    """Load the officials of the reference page (December 2024)."""
    return load_officials(data=json.loads(OFFICIALS_FILE.read_text(encoding="utf-8")))
