"""Record what a change touches, in the transaction of the change.

A save or delete of public content enqueues a `publish_changes` task through
django-tasks' database backend (django-tasks-db): the task's row is written by the same
connection, inside the editor's transaction, so it commits with the change or rolls back
with it — no change is left unbaked and no rolled-back change is baked. One task per
transaction: later changes in the same transaction add to its row.

The task carries the pages of the old state (worked out here, before the change, while
the database still holds it) and the changed objects, whose pages of the new state the
worker works out when it bakes. `publishworker` drains the queue (worker.py).

Scheduled go-live is a task with `run_after`: the worker bakes it when its time comes.
"""

import datetime
import logging

from django.db import transaction
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_save,
    pre_delete,
    pre_save,
)
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)

QUEUE = "publish"
ALL = "*"  # an object key meaning: every page (a column's name is on all of them)


@task(backend=QUEUE, queue_name=QUEUE)
def publish_changes(paths: list[str], objects: list[str]) -> None:
    """Bake the pages a change touched. `publishworker` runs these, many at once."""
    from .worker import bake_changes

    bake_changes(set(paths), set(objects))


def _key(instance) -> str:
    return f"{instance._meta.label_lower}:{instance.pk}"


def _job_of_transaction(connection):
    """The task row this transaction writes to, if it has one yet."""
    if not connection.in_atomic_block:
        return None
    return getattr(connection.atomic_blocks[0], "_publish_job", None)


def record(*, paths=(), objects=(), run_after: datetime.datetime | None = None) -> None:
    """Add `paths` and `objects` to this transaction's publish task (or a new one)."""
    from django_tasks_db.models import DBTaskResult

    paths, objects = set(paths), set(objects)
    if not (paths or objects) or not publishing():
        return
    connection = transaction.get_connection()
    if run_after is None:
        job = _job_of_transaction(connection)
        if job is not None:
            job["paths"] |= paths
            job["objects"] |= objects
            # Still waiting (it always is in production, where no worker sees it
            # before the commit; a test's transaction is another matter).
            waiting = DBTaskResult.objects.filter(pk=job["id"], status="READY")
            updated = waiting.update(
                args_kwargs={
                    "args": [sorted(job["paths"]), sorted(job["objects"])],
                    "kwargs": {},
                }
            )
            if updated:
                return
            # Written in a savepoint that was rolled back: write it again.
    scheduled = (
        publish_changes.using(run_after=run_after) if run_after else publish_changes
    )
    result = scheduled.enqueue(sorted(paths), sorted(objects))
    if run_after is None and connection.in_atomic_block:
        outermost = connection.atomic_blocks[0]
        outermost._publish_job = {"id": result.id, "paths": paths, "objects": objects}
        # A decorated function reuses its Atomic for every call: forget the task once
        # this transaction is over (after a rollback, the update above finds no row).
        transaction.on_commit(lambda: vars(outermost).pop("_publish_job", None))


# What each model's change touches. Old state: pages found before the change.


def _old_paths(sender, instance) -> set[str]:
    from . import inventory

    label = sender._meta.label_lower
    if label == "articles.article":
        return inventory.article_paths(instance)
    if label == "digests.weeklydigest":
        return inventory.digest_paths(instance)
    if label == "people.person":
        return inventory.person_related_paths(instance)
    if label == "articles.column":  # a new slug: the old address's pages go
        return set(inventory.column_paths(instance))
    if label == "people.appointment":  # their last title gone: their page goes
        return inventory.person_related_paths(instance.person)
    return set()


def _objects(sender, instance) -> set[str]:
    """The objects whose pages of the new state the worker bakes."""
    label = sender._meta.label_lower
    if label in ("articles.article", "digests.weeklydigest", "people.person"):
        return {_key(instance)}
    if label == "articles.articlephoto":
        return {f"articles.article:{instance.article_id}"}
    if label == "media.photo":
        return {_key(instance)}
    if label in ("digests.digestitem", "digests.brief"):
        keys = {f"digests.weeklydigest:{instance.digest_id}"}
        if getattr(instance, "article_id", None):
            keys.add(f"articles.article:{instance.article_id}")
        return keys
    if label == "people.appointment":
        return {f"people.person:{instance.person_id}"}
    if label == "people.position":
        return {f"people.position:{instance.pk}"}
    if label == "people.organization":
        return {f"people.organization:{instance.pk}"}
    if label == "articles.column":
        return {ALL}
    return set()


