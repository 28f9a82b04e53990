"""Publishing: the public site baked to files, a pure function of the published state."""

import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.models import Article
from digests.models import WeeklyDigest
from tests import pages
from tests.factories import (
    add_item,
    make_appointment,
    make_article,
    make_column,
    make_digest,
    make_photo,
    make_user,
    place_photo,
)
from wuxi_news.publishing import files, worker
from wuxi_news.publishing.purgers import RecordingPurger
from wuxi_news.publishing.queue import QUEUE
from wuxi_news.publishing.targets import LocalTarget

pytestmark = pytest.mark.django_db

RECORDING = {"BACKEND": "wuxi_news.publishing.purgers.RecordingPurger"}


@pytest.fixture(autouse=True)
def purged(settings):
    settings.PUBLISH_PURGERS = [RECORDING]
    RecordingPurger.purged = []
    return RecordingPurger.purged


@pytest.fixture
def target(publish_root):
    return LocalTarget(publish_root)


def baked(target, path) -> bytes | None:
    return target.read(files.file_for(path))


def drain():
    done, outcome = worker.drain_once()
    return outcome


def publish_tasks():
    return DBTaskResult.objects.filter(queue_name=QUEUE)


def site_with_pages():
    """Two columns, one with three listing pages, officials, a digest with photos."""
    official = make_appointment().person
    column = make_column(name="巫溪要闻", slug="wxyw")
    articles = [
        make_article(
            column=column,
            headline=f"稿件{n}",
            news_on=datetime.date(2024, 1, 1) + datetime.timedelta(days=n),
            officials=[official] if n % 2 == 0 else [],
        )
        for n in range(45)
    ]
    place_photo(articles[-1], make_photo(caption="现场。"))
    digest = make_digest(column=column)
    add_item(digest, articles[-1], is_lead=True)
    add_item(digest, articles[-2])
    make_article(column=make_column(), headline="别的栏目")
    return {
        "column": column,
        "articles": articles,
        "digest": digest,
        "official": official,
    }


# Parity: the baked bytes are Django's


def test_bake_all_writes_every_public_url_with_the_bytes_django_answers(client, target):
    site = site_with_pages()
    done = worker.bake_all()
    assert done["pages"] > 60
    urls = [
        u.removeprefix("http://testserver") for u in pages.sitemap_locations(client)
    ]
    column = site["column"]
    listing = [column.page_url(n) for n in (1, 2, 3)]
    extra = ["/", "/sitemap.xml", "/robots.txt", "/404.html", "/maintenance.html",
             reverse("feed", kwargs={"slug": column.slug}), "/sitemap/"]  # fmt: skip
    for path in dict.fromkeys([*urls, *listing, *extra]):
        response = client.get(path)
        assert response.status_code == 200, path
        assert baked(target, path) == response.content, path
        assert response["Content-Type"] == files.content_type_for(files.file_for(path))
    assert baked(target, column.page_url(4)) is None  # no fourth page


def test_baked_pages_carry_no_token_session_or_user(client, target):
    site_with_pages()
    staff = make_user(roles=["编辑"], first_name="", last_name="", username="zhangsan")
    client.force_login(staff)
    client.get("/")  # a signed-in editor reading the site changes nothing baked
    worker.bake_all()
    for file in target.files():
        content = target.read(file)
        assert b"csrfmiddlewaretoken" not in content, file
        assert b"zhangsan" not in content and b"sessionid" not in content, file


def test_bake_all_keeps_the_previous_release_and_refuses_a_broken_one(
    target, monkeypatch
):
    site_with_pages()
    first = worker.bake_all()
    second = worker.bake_all()
    assert second["previous"] == first["release"]
    live = target.current.resolve()
    assert live.name == second["release"]
    assert (target.releases / first["release"]).is_dir()  # kept for rollback
    before = target.read("index.html")

    from wuxi_news.publishing import render

    real = render.render

    def failing(path):
        if path.startswith("/articles/"):
            raise render.BakeError(f"{path} answered 500")
        return real(path)

    monkeypatch.setattr(worker, "render", failing)
    with pytest.raises(render.BakeError):
        worker.bake_all()
    assert target.current.resolve() == live  # the live release untouched
    assert target.read("index.html") == before
    assert sorted(p.name for p in target.releases.iterdir()) == sorted(
        [first["release"], second["release"]]
    )


