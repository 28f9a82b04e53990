"""Two editors saving the same item at the same instant: one save wins, the other is
refused naming who saved first, and nothing is lost silently.

Each test opens the change page as two editors, then posts both forms from two
threads released together by a barrier. Each save is slowed between its stale check
and its write, so that without a row lock both checks would pass before either
write (the lost update this guards against) every time, not now and then.
"""

import datetime
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.editing import LOCK_TTL
from articles.models import Article, EditLock
from digests.models import WeeklyDigest
from media.models import Photo
from people.models import Person
from tests.admin_forms import admin_form_data
from tests.factories import (
    add_item,
    make_article,
    make_column,
    make_draft_digest,
    make_person,
    make_photo,
    make_user,
    place_photo,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="the in-memory SQLite test database shares one cache between threads "
        "and fails a waiting writer at once (table locked); on a SQLite file, as in "
        "the demo, BEGIN IMMEDIATE makes it wait. Row locks are tested on PostgreSQL "
        "(CI runs the suite there too).",
    ),
]

# Long enough for the other thread to reach its stale check meanwhile.
SAVE_DELAY = 0.5


@pytest.fixture
def slow_saves(monkeypatch):
    """Make `model.save` wait before writing (after the form's checks)."""

    def slow(model):
        original = model.save

        def save(self, *args, **kwargs):
            time.sleep(SAVE_DELAY)
            return original(self, *args, **kwargs)

        monkeypatch.setattr(model, "save", save)

    return slow


def editors():
    return (
        make_user(roles=["编辑"], first_name="甲"),
        make_user(roles=["编辑"], first_name="乙"),
    )


def lapse_locks():
    """Both pages were left open long enough for their edit locks to lapse."""
    EditLock.objects.update(seen_at=timezone.now() - LOCK_TTL - datetime.timedelta(1))


def post_together(url, posts):
    """POST each (user, data) to `url` (or to the url given with them as a third
    item) from its own thread, all at the same instant."""
    barrier = threading.Barrier(len(posts))
    responses, errors = [None] * len(posts), []

    def run(index, user, data, target=url):
        client = Client()
        client.force_login(user)
        try:
            barrier.wait(timeout=10)
            responses[index] = client.post(target, data)
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(i, *post)) for i, post in enumerate(posts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return responses


def page_data(user, url, **changes):
    client = Client()
    client.force_login(user)
    return admin_form_data(client.get(url), **changes)


def assert_one_saved_and_one_refused(responses, editors_, saved_value, values):
    """One 302 (saved), one 200 refusing the save and naming the one who saved."""
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 302], statuses
    winner = next(i for i, r in enumerate(responses) if r.status_code == 302)
    refused = responses[1 - winner].content.decode()
    assert "保存被拒绝" in refused
    assert f"{editors_[winner].first_name}于" in refused  # names who saved first
    # The database holds the winner's change: nobody was told "saved" and lost it.
    assert saved_value == values[winner]


def test_an_official_saved_by_two_editors_at_once_keeps_one_and_refuses_one(
    slow_saves,
):
    person = make_person(name="王中")
    url = reverse("admin:people_person_change", args=[person.pk])
    first, second = editors()
    values = ("县长", "副县长")
    posts = [
        (first, page_data(first, url, note=values[0])),
        (second, page_data(second, url, note=values[1])),
    ]
    slow_saves(Person)
    responses = post_together(url, posts)
    person.refresh_from_db()
    assert_one_saved_and_one_refused(responses, (first, second), person.note, values)


def test_a_photo_saved_by_two_editors_at_once_keeps_one_and_refuses_one(slow_saves):
    photo = make_photo(caption="原说明。")
    url = reverse("admin:media_photo_change", args=[photo.pk])
    first, second = editors()
    values = ("甲改的说明。", "乙改的说明。")
    posts = [
        (first, page_data(first, url, caption=values[0])),
        (second, page_data(second, url, caption=values[1])),
    ]
    slow_saves(Photo)
    responses = post_together(url, posts)
    photo.refresh_from_db()
    assert_one_saved_and_one_refused(responses, (first, second), photo.caption, values)


def test_an_article_saved_at_once_after_its_lock_lapsed_keeps_one(slow_saves):
    article = make_article(
        status=Article.Status.DRAFT, published_at=None, headline="原标题"
    )
    url = reverse("admin:articles_article_change", args=[article.pk])
    first, second = editors()
    values = ("甲改的标题", "乙改的标题")
    first_page = page_data(first, url, headline=values[0])
    lapse_locks()  # 甲 left the page open; 乙 opens it without taking over
    second_page = page_data(second, url, headline=values[1])
    lapse_locks()
    slow_saves(Article)
    responses = post_together(url, [(first, first_page), (second, second_page)])
    article.refresh_from_db()
    assert_one_saved_and_one_refused(
        responses, (first, second), article.headline, values
    )