# Raw saves count too: django-reversion restores a version with them.


def publishing() -> bool:
    """Whether changes queue publish tasks (off in `make demo`): else the pages of the
    old state are not worth their queries."""
    from django.conf import settings

    return settings.PUBLISH_QUEUE


def before_save(sender, instance, raw=False, **kwargs):
    if instance.pk is None or not publishing():
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    if old is not None:
        record(paths=_old_paths(sender, old), objects=_objects(sender, old))


def after_save(sender, instance, raw=False, **kwargs):
    record(objects=_objects(sender, instance))
    schedule(sender, instance)


def before_delete(sender, instance, **kwargs):
    if not publishing():
        return
    record(paths=_old_paths(sender, instance), objects=_objects(sender, instance))


def after_delete(sender, instance, **kwargs):
    # The object is gone: its pages of the new state are those of the objects it hung
    # on (an item's digest, a placement's article), found by key.
    record(objects=_objects(sender, instance) - {_key(instance)})


def officials_changed(sender, instance, action, pk_set=None, reverse=False, **kwargs):
    """An article's officials: the pages of those it no longer names, and its own."""
    from people.models import Person

    from . import inventory

    if not publishing():
        return
    if action in ("pre_remove", "pre_clear"):
        if reverse:  # person.articles.remove(...)
            record(paths=inventory.person_related_paths(instance))
            return
        people = Person.objects.officials().filter(articles=instance)
        if pk_set:
            people = people.filter(pk__in=pk_set)
        paths = set()
        for person in people:
            paths |= set(inventory.person_paths(person, is_official=True))
        record(paths=paths, objects={_key(instance)})
    elif action in ("post_add", "post_remove", "post_clear"):
        if reverse:
            record(objects={_key(instance)})
        else:
            record(
                objects={_key(instance)}
                | {f"people.person:{pk}" for pk in pk_set or ()}
            )


def schedule(sender, instance) -> None:
    """A task at the moment a scheduled item goes public, or a title starts or ends."""
    now = timezone.now()
    label = sender._meta.label_lower
    moments = []
    if label in ("articles.article", "digests.weeklydigest"):
        at = instance.published_at
        if instance.status == "published" and at is not None and at > now:
            moments.append(at)
    elif label == "people.appointment":
        for day in (instance.started_on, instance.ended_on):
            if day is not None:
                # Titles are shown as held on the day: the page changes at midnight.
                for moment in (day, day + datetime.timedelta(days=1)):
                    at = timezone.make_aware(
                        datetime.datetime.combine(moment, datetime.time.min)
                    )
                    if at > now:
                        moments.append(at)
    for at in moments:
        record(objects=_objects(sender, instance), run_after=at)


MODELS = (
    "articles.Article",
    "articles.ArticlePhoto",
    "articles.Column",
    "media.Photo",
    "digests.WeeklyDigest",
    "digests.DigestItem",
    "digests.Brief",
    "people.Person",
    "people.Appointment",
    "people.Position",
    "people.Organization",
)


def connect_signals() -> None:
    from django.apps import apps

    from articles.models import Article

    for name in MODELS:
        model = apps.get_model(name)
        uid = f"publish-{model._meta.label_lower}"
        pre_save.connect(before_save, sender=model, dispatch_uid=f"{uid}-pre-save")
        post_save.connect(after_save, sender=model, dispatch_uid=f"{uid}-save")
        pre_delete.connect(before_delete, sender=model, dispatch_uid=f"{uid}-pre-del")
        post_delete.connect(after_delete, sender=model, dispatch_uid=f"{uid}-del")
    m2m_changed.connect(
        officials_changed,
        sender=Article.officials.through,
        dispatch_uid="publish-officials",
    )
