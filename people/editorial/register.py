"""What the check knows: the register, the protocol tiers and the lexicon, read at once.

Three queries, whatever the size of the register; a patrol over many pages loads it
once and passes it to every check.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from people.models import ExpressionRule, Organization, Position, ProtocolTier

# Labels that name no office: lists of leaders start with them, nothing is checked.
GENERIC_TITLES = frozenset({"县领导", "县级领导", "市领导", "领导"})
FAR_FUTURE = datetime.date.max


@dataclass(frozen=True)
class Office:
    position_id: int
    title: str
    acting_title: str
    organization: str
    kind: str
    organization_rank: int
    rank: int

    @property
    def is_generic(self) -> bool:
        return self.title in GENERIC_TITLES

    @property
    def is_party(self) -> bool:
        return (
            self.kind in (Organization.Kind.PARTY, Organization.Kind.DISCIPLINE)
            or "党组" in self.title
            or "党委" in self.title
        )

    @property
    def is_county(self) -> bool:
        return self.kind != Organization.Kind.HIGHER and not self.title.startswith("市")


@dataclass(frozen=True)
class Term:
    appointment_id: int
    person_id: int
    name: str
    office: Office
    started_on: datetime.date
    ended_on: datetime.date | None
    is_acting: bool

    def is_held_on(self, day: datetime.date) -> bool:
        return self.started_on <= day <= (self.ended_on or FAR_FUTURE)

    @property
    def display_title(self) -> str:
        if not self.is_acting:
            return self.office.title
        return self.office.acting_title or f"代理{self.office.title}"

    def dates(self) -> str:
        end = self.ended_on.isoformat() if self.ended_on else "至今"
        return f"{self.display_title} {self.started_on.isoformat()}—{end}"


@dataclass(frozen=True)
class Lexeme:
    rule_id: int
    kind: str
    pattern: re.Pattern
    right_form: str
    severity: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    not_before: re.Pattern | None
    not_after: re.Pattern | None
    source_url: str
    note: str
    wrong_form: str


@dataclass
class Register:
    offices: dict[int, Office] = field(default_factory=dict)
    terms_by_person: dict[int, list[Term]] = field(default_factory=dict)
    terms_by_position: dict[int, list[Term]] = field(default_factory=dict)
    people_by_name: dict[str, list[int]] = field(default_factory=dict)
    # A title as written -> (office, written as acting?) pairs.
    forms: dict[str, list[tuple[Office, bool]]] = field(default_factory=dict)
    # An organisation name -> (what follows it, form) for `县政协党组书记、主席`.
    unit_suffixes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    tiers: list[tuple[str, str]] = field(default_factory=list)  # (kind, title)
    lexicon: list[Lexeme] = field(default_factory=list)
    title_pattern: re.Pattern | None = None
    name_pattern: re.Pattern | None = None

    def holders_on(self, position_id: int, day: datetime.date) -> list[Term]:
        return [
            t for t in self.terms_by_position.get(position_id, []) if t.is_held_on(day)
        ]

    def terms_on(self, person_id: int, day: datetime.date) -> list[Term]:
        return [t for t in self.terms_by_person.get(person_id, []) if t.is_held_on(day)]

    def title_text_on(self, person_id: int, day: datetime.date) -> str:
        held = sorted(
            self.terms_on(person_id, day),
            key=lambda t: (t.office.organization_rank, t.office.rank, t.started_on),
        )
        return "、".join(t.display_title for t in held)


def _acting_forms(office: Office) -> list[str]:
    forms = [f"代理{office.title}"]
    if office.acting_title:
        forms.append(office.acting_title)
    if office.title.startswith(("县", "市")):
        forms.append(f"代{office.title}")  # 代县长
    return forms


def _compile_guard(value: str, *, at_end: bool = False) -> re.Pattern | None:
    try:
        if not value:
            return None
        return re.compile(f"(?:{value})$" if at_end else value)
    except re.error:
        return None


def _lexeme(row: dict) -> Lexeme | None:
    wrong = row["wrong_form"]
    try:
        if row["is_regex"]:
            pattern = re.compile(wrong)
        else:
            pattern = re.compile(re.escape(unicodedata.normalize("NFKC", wrong)))
    except re.error:
        return None  # the model's clean() refuses these; never break a check on one
    return Lexeme(
        rule_id=row["id"],
        kind=row["kind"],
        pattern=pattern,
        right_form=row["right_form"],
        severity=row["severity"],
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
        not_before=_compile_guard(row["not_before"], at_end=True),
        not_after=_compile_guard(row["not_after"]),
        source_url=row["source_url"],
        note=row["note"],
        wrong_form=wrong,
    )


def load_register() -> Register:
    """Read the register, the tiers and the lexicon (three queries)."""
    register = Register()
    rows = Position.objects.values(
        "id", "title", "acting_title", "rank",
        "organization__name", "organization__kind", "organization__rank",
        "appointments__id", "appointments__person_id", "appointments__person__name",
        "appointments__started_on", "appointments__ended_on",
        "appointments__is_acting",
    ).order_by("id", "appointments__started_on", "appointments__id")  # fmt: skip
    for row in rows:
        office = register.offices.get(row["id"])
        if office is None:
            office = Office(
                position_id=row["id"],
                title=row["title"],
                acting_title=row["acting_title"],
                organization=row["organization__name"],
                kind=row["organization__kind"],
                organization_rank=row["organization__rank"],
                rank=row["rank"],
            )
            register.offices[office.position_id] = office
        if row["appointments__id"] is None:
            continue
        term = Term(
            appointment_id=row["appointments__id"],
            person_id=row["appointments__person_id"],
            name=row["appointments__person__name"],
            office=office,
            started_on=row["appointments__started_on"],
            ended_on=row["appointments__ended_on"],
            is_acting=row["appointments__is_acting"],
        )
        register.terms_by_person.setdefault(term.person_id, []).append(term)
        register.terms_by_position.setdefault(office.position_id, []).append(term)
        people = register.people_by_name.setdefault(term.name, [])
        if term.person_id not in people:
            people.append(term.person_id)

    for office in register.offices.values():
        written = [(office.title, False)] + [(f, True) for f in _acting_forms(office)]
        if not office.title.startswith(("县", "市")) and office.organization:
            # `县政府常务副县长`: the unit before a title that does not name it.
            written.append((office.organization + office.title, False))
        for form, is_acting in written:
            register.forms.setdefault(form, []).append((office, is_acting))
    for form, offices in register.forms.items():
        for office, _ in offices:
            unit = office.organization
            if unit and form.startswith(unit) and len(form) > len(unit):
                register.unit_suffixes.setdefault(unit, []).append(
                    (form[len(unit) :], form)
                )
    for suffixes in register.unit_suffixes.values():
        suffixes.sort(key=lambda pair: -len(pair[0]))

    register.tiers = list(
        ProtocolTier.objects.order_by("order", "pk").values_list("kind", "title")
    )
    register.lexicon = [
        lexeme
        for row in ExpressionRule.objects.active().values()
        if (lexeme := _lexeme(row)) is not None
    ]

    forms = sorted(register.forms, key=lambda f: (-len(f), f))
    # Longest first, so `常务副县长` is never read as `县长`; a 党组 post the register
    # does not know is still read, so it can be reported.
    alternatives = [re.escape(f) for f in forms] + [
        r"(?:县[\u4e00-\u9fff]{1,8}?)?党组(?:副书记|书记|成员)"
    ]
    register.title_pattern = re.compile("|".join(alternatives))
    names = sorted(register.people_by_name, key=lambda n: (-len(n), n))
    register.name_pattern = re.compile("|".join(re.escape(n) for n in names) or "(?!)")
    return register