def test_bake_command_reports_and_reconcile_repairs_drift(target, capsys):
    site = site_with_pages()
    call_command("bake", "--all")
    assert "Baked" in capsys.readouterr().out
    call_command("bake", "--reconcile")
    assert "Drift: 0" in capsys.readouterr().out
    article = site["articles"][0]
    (target.live() / files.file_for(article.get_absolute_url())).unlink()
    (target.live() / "index.html").write_bytes(b"tampered")
    (target.live() / "articles" / "99999").mkdir()
    (target.live() / "articles" / "99999" / "index.html").write_bytes(b"stale")
    (target.live() / ".bake-k1ll3d").write_bytes(b"half a page")  # a killed write
    call_command("bake", "--reconcile")
    assert capsys.readouterr().out.startswith(
        "Drift: 4 (2 rewritten, 1 removed, 0 failed to render, "
        "1 temporary files of killed writes removed)"
    )
    assert not (target.live() / ".bake-k1ll3d").exists()
    assert baked(target, article.get_absolute_url())
    call_command("bake", "--reconcile")
    assert "Drift: 0" in capsys.readouterr().out


# The queue: the work is recorded with the change


def test_a_change_records_one_publish_task_in_its_transaction():
    with transaction.atomic():
        article = make_article(headline="新稿")
        article.headline = "新稿(改)"
        article.save()
        place_photo(article, make_photo())
    tasks = list(publish_tasks())
    assert len(tasks) == 1  # one per transaction, however many rows it changed
    assert f"articles.article:{article.pk}" in tasks[0].args_kwargs["args"][1]


def test_a_rolled_back_change_leaves_no_task_and_no_file(target):
    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        make_article(headline="不该发布")
        raise Refused
    assert not publish_tasks().exists()
    drain()
    assert not any(
        b"\xe4\xb8\x8d\xe8\xaf\xa5" in target.read(f) for f in target.files()
    )


def test_publish_edit_and_unpublish_reach_every_page_that_shows_the_article(
    client, target, purged
):
    site = site_with_pages()
    worker.bake_all()
    purged.clear()
    column, official, digest = site["column"], site["official"], site["digest"]
    article = site["articles"][-1]  # the newest: on column page 1, in the digest
    older, newer = article.neighbours()
    assert older is not None and newer is None
    article.headline = "标题改了"
    article.save()
    drain()
    for path in (
        article.get_absolute_url(),
        column.get_absolute_url(),
        official.get_absolute_url(),
        digest.get_absolute_url(),
        older.get_absolute_url(),  # its 下一篇 link
        "/",
        reverse("feed", kwargs={"slug": column.slug}),
    ):
        assert "标题改了".encode() in baked(target, path), path
        assert path in purged, path
    assert "Drift: 0" in _reconcile()

    article.status = Article.Status.DRAFT
    article.save()
    purged.clear()
    drain()
    assert baked(target, article.get_absolute_url()) is None
    assert article.get_absolute_url() in purged
    for path in (column.get_absolute_url(), "/", digest.get_absolute_url()):
        assert "标题改了".encode() not in baked(target, path), path
    feed = baked(target, reverse("feed", kwargs={"slug": column.slug}))
    assert article.get_absolute_url().encode() not in feed
    sitemap = b"".join(baked(target, p) for p in _sitemap_sections(target))
    assert article.get_absolute_url().encode() not in sitemap
    assert "Drift: 0" in _reconcile()


def _sitemap_sections(target):
    return ["/" + f for f in target.files() if f.startswith("sitemap-")]


def _reconcile() -> str:
    done = worker.reconcile()
    return f"Drift: {done['drift']}"


def test_unpublishing_through_the_bulk_admin_action_deletes_the_files(client, target):
    site = site_with_pages()
    worker.bake_all()
    chosen = site["articles"][:2]
    client.force_login(make_user(roles=["终审"]))
    response = client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "unpublish_selected", "_selected_action": [a.pk for a in chosen]},
    )
    assert response.status_code == 302
    drain()
    for article in chosen:
        assert baked(target, article.get_absolute_url()) is None
    assert "Drift: 0" in _reconcile()


