"""Who may change what reaches the public, forged as each role (README: "Who may change
what after publication").

Each case builds the change form a superuser would get, edits a field readers see, and
POSTs it as one role. Refused roles get 403 and the public page is unchanged; allowed
roles save, and the change is recorded as a revision signed by them.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from reversion.models import Version

from articles.models import Article, EditLock
from tests.admin_forms import admin_form_data
from tests.factories import (
    make_appointment,
    make_article,
    make_brief,
    make_column,
    make_digest,
    make_organization,
    make_person,
    make_photo,
    make_position,
    make_user,
    place_photo,
)

pytestmark = pytest.mark.django_db

ROLES = ["记者", "编辑", "审核", "终审", "导出"]


def png_upload() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), "red").save(out, format="PNG")
    return SimpleUploadedFile("new.png", out.getvalue(), "image/png")


def forged_post(role: str, url: str, **changes):
    """The form as a superuser sees it, changed, then POSTed by a login in `role`."""
    chief = Client()
    chief.force_login(make_user(superuser=True, roles=[]))
    data = admin_form_data(chief.get(url), **changes)
    EditLock.objects.all().delete()  # the chief only looked: nobody is editing
    client = Client()
    user = make_user(roles=[role], first_name=f"{role}甲")
    client.force_login(user)
    return client.post(url, data), user


def recorded_by(obj, user) -> bool:
    return Version.objects.get_for_object(obj).filter(revision__user=user).exists()


def check(role, allowed, response, user, obj, changed: bool):
    if role in allowed:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert changed
        assert recorded_by(obj, user)
    else:
        assert response.status_code == 403
        assert not changed


def change(model_obj) -> str:
    meta = model_obj._meta
    return reverse(
        f"admin:{meta.app_label}_{meta.model_name}_change", args=[model_obj.pk]
    )


@pytest.mark.parametrize("role", ROLES)
def test_published_article_text(role, client):
    article = make_article(headline="原标题")
    response, user = forged_post(role, change(article), headline="改过的标题")
    article.refresh_from_db()
    check(role, {"终审"}, response, user, article, article.headline == "改过的标题")
    public = client.get(article.get_absolute_url()).content.decode()
    assert ("改过的标题" in public) == (role == "终审")


@pytest.mark.parametrize("role", ROLES)
def test_article_in_first_review(role):
    article = make_article(
        status=Article.Status.REVIEW,
        review_stage=Article.ReviewStage.FIRST,
        published_at=None,
    )
    response, user = forged_post(role, change(article), headline="初审时改的标题")
    article.refresh_from_db()
    changed = article.headline == "初审时改的标题"
    check(role, {"编辑", "终审"}, response, user, article, changed)


@pytest.mark.parametrize("role", ROLES)
def test_photo_of_a_published_article(role, client):
    article = make_article()
    photo = make_photo(caption="原来的图片说明。")
    place_photo(article, photo)
    response, user = forged_post(
        role, change(photo), caption="偷换的图片说明。", image=png_upload()
    )
    photo.refresh_from_db()
    changed = photo.caption == "偷换的图片说明。"
    check(role, {"终审"}, response, user, photo, changed)
    assert bool(photo.image) == changed
    public = client.get(article.get_absolute_url()).content.decode()
    assert ("偷换的图片说明" in public) == changed


@pytest.mark.parametrize("role", ROLES)
def test_photo_of_a_scheduled_article(role):
    import datetime

    from django.utils import timezone

    article = make_article(published_at=timezone.now() + datetime.timedelta(days=1))
    photo = make_photo(credit_name="吴丹")
    place_photo(article, photo)
    response, user = forged_post(role, change(photo), credit_name="冒名")
    photo.refresh_from_db()
    check(role, {"终审"}, response, user, photo, photo.credit_name == "冒名")


@pytest.mark.parametrize("role", ROLES)
def test_photo_of_a_draft_only(role):
    photo = make_photo(alt_text="原来的替代文字")
    place_photo(make_article(status=Article.Status.DRAFT, published_at=None), photo)
    response, user = forged_post(role, change(photo), alt_text="新的替代文字")
    photo.refresh_from_db()
    changed = photo.alt_text == "新的替代文字"
    check(role, {"记者", "编辑", "审核", "终审"}, response, user, photo, changed)


def test_a_reporter_cannot_change_a_published_photo_through_a_draft_that_shares_it(
    client,
):
    published = make_article(headline="已发布的稿件")
    photo = make_photo(caption="原来的图片说明。")
    place_photo(published, photo)
    draft = make_article(status=Article.Status.DRAFT, published_at=None)
    place_photo(draft, photo)
    response, _ = forged_post(
        "记者", change(draft), **{"placements-0-caption": "偷换的图片说明。"}
    )
    assert response.status_code == 200
    assert "这张图片也用于《已发布的稿件》" in response.content.decode()
    photo.refresh_from_db()
    assert photo.caption == "原来的图片说明。"
    assert "原来的图片说明" in client.get(published.get_absolute_url()).content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_column_name_and_description(role):
    column = make_column(name="巫溪要闻", description="原描述")
    response, user = forged_post(role, change(column), description="改过的描述")
    column.refresh_from_db()
    check(role, set(), response, user, column, column.description == "改过的描述")


def test_the_chief_editor_changes_a_column_and_it_is_recorded():
    column = make_column(name="巫溪要闻")
    chief = make_user(superuser=True, roles=[])
    client = Client()
    client.force_login(chief)
    data = admin_form_data(client.get(change(column)), description="新描述")
    assert client.post(change(column), data).status_code == 302
    assert recorded_by(column, chief)


@pytest.mark.parametrize("role", ROLES)
def test_official_and_appointment(role):
    appointment = make_appointment(person=make_person(name="王中"))
    person = appointment.person
    response, user = forged_post(role, change(person), name="王忠")
    person.refresh_from_db()
    check(role, {"编辑"}, response, user, person, person.name == "王忠")


@pytest.mark.parametrize("role", ROLES)
def test_position_title(role):
    position = make_position(title="县长")
    response, user = forged_post(role, change(position), title="代县长")
    position.refresh_from_db()
    check(role, {"编辑"}, response, user, position, position.title == "代县长")


@pytest.mark.parametrize("role", ROLES)
def test_published_digest_title_and_briefs(role, client):
    digest = make_digest(title="见“政”巫溪这一周")
    make_brief(digest, text="原来的简讯。")
    response, user = forged_post(
        role, change(digest), title="改过的标题", **{"briefs-0-text": "改过的简讯。"}
    )
    digest.refresh_from_db()
    changed = digest.title == "改过的标题"
    check(role, {"终审"}, response, user, digest, changed)
    assert digest.briefs.get().text == ("改过的简讯。" if changed else "原来的简讯。")


@pytest.mark.parametrize("role", ROLES)
def test_draft_digest(role):
    digest = make_digest(status="draft", published_at=None, title="草稿标题")
    response, user = forged_post(role, change(digest), title="改过的草稿标题")
    digest.refresh_from_db()
    changed = digest.title == "改过的草稿标题"
    check(role, {"编辑", "终审"}, response, user, digest, changed)


@pytest.mark.parametrize("role", ["记者", "编辑"])
def test_picking_a_library_photo_keeps_its_caption_and_credit(role, client):
    published = make_article(headline="已发布的稿件")
    photo = make_photo(caption="会议现场。", credit_role="记者", credit_name="李明")
    place_photo(published, photo)
    draft = make_article(status=Article.Status.DRAFT, published_at=None)
    response, _ = forged_post(
        role,
        change(draft),
        **{
            "placements-TOTAL_FORMS": "1",
            "placements-0-existing": str(photo.pk),
            "placements-0-after_paragraph": "1",
            "placements-0-order": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    photo.refresh_from_db()
    assert (photo.caption, photo.credit) == ("会议现场。", "记者 李明/摄")
    assert draft.placements.get().photo == photo
    public = client.get(published.get_absolute_url()).content.decode()
    assert "会议现场。" in public and "记者 李明/摄" in public


@pytest.mark.parametrize("role", ROLES)
def test_organisation_name(role):
    organization = make_organization(name="县人民政府")
    response, user = forged_post(role, change(organization), name="县政府")
    organization.refresh_from_db()
    changed = organization.name == "县政府"
    check(role, {"编辑"}, response, user, organization, changed)


@pytest.mark.parametrize("role", ROLES)
def test_appointment_dates(role):
    appointment = make_appointment()
    response, user = forged_post(role, change(appointment), is_acting="on")
    appointment.refresh_from_db()
    check(role, {"编辑"}, response, user, appointment, appointment.is_acting)
