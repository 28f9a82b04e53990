"""A database outage: a Chinese 503 page, nothing half-written, the error logged."""

import logging

import pytest
from django.contrib.auth import get_user
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import RequestFactory
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from articles.models import Article
from tests.admin_forms import admin_form_data
from tests.factories import make_article, make_column, make_user
from wuxi_news.middleware import DatabaseUnavailableMiddleware

pytestmark = pytest.mark.django_db

LOST = "server closed the connection unexpectedly"


@pytest.fixture
def database_down(monkeypatch):
    """Every query from now on fails as if PostgreSQL were restarting."""

    def fail(error=OperationalError):
        def execute(self, sql, *args, **kwargs):
            raise error(LOST)

        monkeypatch.setattr(CursorWrapper, "execute", execute)
        monkeypatch.setattr(CursorWrapper, "executemany", execute)

    return fail


@pytest.fixture
def database_down_after_writing(monkeypatch):
    """The database goes away right after `table` was written to: the next write fails."""
    execute, executemany = CursorWrapper.execute, CursorWrapper.executemany
    state = {"written": False}

    def failing(original):
        def run(self, sql, *args, **kwargs):
            verb = sql.lstrip().split(" ", 1)[0].upper()
            if verb in ("INSERT", "UPDATE", "DELETE"):
                if state["written"]:
                    raise OperationalError(LOST)
                state["written"] = state["table"] in sql
            return original(self, sql, *args, **kwargs)

        return run

    def fail(table):
        state["table"] = table
        monkeypatch.setattr(CursorWrapper, "execute", failing(execute))
        monkeypatch.setattr(CursorWrapper, "executemany", failing(executemany))
        return state

    return fail


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_public_page_during_an_outage_is_a_chinese_503(
    client, database_down, caplog, error
):
    column = make_column()
    database_down(error)
    with caplog.at_level(logging.ERROR, logger="wuxi_news.middleware"):
        response = client.get(column.get_absolute_url())
    assert response.status_code == 503
    html = response.content.decode()
    assert "暂时无法访问,请稍后再试" in html
    assert "没有保存" not in html
    assert int(response["Retry-After"]) > 0
    assert "no-store" in response["Cache-Control"]
    [record] = [r for r in caplog.records if r.name == "wuxi_news.middleware"]
    assert "Database unavailable during GET" in record.getMessage()
    assert record.exc_info[0] is error


def test_an_admin_save_during_an_outage_is_a_503_and_writes_nothing(
    client, database_down_after_writing
):
    article = make_article(
        status=Article.Status.DRAFT, headline="原标题", body="<p>原文。</p>"
    )
    client.force_login(make_user(roles=["编辑"]))
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = admin_form_data(client.get(url), headline="新标题", body="<p>新文。</p>")
    state = database_down_after_writing('"articles_article"')
    response = client.post(url, data)
    assert state["written"]  # the article row was written, then the database went away
    assert response.status_code == 503
    html = response.content.decode()
    assert "修改没有保存" in html
    assert "再提交一次" in html
    assert response["Retry-After"]
    article.refresh_from_db()
    assert (article.headline, article.body) == ("原标题", "<p>原文。</p>")


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_signed_in_editor_gets_the_503_page_when_the_database_is_down(
    client, database_down, method
):
    """The session cannot be loaded either: no middleware may ask for it again."""
    article = make_article(status=Article.Status.DRAFT, headline="原标题")
    client.force_login(make_user(roles=["编辑"]))
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = admin_form_data(client.get(url), headline="新标题")
    database_down()
    response = getattr(client, method)(url, data if method == "post" else None)
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    if method == "post":
        # Says the change was not saved, and how to get the typing back.
        assert "修改没有保存" in html and "后退" in html and "再提交一次" in html
    else:
        assert "暂时无法访问" in html


def test_the_503_page_needs_no_database(django_assert_num_queries):
    user = make_user(roles=["编辑"])
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session.save()
    request = RequestFactory().post("/admin/articles/article/1/change/")
    request.session = SessionStore(session.session_key)
    request.user = SimpleLazyObject(lambda: get_user(request))
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    with django_assert_num_queries(0):
        response = middleware.process_exception(request, OperationalError(LOST))
    assert response.status_code == 503
    assert "修改没有保存" in response.content.decode()


def test_other_errors_are_left_to_the_500_page():
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    request = RequestFactory().get("/")
    assert middleware.process_exception(request, ValueError("bug")) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("officials", ["99999999999999999999"]),
        ("placements-0-existing", "99999999999999999999"),
        ("placements-0-photographer", "99999999999999999999"),
    ],
)
def test_an_id_too_large_for_the_database_is_a_400_and_nothing_is_saved(
    client, field, value
):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    client.force_login(make_user(roles=["编辑"]))
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = admin_form_data(client.get(url), headline="不该保存的标题", **{field: value})
    response = client.post(url, data)
    assert response.status_code in (200, 400)  # a form error, or the 400 page
    if response.status_code == 400:
        assert "提交的内容有误,没有保存" in response.content.decode()
    article.refresh_from_db()
    assert article.headline != "不该保存的标题"
