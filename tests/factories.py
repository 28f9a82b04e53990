"""make_<model>(**overrides): rows with sensible defaults for tests."""

import datetime
import itertools

from django.utils import timezone

from articles.models import Article, ArticlePhoto, Column
from digests.models import Brief, DigestItem, WeeklyDigest
from media.models import Photo
from people.models import Appointment, Organization, Person, Position

_numbers = itertools.count(1)


def _save(instance):
    instance.full_clean()
    instance.save()
    return instance


def make_column(**overrides) -> Column:
    n = next(_numbers)
    values = {"name": f"栏目{n}", "slug": f"column-{n}"} | overrides
    return _save(Column(**values))


def make_article(**overrides) -> Article:
    values = {
        "headline": f"测试稿件{next(_numbers)}",
        "news_on": timezone.localdate(),
        "body": "<p>第一段。</p><p>第二段。</p>",
        "status": Article.Status.PUBLISHED,
        "published_at": timezone.now() - datetime.timedelta(hours=1),
    } | overrides
    if "column" not in values:
        values["column"] = make_column()
    officials = values.pop("officials", [])
    article = _save(Article(**values))
    article.officials.set(officials)
    return article


def make_photo(**overrides) -> Photo:
    values = {"caption": f"图片说明{next(_numbers)}。", "credit_role": "记者",
              "credit_name": "吴丹"} | overrides  # fmt: skip
    return _save(Photo(**values))


def place_photo(
    article: Article, photo: Photo | None = None, **overrides
) -> ArticlePhoto:
    values = {"after_paragraph": 1, "order": 0} | overrides
    return _save(ArticlePhoto(article=article, photo=photo or make_photo(), **values))


def make_organization(**overrides) -> Organization:
    values = {"name": f"机构{next(_numbers)}", "kind": "party", "rank": 10} | overrides
    return _save(Organization(**values))


def make_position(**overrides) -> Position:
    values = {"title": f"职务{next(_numbers)}", "rank": 10} | overrides
    if "organization" not in values:
        values["organization"] = make_organization()
    return _save(Position(**values))


def make_person(**overrides) -> Person:
    values = {"name": f"人员{next(_numbers)}"} | overrides
    return _save(Person(**values))


def make_appointment(**overrides) -> Appointment:
    values = {
        "started_on": timezone.localdate() - datetime.timedelta(days=365)
    } | overrides
    if "person" not in values:
        values["person"] = make_person()
    if "position" not in values:
        values["position"] = make_position()
    return _save(Appointment(**values))


def make_digest(**overrides) -> WeeklyDigest:
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    values = {
        "issued_on": monday + datetime.timedelta(days=6),
        "week_starts_on": monday,
        "week_ends_on": monday + datetime.timedelta(days=6),
        "status": WeeklyDigest.Status.PUBLISHED,
        "published_at": timezone.now() - datetime.timedelta(hours=1),
    } | overrides
    if "column" not in values:
        values["column"] = make_column()
    return _save(WeeklyDigest(**values))


def make_draft_digest(
    column, *, week_starts_on: datetime.date, **overrides
) -> WeeklyDigest:
    """An unpublished digest of the Monday-to-Sunday week starting `week_starts_on`."""
    sunday = week_starts_on + datetime.timedelta(days=6)
    values = {
        "week_ends_on": sunday,
        "issued_on": sunday,
        "status": WeeklyDigest.Status.DRAFT,
        "published_at": None,
    } | overrides
    return make_digest(column=column, week_starts_on=week_starts_on, **values)


def add_item(digest: WeeklyDigest, article: Article, **overrides) -> DigestItem:
    values = {"order": digest.items.count(), "is_lead": False} | overrides
    return _save(DigestItem(digest=digest, article=article, **values))


def make_brief(digest: WeeklyDigest, **overrides) -> Brief:
    values = {"happened_on": digest.week_starts_on, "text": "简讯内容。"} | overrides
    return _save(Brief(digest=digest, **values))


def make_user(*, roles=("编辑",), superuser=False, **overrides):
    """A staff login in the newsroom role groups named by `roles` (记者, 编辑, 审核, 终审, 导出)."""
    from importlib import import_module

    from django.contrib.auth.models import Group, Permission, User

    # Transactional tests flush the groups the migration created; bring them back.
    role_permissions = dict(
        import_module("digests.migrations.0003_editorial_groups").ROLE_PERMISSIONS
    )
    for migration, name in [
        ("0006_import_permission_for_editors", "ROLE_PERMISSIONS"),
        ("0008_editorial_check_roles", "ADDED_PERMISSIONS"),
    ]:
        added = getattr(import_module(f"digests.migrations.{migration}"), name)
        for role, codes in added.items():
            role_permissions[role] = [*role_permissions[role], *codes]
    n = next(_numbers)
    values = {
        "username": f"user{n}",
        "first_name": "测试员",  # newsroom staff sign with their real name
        "is_staff": True,
        "is_superuser": superuser,
    }
    user = User.objects.create_user(**(values | overrides), password="pw-for-tests-123")
    for role in roles:
        group, created = Group.objects.get_or_create(name=role)
        if created or not group.permissions.exists():
            for code in role_permissions[role]:
                app_label, codename = code.split(".")
                group.permissions.add(
                    Permission.objects.get(
                        content_type__app_label=app_label, codename=codename
                    )
                )
        user.groups.add(group)
    return user


def make_reference_register() -> dict[str, Person]:
    """The register of issue 13's tests: real names of the reference page, synthetic dates."""
    d = datetime.date
    party = make_organization(name="县委", kind="party", rank=10)
    congress = make_organization(name="县人大常委会", kind="congress", rank=20)
    government = make_organization(name="县政府", kind="government", rank=30)
    cppcc = make_organization(name="县政协", kind="cppcc", rank=40)
    positions = {
        "县委书记": make_position(title="县委书记", organization=party, rank=10),
        "县长": make_position(
            title="县长", organization=government, rank=20, acting_title="代县长"
        ),
        "县人大常委会主任": make_position(
            title="县人大常委会主任", organization=congress, rank=24
        ),
        "县政协党组书记": make_position(
            title="县政协党组书记", organization=cppcc, rank=25
        ),
        "县政协主席": make_position(title="县政协主席", organization=cppcc, rank=26),
        "县委副书记": make_position(title="县委副书记", organization=party, rank=30),
        "县委常委": make_position(title="县委常委", organization=party, rank=40),
        "常务副县长": make_position(
            title="常务副县长", organization=government, rank=42
        ),
    }
    terms = {
        "李卫东": [("县委书记", d(2021, 6, 1), None, False)],
        "王中": [
            ("县委副书记", d(2022, 3, 1), None, False),
            ("县长", d(2022, 3, 1), d(2022, 6, 30), True),
            ("县长", d(2022, 7, 1), None, False),
        ],
        "李先斌": [("县人大常委会主任", d(2021, 12, 20), None, False)],
        "王芳": [
            ("县政协党组书记", d(2021, 12, 22), None, False),
            ("县政协主席", d(2021, 12, 22), None, False),
        ],
        "黄作盛": [("县委副书记", d(2021, 9, 1), None, False)],
        "唐江洪": [
            ("县委常委", d(2021, 9, 1), None, False),
            ("常务副县长", d(2021, 12, 20), None, False),
        ],
    }
    people = {}
    for name, rows in terms.items():
        people[name] = person = make_person(name=name)
        for title, started_on, ended_on, is_acting in rows:
            make_appointment(
                person=person,
                position=positions[title],
                started_on=started_on,
                ended_on=ended_on,
                is_acting=is_acting,
            )
    return people
