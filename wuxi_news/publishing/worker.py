"""The baker: drains the publish queue, rebuilds the whole site, repairs drift.

Only one baker works at a time (`baker_lock`: a PostgreSQL advisory lock, a file lock on
SQLite), whichever command runs it. A batch takes every publish task that is due,
renders the union of their pages once, writes the files that changed, deletes those
that are no longer public, and then — outside any transaction — tells the purgers.
"""

import contextlib
import datetime
import fcntl
import logging
import os
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from .files import (
    MAINTENANCE,
    NOT_FOUND,
    REFUSED,
    NotPublishable,
    file_for,
    is_baked_file,
)
from .render import BakeError, render  # noqa: F401 (BakeError: for the commands)
from .targets import DiskFull, LocalTarget, configured_target, room_for

logger = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 0x57584E57  # "WXNW": one number the bakers agree on
# Held by the running publishworker for its whole life: a second one waits for it.
WORKER_LOCK_KEY = ADVISORY_LOCK_KEY + 1
WORKER_LOCK_POLL = 1.0  # seconds between a waiting worker's tries
# A batch that failed as a whole (a full disk, the database gone) is tried again then.
RETRY_BATCH_AFTER = datetime.timedelta(seconds=30)


class BakerBusy(RuntimeError):
    """Another baker holds the lock."""


_held = threading.local()


@contextlib.contextmanager
def baker_lock(*, wait: bool = True):
    """Hold the one baker's lock; BakerBusy if `wait` is off and another has it.

    Re-entrant within a thread: `bake --all` on a bucket reconciles under its lock.
    """
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    with _acquire(wait):
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0


@contextlib.contextmanager
def _acquire(wait: bool):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if wait:
                cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
            else:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
                if not cursor.fetchone()[0]:
                    raise BakerBusy("another baker is running")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
        return
    path = settings.PUBLISH_LOCK_FILE
    with room_for(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as error:
            raise BakerBusy("another baker is running") from error
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class WorkerLock:
    """The one publishworker's lock, held for the worker's whole life.

    The baker's lock alone would let two workers (on two machines, say) take turns
    batch by batch; with this one the second waits, and takes over when the first
    stops or dies. On PostgreSQL it is an advisory lock on a connection of its own,
    which the worker loop's `close_old_connections` never closes; on SQLite a file lock.
    """

    def __init__(self):
        self._connection = None
        self._handle = None

    def try_acquire(self) -> bool:
        if connection.vendor == "postgresql":
            if self._connection is None:
                self._connection = connection.copy()
            with self._connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [WORKER_LOCK_KEY])
                return cursor.fetchone()[0]
        path = settings.PUBLISH_LOCK_FILE.with_suffix(".worker")
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a")  # noqa: SIM115 (held open for the worker's life)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._handle = handle
        return True

    def acquire(self, stdout=None) -> None:
        """Wait for the lock, saying once that another worker has it."""
        said = False
        while True:
            try:
                if self.try_acquire():
                    if said:
                        logger.warning(
                            "publishworker: the other worker stopped; taking over"
                        )
                    return
            except Exception as error:  # the database unreachable: keep trying
                self.release()
                logger.error("publishworker cannot take its lock now: %s", error)
            if not said:
                message = "another publishworker is running; waiting to take over"
                logger.warning("publishworker: %s", message)
                if stdout is not None:
                    stdout.write(message)
                said = True
            time.sleep(WORKER_LOCK_POLL)

    def is_held(self) -> bool:
        """Still ours: the lock's connection may have been lost (a database restart)."""
        if self._connection is None:
            return self._handle is not None
        try:
            with self._connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return True
        except Exception:
            self.release()
            return False

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.close()  # ends the session, and so the lock
            self._connection = None
        if self._handle is not None:
            self._handle.close()  # closing the file releases the lock
            self._handle = None


@dataclass
class Outcome:
    rendered: int = 0
    written: list[str] = field(default_factory=list)  # URL paths
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> list[str]:
        return self.written + self.deleted


def expand(paths: set[str], objects: set[str]) -> list[str]:
    """The pages to bake: `paths` (old state) and the new-state pages of `objects`,
    the objects' own pages first, so that readers see the change soonest."""
    from articles.models import Article
    from digests.models import WeeklyDigest
    from people.models import Person

    from . import inventory
    from .queue import ALL

    if ALL in objects:
        return inventory.all_paths() + sorted(paths)
    first: list[str] = []
    rest: set[str] = set(paths)
    for key in sorted(objects):
        label, _, pk = key.partition(":")
        if label == "articles.article":
            article = Article.objects.filter(pk=pk).select_related("column").first()
            if article:
                first.append(article.get_absolute_url())
                rest |= inventory.article_paths(article)
        elif label == "digests.weeklydigest":
            digest = WeeklyDigest.objects.filter(pk=pk).select_related("column").first()
            if digest:
                first.append(digest.get_absolute_url())
                rest |= inventory.digest_paths(digest)
        elif label == "people.person":
            person = Person.objects.filter(pk=pk).first()
            if person:
                rest.add(person.get_absolute_url())  # no longer an official: a 404
                rest |= inventory.person_related_paths(person)
        elif label == "media.photo":
            rest |= inventory.photo_paths(int(pk))
        elif label in ("people.position", "people.organization"):
            holding = (
                {"appointments__position_id": pk}
                if label == "people.position"
                else {"appointments__position__organization_id": pk}
            )
            for person in Person.objects.filter(**holding).distinct():
                rest |= inventory.person_related_paths(person)
    # Lists' later pages and the XML files last: readers look at the item and the
    # first pages first.
    later = sorted(rest, key=lambda p: ("/page/" in p or p.endswith(".xml"), p))
    return list(dict.fromkeys([*first, "/", *later]))


