"""Where baked files go: a local folder with releases, or S3-compatible storage.

A local target keeps each full rebuild in `releases/<id>/` and serves the one the
`current` symlink names; incremental bakes write into that release. Every write is a
temporary file in the same directory, fsync'ed, then `os.replace`d over the old one, so
a reader gets the old bytes or the new, never a torn page. A baker killed mid-write
leaves its temporary file (`.bake-…`, mode 0600) behind: `remove_leftovers` deletes
them, and `bake --reconcile` calls it.

An S3 target writes objects (each PUT replaces an object whole) through django-storages,
with the Content-Type and Cache-Control of the page. A page under boto3's multipart
threshold (8 MB) is one PUT and leaves nothing behind; a larger one (a huge sitemap
section) is a multipart upload, which a killed baker leaves incomplete: unseen by
readers, but stored (and billed) until aborted. Those are its leftovers.

A local write that finds the disk full (ENOSPC, or the site user's quota) raises
`DiskFull`, naming the file and the space left: one line for the commands and the
worker's log, where a traceback would tell nothing more.
"""

import contextlib
import datetime
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.utils.module_loading import import_string

from .files import NotPublishable, is_baked_file

# How long browsers and a CDN may keep a baked page before asking again.
PAGE_CACHE_CONTROL = "public, max-age=60"
# The name of a write's temporary file, beside the page it replaces.
TEMPORARY_PREFIX = ".bake-"


class DiskFull(OSError):
    """No room left on the disk for `path`; `free` bytes remain."""

    def __init__(self, path: Path, free: int):
        super().__init__(errno.ENOSPC, "No space left on device", str(path))
        self.path = path
        self.free = free

    def __str__(self) -> str:
        return f"disk full: cannot write {self.path} ({format_size(self.free)} free)"


