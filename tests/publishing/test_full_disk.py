"""A full disk: one line naming the file and the space left, never a traceback; the
live release as it was; the publish worker trying again every 30 s until there is room.

Most tests make the disk full by a write that fails as write(2) does on one (ENOSPC);
the slow one fills a real, tiny tmpfs.
"""

import errno
import logging
import os
import re
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.models import Article
from tests.factories import make_article
from wuxi_news.management.commands.bake import Command as BakeCommand
from wuxi_news.publishing import files, targets, worker
from wuxi_news.publishing.queue import QUEUE
from wuxi_news.publishing.targets import LocalTarget

pytestmark = pytest.mark.django_db

ONE_LINE = re.compile(
    r"CommandError: 磁盘已满:无法写入 (?P<path>/\S+)"
    r"\(剩余 (?P<free>\d+ B|\d+\.\d [KMG]B)\)。(?P<kept>[^\n]+)\n"
)


class _FullFile:
    """An open file on a full disk: every write fails as write(2) would."""

    def __init__(self, handle):
        self.handle = handle

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()

    def write(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def flush(self):
        pass

    def fileno(self):
        return self.handle.fileno()


class FullDisk:
    """The disk fills up after `room` more files have been written (None: never)."""

    def __init__(self):
        self.room: int | None = None

    def __call__(self, fd, mode):
        handle = open(fd, mode)  # what os.fdopen does
        if self.room is None:
            return handle
        if self.room > 0:
            self.room -= 1
            return handle
        return _FullFile(handle)


@pytest.fixture
def full_disk(monkeypatch):
    disk = FullDisk()
    monkeypatch.setattr(targets.os, "fdopen", disk)
    return disk


@pytest.fixture
def target(publish_root):
    return LocalTarget(publish_root)


def run_bake(monkeypatch, *options) -> int:
    """`manage.py bake OPTIONS` as from a shell: its exit status (stderr as printed)."""
    # The test's transaction must outlive the command, which closes the connections.
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    with pytest.raises(SystemExit) as exited:
        BakeCommand().run_from_argv(["manage.py", "bake", *options])
    return exited.value.code


def temporary_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.startswith(".bake-")]


def test_bake_all_on_a_full_disk_says_so_in_one_line_and_changes_nothing(
    target, full_disk, monkeypatch, capsys
):
    make_article(headline="旧稿")
    first = worker.bake_all()
    live = target.current.resolve()
    before = {file: target.read(file) for file in target.files()}
    make_article(headline="新稿")
    full_disk.room = 3  # three pages of the new release fit, then the disk is full

    status = run_bake(monkeypatch, "--all")

    err = capsys.readouterr().err
    assert status == 1
    message = ONE_LINE.fullmatch(err)
    assert message, err
    assert Path(message["path"]).is_relative_to(target.releases)
    assert message["kept"] == "线上网站没有改动;腾出空间后重新运行。"
    assert target.current.resolve() == live
    assert {file: target.read(file) for file in target.files()} == before
    assert [p.name for p in target.releases.iterdir()] == [first["release"]]


def test_reconcile_on_a_full_disk_says_so_in_one_line_and_keeps_the_page(
    target, full_disk, monkeypatch, capsys
):
    article = make_article(headline="旧标题")
    worker.bake_all()
    page = files.file_for(article.get_absolute_url())
    before = target.read(page)
    Article.objects.filter(pk=article.pk).update(headline="新标题")  # drift
    full_disk.room = 0

    status = run_bake(monkeypatch, "--reconcile")

    err = capsys.readouterr().err
    assert status == 1
    message = ONE_LINE.fullmatch(err)
    assert message, err
    assert Path(message["path"]).is_relative_to(target.live())
    assert message["kept"] == "这一页保持原样;腾出空间后重新运行。"
    assert target.read(page) == before
    assert temporary_files(target.root) == []


def test_the_worker_logs_one_line_a_retry_and_bakes_once_there_is_room(
    target, full_disk, monkeypatch, caplog
):
    worker.bake_all()
    article = make_article(headline="等空间")
    full_disk.room = 0
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)  # the test's
    monkeypatch.setattr(worker.time, "sleep", lambda seconds: None)
    caplog.set_level(logging.INFO, logger="wuxi_news.publishing")
    tasks = DBTaskResult.objects.filter(queue_name=QUEUE)

    for _retry in range(3):
        worker.run(once=True)
        waiting = tasks.filter(status="READY")
        assert waiting.count() == 1  # tried again ...
        wait = waiting.get().run_after - timezone.now()
        assert 25 < wait.total_seconds() <= 30  # ... in 30 s, as any failed batch
        waiting.update(run_after=timezone.now())  # those 30 s pass

    said = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(said) == 3
    for record in said:
        assert record.exc_info is None
        assert re.fullmatch(
            r"Publish batch not baked, tried again in 30 s: disk full: cannot write "
            rf"{re.escape(str(target.live()))}/\S+ \(\d+(\.\d [KMG])? ?B free\)",
            record.getMessage(),
        ), record.getMessage()

    full_disk.room = None  # room made
    worker.run(once=True)
    assert "等空间".encode() in target.read(files.file_for(article.get_absolute_url()))
    assert not tasks.filter(status="READY").exists()


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KB"), (5 * 1024**3, "5.0 GB")],
)
def test_sizes_read_as_df_h_says_them(size, text):
    assert targets.format_size(size) == text


@pytest.fixture
def tiny_disk(tmp_path):
    """A 4 MB tmpfs at tmp_path/disk, or the test is skipped (mounting needs root)."""
    point = tmp_path / "disk"
    point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", str(point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield point
    finally:
        subprocess.run(["umount", str(point)], check=True)


def fill(folder: Path) -> Path:
    """Write a file into `folder` until the disk is full; it holds all the room."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError as error:
            assert error.errno == errno.ENOSPC
    return filler


@pytest.mark.slow
def test_a_really_full_disk(tiny_disk, settings, monkeypatch, capsys, caplog):
    settings.PUBLISH_ROOT = tiny_disk / "site"
    target = LocalTarget(settings.PUBLISH_ROOT)
    article = make_article()
    worker.bake_all()
    live = target.current.resolve()
    before = {file: target.read(file) for file in target.files()}
    filler = fill(tiny_disk)
    Article.objects.filter(pk=article.pk).update(body="<p>新正文</p>" * 500)

    assert run_bake(monkeypatch, "--all") == 1
    all_said = ONE_LINE.fullmatch(capsys.readouterr().err)
    assert run_bake(monkeypatch, "--reconcile") == 1
    reconcile_said = ONE_LINE.fullmatch(capsys.readouterr().err)

    for said in (all_said, reconcile_said):
        assert said and Path(said["path"]).is_relative_to(tiny_disk)
        assert said["free"].endswith(" B")  # less than a KB
    assert target.current.resolve() == live
    assert {file: target.read(file) for file in target.files()} == before
    assert temporary_files(tiny_disk) == []

    filler.unlink()
    assert worker.reconcile()["rewritten"] >= 1
    page = target.read(files.file_for(article.get_absolute_url()))
    assert "新正文".encode() in page