def test_moving_an_article_to_another_column_date_or_official_updates_old_pages(target):
    site = site_with_pages()
    worker.bake_all()
    article = site["articles"][-1]
    old_column, old_official = site["column"], site["official"]
    old_neighbour = article.neighbours()[0]
    new_official = make_appointment().person
    elsewhere = make_column(name="部门动态", slug="bmdt")
    with transaction.atomic():  # as the admin saves: the row, then its officials
        article.column = elsewhere
        article.news_on = datetime.date(2023, 6, 1)
        article.save()
        article.officials.set([new_official])
    drain()
    headline = article.headline.encode()
    assert headline not in baked(target, old_column.get_absolute_url())
    assert headline in baked(target, elsewhere.get_absolute_url())
    assert headline not in baked(target, old_official.get_absolute_url())
    assert headline in baked(target, new_official.get_absolute_url())
    assert headline not in baked(target, old_neighbour.get_absolute_url())
    assert "Drift: 0" in _reconcile()


@pytest.mark.parametrize(
    "edit",
    ["photo caption", "unpublish digest", "delete brief", "official name", "title",
     "column name"],
)  # fmt: skip
def test_edits_to_related_content_are_baked(target, edit):
    person = make_appointment().person
    article = make_article(officials=[person])
    photo = make_photo(caption="旧说明。")
    place_photo(article, photo)
    digest = make_digest(column=article.column)
    add_item(digest, article, is_lead=True)
    brief = digest.briefs.create(happened_on=digest.week_starts_on, text="旧简讯。")
    worker.bake_all()
    urls = [
        digest.get_absolute_url(),
        article.get_absolute_url(),
        person.get_absolute_url(),
    ]
    before = [baked(target, url) for url in urls]
    if edit == "photo caption":
        photo.caption = "新说明。"
        photo.save()
    elif edit == "unpublish digest":
        digest.status = WeeklyDigest.Status.DRAFT
        digest.save()
    elif edit == "delete brief":
        brief.delete()
    elif edit == "official name":
        person.name = "新名字"
        person.save()
    elif edit == "title":
        appointment = person.appointments.first()
        appointment.position.title = "新职务"
        appointment.position.save()
    elif edit == "column name":
        article.column.name = "新栏目名"
        article.column.save()
    drain()
    after = [baked(target, url) for url in urls]
    assert before != after
    assert "Drift: 0" in _reconcile()


def test_two_edits_50_ms_apart_end_in_the_second_state(target):
    article = make_article(headline="第一版")
    worker.bake_all()
    article.headline = "第二版"
    article.save()
    article.headline = "第三版"
    article.save()
    drain()
    assert "第三版".encode() in baked(target, article.get_absolute_url())


def test_a_worker_killed_after_the_commit_bakes_the_job_on_restart(target):
    article = make_article(headline="崩溃前提交")
    claimed = worker._claim("dead-worker")  # claimed, then the process died
    assert claimed and all(t.status == "RUNNING" for t in claimed)
    assert baked(target, article.get_absolute_url()) is None
    drain()  # the next worker takes the orphaned task
    assert "崩溃前提交".encode() in baked(target, article.get_absolute_url())
    assert not publish_tasks().exclude(status="SUCCESSFUL").exists()