def format_size(size: int) -> str:
    """`0 B`, `512 B`, `1.5 KB`, `3.2 MB` (powers of 1024), as `df -h` would say."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def free_space(path: Path) -> int:
    """Bytes the site user may still write on the file system of `path`."""
    for folder in (path, *path.parents):
        try:
            stats = os.statvfs(folder)
        except OSError:
            continue
        return stats.f_bavail * stats.f_frsize
    return 0


@contextlib.contextmanager
def room_for(path: Path):
    """Turn a full disk or quota met while writing `path` into `DiskFull`."""
    try:
        yield
    except DiskFull:
        raise
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise DiskFull(path, free_space(path)) from error


class LocalTarget:
    kind = "local"

    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.releases = self.root / "releases"
        self.current = self.root / "current"

    # The live release

    def live(self) -> Path:
        """The folder `current` names, made (empty) on first use."""
        if not self.current.exists():
            release = self.new_release()
            self.swap(release)
        return self.current.resolve()

    def _path(self, file: str, base: Path | None = None) -> Path:
        base = base or self.live()
        path = (base / file).resolve()
        if base.resolve() not in path.parents:
            raise NotPublishable(file)
        return path

    def read(self, file: str) -> bytes | None:
        try:
            return self._path(file).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def write(self, file: str, content: bytes, content_type: str, *, base=None) -> None:
        """Replace `file` in the live release (or in `base`, a release being built,
        which `swap` syncs to disk as a whole before it goes live)."""
        path = self._path(file, base)
        with room_for(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                dir=path.parent, prefix=TEMPORARY_PREFIX
            )
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(content)
                    out.flush()
                    if base is None:
                        os.fsync(out.fileno())
                os.chmod(temporary, 0o644)
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise

    def delete(self, file: str) -> bool:
        path = self._path(file)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        # Empty folders of a removed page go too (an article's `articles/5/`).
        live = self.live()
        for parent in path.parents:
            if parent == live or not parent.is_relative_to(live):
                break
            try:
                parent.rmdir()
            except OSError:
                break
        return True

    def files(self, base: Path | None = None) -> Iterator[str]:
        base = base or self.live()
        for folder, _, names in os.walk(base):
            for name in names:
                if not name.startswith(TEMPORARY_PREFIX):
                    yield Path(folder, name).relative_to(base).as_posix()

    def remove_leftovers(self) -> list[str]:
        """Delete the temporary files of writes that never finished; their names.

        Only a baker writes into the live release, under the baker's lock: whoever
        holds it finds no write in progress, so every temporary file is an orphan.
        """
        live = self.live()
        removed = []
        for folder, _, names in os.walk(live):
            for name in names:
                if name.startswith(TEMPORARY_PREFIX):
                    Path(folder, name).unlink(missing_ok=True)
                    removed.append(Path(folder, name).relative_to(live).as_posix())
        return sorted(removed)

    # Full rebuilds

    def new_release(self) -> Path:
        self.releases.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        release = self.releases / stamp
        with room_for(release):
            release.mkdir()
        return release

    def swap(self, release: Path) -> None:
        """Point `current` at `release` in one step; keep the previous release (for
        rollback, and for readers still reading it), remove older ones."""
        previous = self.current.resolve() if self.current.exists() else None
        os.sync()  # the release's files on disk before any reader is sent to them
        link = self.root / f".current-{os.getpid()}"
        link.unlink(missing_ok=True)
        with room_for(link):
            link.symlink_to(release.relative_to(self.root))
            os.replace(link, self.current)
        keep = {release.resolve(), previous}
        for old in self.releases.iterdir():
            if old.is_dir() and old.resolve() not in keep:
                shutil.rmtree(old, ignore_errors=True)

    def discard(self, release: Path) -> None:
        shutil.rmtree(release, ignore_errors=True)


class StorageTarget:
    """Baked files as objects of a Django storage (django-storages' S3Storage)."""

    kind = "storage"

    def __init__(self, storage):
        if not getattr(storage, "file_overwrite", True):
            # A page must replace its object in one PUT, never be renamed beside it.
            raise ImproperlyConfigured("PUBLISH_STORAGE must overwrite files")
        self.storage = storage

    def read(self, file: str) -> bytes | None:
        if not self.storage.exists(file):
            return None
        with self.storage.open(file, "rb") as handle:
            return handle.read()

    def write(self, file: str, content: bytes, content_type: str, *, base=None) -> None:
        upload = ContentFile(content, name=file)
        upload.content_type = content_type
        self.storage.save(file, upload)

    def delete(self, file: str) -> bool:
        if not self.storage.exists(file):
            return False
        self.storage.delete(file)
        return True

    def files(self, base=None) -> Iterator[str]:
        def walk(prefix: str):
            folders, names = self.storage.listdir(prefix)
            for name in names:
                yield f"{prefix}{name}"
            for folder in folders:
                yield from walk(f"{prefix}{folder}/")

        yield from walk("")

    def remove_leftovers(self) -> list[str]:
        """Abort the incomplete multipart uploads of baked files; their keys.

        As on a local target, the baker's lock means no upload of a page is under
        way. Uploads of anything else (photos, under a prefix of their own) are left
        alone. A storage without a bucket (not S3) has none.
        """
        bucket = getattr(self.storage, "bucket", None)
        if bucket is None:
            return []
        location = getattr(self.storage, "location", "").strip("/")
        prefix = f"{location}/" if location else ""
        removed = []
        for upload in bucket.multipart_uploads.filter(Prefix=prefix):
            file = upload.key.removeprefix(prefix)
            if is_baked_file(file):
                upload.abort()
                removed.append(file)
        return sorted(removed)


def configured_target():
    """The target of the settings: PUBLISH_STORAGE (a storage's import path and
    options, e.g. S3) when set, else the local folder PUBLISH_ROOT."""
    config = getattr(settings, "PUBLISH_STORAGE", None)
    if config:
        options = {"object_parameters": {"CacheControl": PAGE_CACHE_CONTROL}}
        options |= config.get("OPTIONS", {})
        return StorageTarget(import_string(config["BACKEND"])(**options))
    return LocalTarget(settings.PUBLISH_ROOT)
