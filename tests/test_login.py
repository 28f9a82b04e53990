"""Signing in: editors land on the workbench, whatever `next` a link carried."""

import pytest
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-123"  # tests/factories.py


@pytest.mark.parametrize(
    "rejected",
    [
        "https://evil.example/",
        "//evil.example/admin/",
        "http://testserver.evil.example/admin/",
        "javascript:alert(1)",
        ".",
        "../..",
        "%2F%2Fevil.example",
        "／／evil.example",
        "admin/",
    ],
)
def test_a_login_with_a_rejected_next_lands_on_the_workbench(client, rejected):
    user = make_user()
    login = reverse("admin:login")

    form = client.get(login, {"next": rejected})
    response = client.post(
        f"{login}?next={rejected}",
        {"username": user.username, "password": PASSWORD, "next": rejected},
    )

    assert form.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert client.get(response["Location"]).status_code == 200


def test_a_login_with_a_next_of_this_site_goes_there(client):
    user = make_user()
    target = reverse("admin:articles_article_changelist")
    response = client.post(
        reverse("admin:login"),
        {"username": user.username, "password": PASSWORD, "next": target},
    )
    assert response["Location"] == target


def test_a_page_for_signed_in_users_sends_to_the_admin_login():
    # Any view behind login_required: the admin's login, never /accounts/login/ (a 404).
    response = redirect_to_login("/digests/5/export/")
    assert response["Location"].startswith(reverse("admin:login") + "?next=")