def test_a_digest_saved_at_once_after_its_lock_lapsed_keeps_one(slow_saves):
    digest = make_draft_digest(
        make_column(), week_starts_on=datetime.date(2024, 12, 9), title="原标题"
    )
    url = reverse("admin:digests_weeklydigest_change", args=[digest.pk])
    first, second = editors()
    values = ("甲的标题", "乙的标题")
    first_page = page_data(first, url, title=values[0])
    lapse_locks()
    second_page = page_data(second, url, title=values[1])
    lapse_locks()
    slow_saves(WeeklyDigest)
    responses = post_together(url, [(first, first_page), (second, second_page)])
    digest.refresh_from_db()
    assert_one_saved_and_one_refused(responses, (first, second), digest.title, values)


def test_an_article_saved_while_the_library_changes_its_photo_keeps_the_caption(
    slow_saves,
):
    """The article's editor moved the photo, not its caption: their save must not
    write back the caption their page showed over the library's new one."""
    article = make_article(
        status=Article.Status.DRAFT,
        published_at=None,
        body="<p>一。</p><p>二。</p><p>三。</p>",
    )
    photo = place_photo(article, make_photo(caption="原说明。")).photo
    photo_url = reverse("admin:media_photo_change", args=[photo.pk])
    article_url = reverse("admin:articles_article_change", args=[article.pk])
    first, second = editors()
    library_page = page_data(first, photo_url, caption="图片库改的说明。")
    article_page = page_data(
        second, article_url, summary="乙写的摘要", **{"placements-0-after_paragraph": 2}
    )
    lapse_locks()
    slow_saves(Photo)
    responses = post_together(
        photo_url,
        [(first, library_page), (second, article_page, article_url)],
    )
    assert [r.status_code for r in responses] == [302, 302]
    photo.refresh_from_db()
    article.refresh_from_db()
    assert photo.caption == "图片库改的说明。"  # not put back by the article's save
    assert article.summary == "乙写的摘要"
    assert article.placements.get().after_paragraph == 2


def test_a_digest_published_while_an_editor_saves_it_loses_nothing(slow_saves):
    """Publish and save at the same instant: one goes through, the other is refused
    naming whoever went first; the publish never undoes the save, nor publishes a
    version the signer was not shown."""
    column = make_column()
    digest = make_draft_digest(
        column, week_starts_on=datetime.date(2024, 12, 9), title="原标题"
    )
    add_item(digest, make_article(column=column, news_on=datetime.date(2024, 12, 10)))
    url = reverse("admin:digests_weeklydigest_change", args=[digest.pk])
    publish_url = reverse("admin:digests_weeklydigest_publish", args=[digest.pk])
    signer = make_user(roles=["终审"], first_name="丙")
    editor = make_user(roles=["编辑"], first_name="乙")
    typed = page_data(editor, url, title="乙改的标题")
    lapse_locks()
    slow_saves(WeeklyDigest)
    shown = {"confirmed": "1", "seen_updated_at": digest.updated_at.isoformat()}
    published, saved = post_together(
        url, [(signer, shown, publish_url), (editor, typed)]
    )
    digest.refresh_from_db()
    assert published.status_code == 302
    if saved.status_code == 302:  # saved first: the publish is refused, nothing lost
        assert digest.title == "乙改的标题"
        assert digest.status == WeeklyDigest.Status.DRAFT
    else:  # published first: the save is refused, naming the signer
        assert saved.status_code == 200
        assert "丙于" in saved.content.decode()
        assert digest.title == "原标题"
        assert digest.status == WeeklyDigest.Status.PUBLISHED


def test_two_imports_creating_the_same_column_at_once_share_it(monkeypatch):
    """Both find no column 竞态栏目 and insert it; the second takes the first's."""
    from articles.models import Column
    from articles.services import ensure_column_path

    slow_save = Column.save

    def save(self, *args, **kwargs):
        time.sleep(SAVE_DELAY)
        return slow_save(self, *args, **kwargs)

    monkeypatch.setattr(Column, "save", save)
    barrier = threading.Barrier(2)
    columns, errors = [], []

    def create():
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                columns.append(ensure_column_path(names=["竞态栏目"]).pk)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(columns) == 2 and columns[0] == columns[1]
    assert Column.objects.filter(name="竞态栏目").count() == 1