def bake_paths(paths, target=None) -> Outcome:
    """Render each path: write its file if its bytes changed, delete it on a 404."""
    target = target or configured_target()
    outcome = Outcome()
    for path in paths:
        try:
            file = file_for(path)
        except NotPublishable:
            logger.error("Not a path a file can hold, left out: %r", path)
            continue
        try:
            page = render(path)
        except BakeError as error:
            logger.error("Not baked: %s", error)
            outcome.failed[path] = str(error)
            continue
        outcome.rendered += 1
        if page.status == 404:
            if target.delete(file):
                outcome.deleted.append(path)
            continue
        if target.read(file) == page.content:
            outcome.unchanged += 1
            continue
        target.write(file, page.content, page.content_type)
        outcome.written.append(path)
    return outcome


def bake_changes(paths: set[str], objects: set[str], target=None) -> Outcome:
    return bake_paths(expand(paths, objects), target)


# The queue


def _claim(worker_id: str) -> list:
    """Every publish task that is due, marked running (one baker holds the lock, so a
    task still marked running was left by a baker that died: it is taken again)."""
    from django_tasks_db.models import DBTaskResult

    from .queue import QUEUE

    with transaction.atomic():
        tasks = DBTaskResult.objects.filter(queue_name=QUEUE)
        orphans = tasks.running()
        ready = (tasks.ready() | orphans).select_for_update(skip_locked=True)
        claimed = list(ready.order_by("enqueued_at")[:500])
        for result in claimed:
            result.claim(worker_id)
    return claimed


def drain_once(worker_id: str = "publishworker", target=None) -> tuple[int, Outcome]:
    """Bake every due publish task in one batch; (tasks done, what was baked).

    The purgers are told after the lock is released: a slow CDN never holds the baker.
    """
    from .purgers import purge, retry_due

    done, outcome = _bake_due(worker_id, target)
    if done:
        purge(outcome.changed)
    else:
        retry_due()
    return done, outcome


def _bake_due(worker_id, target) -> tuple[int, Outcome]:
    with baker_lock():
        claimed = _claim(worker_id)
        if not claimed:
            return 0, Outcome()
        paths: set[str] = set()
        objects: set[str] = set()
        for result in claimed:
            args = result.args_kwargs["args"]
            paths.update(args[0])
            objects.update(args[1])
        try:
            outcome = bake_changes(paths, objects, target)
        except Exception as error:
            if isinstance(error, DiskFull):
                # One line a retry: the traceback would say nothing more.
                logger.error(
                    "Publish batch not baked, tried again in %d s: %s",
                    RETRY_BATCH_AFTER.total_seconds(),
                    error,
                )
            else:
                logger.exception("Publish batch failed; its tasks are retried")
            for result in claimed:
                result.set_failed(error)
            _retry_later(claimed)
            raise
        for result in claimed:
            result.set_successful(None)
        if outcome.failed:
            # Pages that failed to render are tried again in a minute.
            from .queue import record

            with transaction.atomic():
                record(
                    paths=set(outcome.failed),
                    run_after=timezone.now() + datetime.timedelta(seconds=60),
                )
        return len(claimed), outcome


def _retry_later(claimed) -> None:
    from .queue import record

    paths: set[str] = set()
    objects: set[str] = set()
    for result in claimed:
        args = result.args_kwargs["args"]
        paths.update(args[0])
        objects.update(args[1])
    with transaction.atomic():
        record(
            paths=paths,
            objects=objects,
            run_after=timezone.now() + RETRY_BATCH_AFTER,
        )


KEEP_DONE_TASKS = datetime.timedelta(days=14)
PRUNE_EVERY = 3600  # seconds


def prune_done_tasks(now=None) -> int:
    """Forget finished publish tasks after two weeks (the pages are what counts)."""
    from django_tasks_db.models import DBTaskResult

    from .queue import QUEUE

    before = (now or timezone.now()) - KEEP_DONE_TASKS
    done = DBTaskResult.objects.filter(queue_name=QUEUE).finished()
    deleted, _ = done.filter(finished_at__lt=before).delete()
    return deleted