def test_scheduled_articles_are_baked_when_their_time_comes(target):
    soon = timezone.now() + datetime.timedelta(minutes=5)
    article = make_article(headline="定时发布", published_at=soon)
    drain()
    assert baked(target, article.get_absolute_url()) is None
    scheduled = publish_tasks().filter(status="READY")
    assert [t.run_after for t in scheduled] == [soon]
    # The time comes (moved here rather than waited for).
    Article.objects.filter(pk=article.pk).update(
        published_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    scheduled.update(run_after=timezone.now())
    drain()
    assert "定时发布".encode() in baked(target, article.get_absolute_url())


def test_an_appointment_ending_later_is_scheduled_for_its_day():
    appointment = make_appointment()
    appointment.ended_on = timezone.localdate() + datetime.timedelta(days=3)
    appointment.save()
    moments = {t.run_after for t in publish_tasks().filter(status="READY")}
    midnight = timezone.make_aware(
        datetime.datetime.combine(
            appointment.ended_on + datetime.timedelta(days=1), datetime.time.min
        )
    )
    assert midnight in moments


# One baker


def test_never_two_bakers(settings):
    held, release = threading.Event(), threading.Event()

    def first():
        with worker.baker_lock():
            held.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert held.wait(10)
    try:
        with pytest.raises(worker.BakerBusy), worker.baker_lock(wait=False):
            pass
    finally:
        release.set()
        thread.join()
    with worker.baker_lock(wait=False):  # free again
        pass


def test_a_second_publishworker_waits_for_the_first_and_takes_over(settings, tmp_path):
    settings.PUBLISH_LOCK_FILE = tmp_path / "publish.lock"
    first, second = worker.WorkerLock(), worker.WorkerLock()
    try:
        assert first.try_acquire() and first.is_held()
        assert not second.try_acquire()  # waits while the first runs
        taken, held = threading.Event(), []

        def wait_then_take():  # a lock's connection belongs to its thread
            second.acquire()
            held.append(second.is_held())
            second.release()
            taken.set()

        thread = threading.Thread(target=wait_then_take, daemon=True)
        thread.start()
        assert not taken.wait(1.5)
        first.release()  # the first worker stops (or dies)
        assert taken.wait(10)
        assert held == [True]
        thread.join(5)
    finally:
        first.release()
        second.release()


# Purgers


def test_a_failing_purger_is_retried_with_backoff_and_shown_in_the_admin(
    settings, client
):
    from wuxi_news.models import PurgeRetry
    from wuxi_news.publishing import purgers

    settings.PUBLISH_PURGERS = [{**RECORDING, "OPTIONS": {"fail": True}}]
    article = make_article()
    drain()
    retry = PurgeRetry.objects.get(path=article.get_absolute_url())
    assert retry.attempts == 1 and "refused" in retry.last_error
    first_wait = retry.next_attempt_at - timezone.now()
    PurgeRetry.objects.update(next_attempt_at=timezone.now())
    purgers.retry_due()
    retry.refresh_from_db()
    assert retry.attempts == 2
    assert retry.next_attempt_at - timezone.now() > first_wait  # waits longer
    client.force_login(make_user(superuser=True))
    page = client.get(reverse("admin:wuxi_news_purgeretry_changelist"))
    assert article.get_absolute_url() in page.content.decode()
    settings.PUBLISH_PURGERS = [RECORDING]  # the CDN is back
    PurgeRetry.objects.update(next_attempt_at=timezone.now())
    assert purgers.retry_due() >= 1
    assert not PurgeRetry.objects.filter(path=article.get_absolute_url()).exists()
    assert article.get_absolute_url() in RecordingPurger.purged


def test_purgers_are_told_after_the_file_is_written(settings, target, monkeypatch):
    seen = []

    def purge(self, path):
        seen.append((path, connection.in_atomic_block, baked(target, path)))

    monkeypatch.setattr(RecordingPurger, "purge", purge)
    article = make_article(headline="先写后刷")
    drain()
    mine = [s for s in seen if s[0] == article.get_absolute_url()]
    assert mine and mine[0][2] is not None  # the file was there when told


def test_a_new_article_rewrites_only_the_last_sitemap_section(target, monkeypatch):
    from wuxi_news.sitemaps import ArticleSitemap

    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    for _ in range(5):
        make_article()
    worker.bake_all()
    newest = make_article(headline="最新")
    outcome = drain()
    sections = [p for p in outcome.written if p.startswith("/sitemap-articles-")]
    assert sections == ["/sitemap-articles-3.xml"]
    assert newest.get_absolute_url().encode() in baked(target, sections[0])
    assert "Drift: 0" in _reconcile()


def test_a_column_given_a_new_address_leaves_no_page_at_the_old_one(target):
    site = site_with_pages()
    worker.bake_all()
    column = site["column"]
    old = [
        column.get_absolute_url(),
        column.page_url(2),
        f"/column/{column.slug}/rss.xml",
    ]
    column.slug = "news"
    column.save()
    drain()
    for path in old:
        assert baked(target, path) is None, path
    assert baked(target, "/column/news/page/3/")
    assert "Drift: 0" in _reconcile()


def test_finished_publish_tasks_are_forgotten_after_two_weeks():
    make_article()
    drain()
    assert publish_tasks().successful().count() == 1
    assert worker.prune_done_tasks() == 0
    later = timezone.now() + datetime.timedelta(days=15)
    assert worker.prune_done_tasks(now=later) == 1
    assert not publish_tasks().exists()


def test_a_transaction_never_adds_to_a_task_already_baked():
    """A decorated service reuses its Atomic for every call: a task remembered from an
    earlier call (already baked) must not swallow this call's work."""
    from wuxi_news.publishing.queue import publish_changes, record

    earlier = publish_changes.enqueue([], ["articles.article:1"])
    DBTaskResult.objects.filter(pk=earlier.id).update(status="SUCCESSFUL")
    outermost = connection.atomic_blocks[0]
    outermost._publish_job = {"id": earlier.id, "paths": set(), "objects": set()}
    try:
        record(objects={"articles.article:2"})
    finally:
        vars(outermost).pop("_publish_job", None)
    waiting = publish_tasks().filter(status="READY")
    assert [t.args_kwargs["args"][1] for t in waiting] == [["articles.article:2"]]


def test_the_previous_release_is_kept_whatever_the_root_looks_like(
    tmp_path, monkeypatch
):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    monkeypatch.chdir(tmp_path)
    for root in ["link", "relative-site"]:
        target = LocalTarget(root)
        first = target.new_release()
        target.swap(first)
        second = target.new_release()
        target.swap(second)
        assert first.is_dir() and second.is_dir(), root
        third = target.new_release()
        target.swap(third)
        assert not first.exists() and second.is_dir(), root


def test_an_official_whose_last_appointment_is_deleted_loses_their_page(target):
    appointment = make_appointment()
    person = appointment.person
    worker.bake_all()
    assert baked(target, person.get_absolute_url())
    appointment.delete()
    drain()
    assert baked(target, person.get_absolute_url()) is None
    assert "Drift: 0" in _reconcile()


def test_restoring_a_version_from_history_is_baked(target):
    import reversion
    from reversion.models import Version

    old_column, new_column = make_column(slug="old"), make_column(slug="new")
    with reversion.create_revision():
        article = make_article(column=old_column, headline="搬来搬去")
    worker.bake_all()
    article.column = new_column
    article.save()
    drain()
    assert "搬来搬去".encode() in baked(target, new_column.get_absolute_url())
    Version.objects.get_for_object(article).first().revision.revert()
    drain()
    assert "搬来搬去".encode() in baked(target, old_column.get_absolute_url())
    # Empty again, the new column is not public (wuxi_news/columns.py): no page.
    assert baked(target, new_column.get_absolute_url()) is None
    assert "Drift: 0" in _reconcile()


def test_an_empty_feed_is_the_same_bytes_each_time(client):
    import time

    column = make_column()
    url = reverse("feed", kwargs={"slug": column.slug})
    first = client.get(url).content
    time.sleep(1.1)  # a second: lastBuildDate would have moved
    assert client.get(url).content == first


def test_one_bad_path_never_holds_up_the_rest_of_a_batch(target):
    from wuxi_news.publishing.queue import record

    record(paths={"/no-extension", "/articles/../x/"})
    article = make_article(headline="照常发布")
    outcome = drain()
    assert "照常发布".encode() in baked(target, article.get_absolute_url())
    assert outcome.failed == {}
    assert not publish_tasks().filter(status="READY").exists()  # nothing to retry


def test_a_page_unpublished_during_a_full_rebuild_is_left_out(target, monkeypatch):
    from wuxi_news.publishing import inventory

    article, gone = make_article(), make_article(headline="重建时撤下")
    real = inventory.all_paths

    def listing_then_unpublishing():
        paths = real()
        Article.objects.filter(pk=gone.pk).update(status=Article.Status.DRAFT)
        return paths

    monkeypatch.setattr(inventory, "all_paths", listing_then_unpublishing)
    done = worker.bake_all()
    assert baked(target, article.get_absolute_url())
    assert baked(target, gone.get_absolute_url()) is None
    assert done["pages"] == len(list(target.files()))


def test_the_pages_of_what_nginx_refuses_are_chinese_pages_of_the_site(client):
    for status, words in {
        400: "请求有误",
        413: "太大",
        414: "网址太长",
        431: "Cookie",
    }.items():
        response = client.get("/" + files.REFUSED[status])
        assert response.status_code == 200
        assert response["Content-Type"] == "text/html; charset=utf-8"
        page = response.content.decode()
        assert words in page and 'lang="zh-CN"' in page, status


def test_the_pages_of_what_nginx_refuses_are_baked_and_required(target, monkeypatch):
    import dataclasses

    make_article()
    worker.bake_all()
    for file in files.REFUSED.values():
        assert b"<!DOCTYPE html>" in target.read(file), file
    assert "Drift: 0" in _reconcile()
    live = target.current.resolve()

    real = worker.render

    def empty_414(path):
        page = real(path)
        return dataclasses.replace(page, content=b"") if path == "/414.html" else page

    monkeypatch.setattr(worker, "render", empty_414)
    with pytest.raises(worker.VerifyError, match="414.html"):
        worker.bake_all()  # nginx would answer a long URL with an empty page
    assert target.current.resolve() == live
