"""Staff in newsroom roles have a real name, written 姓+名, printed on pages."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.services import approve_article, submit_article
from tests.admin_forms import with_overrides
from tests.factories import make_article, make_user
from wuxi_news.staff import EDITORIAL_GROUPS, display_name

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(make_user(roles=(), superuser=True, first_name="张伟"))
    return client


def change_data(user, **overrides) -> dict:
    """What the user change form posts, unchanged but for `overrides`."""
    joined = timezone.localtime(user.date_joined)
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "email": user.email,
        "is_active": "on",
        "is_staff": "on",
        "groups": [str(g.pk) for g in user.groups.all()],
        "date_joined_0": joined.date().isoformat(),
        "date_joined_1": joined.time().strftime("%H:%M:%S"),
    }
    return with_overrides(data, overrides)


def group(name: str) -> Group:
    make_user(roles=(name,))  # makes the group with its permissions
    return Group.objects.get(name=name)


@pytest.mark.parametrize("role", EDITORIAL_GROUPS)
def test_a_nameless_login_cannot_be_given_a_newsroom_role(admin_client, role):
    user = make_user(roles=(), first_name="")
    url = reverse("admin:auth_user_change", args=[user.pk])
    response = admin_client.post(url, change_data(user, groups=[group(role).pk]))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "请填写姓名" in errors["first_name"][0]
    assert role in errors["first_name"][0]
    assert not user.groups.exists()


def test_a_superuser_needs_a_name_too(admin_client):
    user = make_user(roles=(), first_name="")
    url = reverse("admin:auth_user_change", args=[user.pk])
    response = admin_client.post(url, change_data(user, is_superuser="on"))
    assert "请填写姓名" in response.context["adminform"].form.errors["first_name"][0]
    user.refresh_from_db()
    assert not user.is_superuser


def test_a_login_without_a_role_needs_no_name(admin_client):
    user = make_user(roles=(), first_name="")
    url = reverse("admin:auth_user_change", args=[user.pk])
    response = admin_client.post(url, change_data(user, email="a@example.com"))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "a@example.com"


def test_a_chinese_name_is_one_field_written_without_a_space(admin_client):
    user = make_user(roles=(), first_name="")
    url = reverse("admin:auth_user_change", args=[user.pk])
    data = change_data(user, first_name=" 吴 丹 ", groups=[group("编辑").pk])
    assert admin_client.post(url, data).status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("吴丹", "")
    assert user.get_full_name() == display_name(user) == "吴丹"
    assert list(user.groups.values_list("name", flat=True)) == ["编辑"]


def test_a_foreign_name_keeps_its_space(admin_client):
    user = make_user(roles=(), first_name="")
    url = reverse("admin:auth_user_change", args=[user.pk])
    data = change_data(user, first_name="Anna  Smith", groups=[group("记者").pk])
    assert admin_client.post(url, data).status_code == 302
    user.refresh_from_db()
    assert user.get_full_name() == "Anna Smith"


def test_a_name_kept_in_two_fields_is_shown_and_saved_surname_first(admin_client):
    user = make_user(roles=("编辑",), first_name="丹", last_name="吴")
    url = reverse("admin:auth_user_change", args=[user.pk])
    page = admin_client.get(url)
    form = page.context["adminform"].form
    assert form["first_name"].value() == "吴丹"
    assert "last_name" not in form.fields
    admin_client.post(url, change_data(user, first_name=form["first_name"].value()))
    user.refresh_from_db()
    assert user.get_full_name() == "吴丹"


def test_the_user_form_labels_the_name_field_in_chinese(admin_client):
    user = make_user(roles=("记者",), first_name="李明")
    html = admin_client.get(reverse("admin:auth_user_change", args=[user.pk])).text
    assert ">姓名:<" in html
    assert "姓氏" not in html and "名字" not in html
    changelist = admin_client.get(reverse("admin:auth_user_changelist")).text
    assert "李明" in changelist and "记者" in changelist


def test_adding_a_login_with_a_role_needs_a_name(admin_client):
    url = reverse("admin:auth_user_add")
    data = {
        "username": "newcomer",
        "usable_password": "true",
        "password1": "a-long-enough-pass-12",
        "password2": "a-long-enough-pass-12",
        "is_staff": "on",
        "groups": [group("记者").pk],
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "请填写姓名" in response.context["adminform"].form.errors["first_name"][0]
    assert not User.objects.filter(username="newcomer").exists()

    response = admin_client.post(url, data | {"first_name": "赵 磊"})
    assert response.status_code == 302
    user = User.objects.get(username="newcomer")
    assert user.get_full_name() == "赵磊"
    assert user.is_staff and list(user.groups.values_list("name", flat=True)) == [
        "记者"
    ]


def test_seed_demo_gives_every_demo_login_a_name():
    call_command("seed_demo", stdout=None)
    names = {u.username: u.get_full_name() for u in User.objects.all()}
    assert names == {
        "editor": "张伟",
        "reporter": "李明",
        "subeditor": "王芳",
        "reviewer": "陈静",
        "signoff": "刘洋",
    }


def test_seed_demo_names_demo_logins_made_before_they_had_names():
    User.objects.create_user(username="reporter", password="x-long-password-1")
    User.objects.create_superuser(username="editor", password="x-long-password-1")
    call_command("seed_demo")
    assert User.objects.get(username="reporter").get_full_name() == "李明"
    assert User.objects.get(username="editor").get_full_name() == "张伟"


def test_the_demo_review_line_prints_names_not_logins():
    call_command("seed_demo")
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    submit_article(article=article, user=User.objects.get(username="reporter"))
    for username in ("subeditor", "reviewer", "signoff"):
        approve_article(article=article, user=User.objects.get(username=username))
    article.refresh_from_db()
    assert article.review_line == "责任编辑:王芳 审核:陈静 终审:刘洋"


@pytest.mark.parametrize(
    ("remote", "forwarded", "seen"),
    [
        ("127.0.0.1", "203.0.113.9", "203.0.113.9"),  # through the site's nginx
        ("127.0.0.1", "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a forged first entry
        ("198.51.100.7", "6.6.6.6", "198.51.100.7"),  # straight in: header ignored
        ("127.0.0.1", "", "127.0.0.1"),
        # a TLS terminator before nginx, listed in TRUSTED_PROXIES
        ("127.0.0.1", "203.0.113.9, 10.0.0.5", "203.0.113.9"),
        ("127.0.0.1", "6.6.6.6, 203.0.113.9, 10.0.0.5", "203.0.113.9"),
    ],
)
def test_login_throttling_sees_the_address_nginx_saw(
    rf, settings, remote, forwarded, seen
):
    from wuxi_news.staff import client_ip

    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1", "10.0.0.5"]
    request = rf.post("/admin/login/", REMOTE_ADDR=remote)
    if forwarded:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(request) == seen