def run(*, interval: float = 0.5, once: bool = False, stdout=None) -> None:
    """`publishworker`: drain the queue until stopped (`once`: drain what is due).

    Only one worker runs at a time: a second waits for the first's `WorkerLock`.
    A one-off drain (`once`) takes only the baker's lock, batch by batch."""
    lock = WorkerLock()
    try:
        if not once:
            lock.acquire(stdout)
        _run(lock, interval=interval, once=once, stdout=stdout)
    finally:
        lock.release()


def _run(lock, *, interval: float, once: bool, stdout) -> None:
    worker_id = f"publishworker-{os.getpid()}"
    pruned_at = 0.0
    failing_since = None
    while True:
        close_old_connections()  # a database restarted meanwhile: connect afresh
        if not once and not lock.is_held():
            logger.error("publishworker lost its lock (database restarted?); retaking")
            lock.acquire(stdout)
        if time.monotonic() - pruned_at > PRUNE_EVERY:
            try:
                prune_done_tasks()
            except Exception:
                logger.exception("Could not prune finished publish tasks")
            pruned_at = time.monotonic()
        try:
            done, outcome = drain_once(worker_id)
            failing_since = None
        except DiskFull:
            # Said by the batch already, one line each time it is tried.
            done, outcome = 0, Outcome()
            time.sleep(max(interval, 2))
        except Exception as error:
            # The database unreachable, say: said once a minute, tried again and again.
            if failing_since is None or time.monotonic() - failing_since > 60:
                logger.error("publishworker cannot bake now: %s", error)
                failing_since = time.monotonic()
            done, outcome = 0, Outcome()
            time.sleep(max(interval, 2))
        if done and stdout is not None:
            stdout.write(
                f"{timezone.now():%H:%M:%S} {done} task(s): {len(outcome.written)} "
                f"written, {len(outcome.deleted)} deleted, {outcome.unchanged} unchanged"
            )
        if once:
            return
        if not done:
            time.sleep(interval)


# Full rebuild and repair


class VerifyError(RuntimeError):
    pass


def bake_all(target=None, stdout=None) -> dict:
    """Render every public URL into a new release, verify it, then make it live."""
    from . import inventory

    target = target or configured_target()
    started = time.monotonic()
    with baker_lock():
        paths = inventory.all_paths()
        if not isinstance(target, LocalTarget):
            outcome = reconcile(target, paths=paths)
            return {
                "pages": len(paths),
                "seconds": time.monotonic() - started,
                **outcome,
            }
        release = target.new_release()
        try:
            baked = []
            for path in paths:
                page = render(path)
                if page.status == 404:
                    # Unpublished while the rebuild ran: its change is in the queue.
                    continue
                target.write(page.file, page.content, page.content_type, base=release)
                baked.append(path)
            _verify(target, release, baked)
        except BaseException:
            target.discard(release)
            raise
        previous = target.current.resolve() if target.current.exists() else None
        target.swap(release)
    # No purge of every URL: a full rebuild follows a deploy, and the pages' max-age
    # (60 s) and the one-second microcache let the new release through.
    return {
        "pages": len(baked),
        "seconds": time.monotonic() - started,
        "release": release.name,
        "previous": previous.name if previous else None,
    }


def _verify(target: LocalTarget, release, paths) -> None:
    files = set(target.files(release))
    missing = [p for p in paths if file_for(p) not in files]
    if missing:
        raise VerifyError(f"{len(missing)} page(s) missing, e.g. {missing[:3]}")
    fixed = ("index.html", NOT_FOUND, MAINTENANCE, "sitemap.xml", "robots.txt")
    for required in (*fixed, *REFUSED.values()):
        if not (release / required).stat().st_size:
            raise VerifyError(f"{required} is empty")


def reconcile(target=None, *, paths=None) -> dict:
    """Compare the published URLs with the files and repair the drift."""
    from . import inventory

    target = target or configured_target()
    with baker_lock():
        # First: on a full disk, what they hold is room for the pages.
        leftovers = target.remove_leftovers()
        if leftovers:
            logger.warning(
                "Removed %d temporary file(s) a killed baker left: %s",
                len(leftovers),
                ", ".join(leftovers[:5]),
            )
        paths = paths if paths is not None else inventory.all_paths()
        expected = {file_for(p): p for p in paths}
        outcome = bake_paths(paths, target)
        extra = [f for f in target.files() if f not in expected and is_baked_file(f)]
        for file in extra:
            target.delete(file)
    from .purgers import purge

    extra_paths = [_path_of(f) for f in extra]
    purge(outcome.changed + extra_paths)
    return {
        "drift": len(outcome.written)
        + len(extra)
        + len(outcome.deleted)
        + len(leftovers),
        "rewritten": len(outcome.written),
        "removed": len(extra) + len(outcome.deleted),
        "failed": len(outcome.failed),
        "temporary": len(leftovers),
    }


def _path_of(file: str) -> str:
    from .files import path_for

    return path_for(file)
