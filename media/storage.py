"""Writing files whole or not at all, so that a full disk leaves nothing behind.

A file is written under a temporary name beside its destination, forced to disk, then
moved into place; whatever goes wrong, the temporary file is removed. Files already
stored by a save that then fails are deleted again (`removed_unless_saved`): the rows
that named them were rolled back.
"""

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from pathlib import Path

from django.core.files.storage import FileSystemStorage, Storage

DISK_FULL = (
    "图片未能保存:服务器存储空间已满。本页填写的内容都还在,但尚未保存;"
    "请联系管理员腾出空间后,重新选择图片文件再点保存。"
)


def is_disk_full(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)


def write_file(
    path: Path, chunks: Iterable[bytes], *, replace: bool, mode: int = 0o644
) -> None:
    """Write `chunks` to `path` whole or not at all.

    Without `replace`, an existing file is kept and FileExistsError raised.
    """
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with open(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())  # a full disk shows here, before the move
        if replace:
            os.replace(temp, path)
        else:
            os.link(temp, path)  # refuses an existing name: never overwrite
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


_stored: ContextVar[list[tuple[Storage, str]] | None] = ContextVar(
    "stored_files", default=None
)


@contextlib.contextmanager
def removed_unless_saved() -> Iterator[None]:
    """Delete the files stored inside the block again if the block fails."""
    if _stored.get() is not None:  # an enclosing block cleans up
        yield
        return
    stored: list[tuple[Storage, str]] = []
    token = _stored.set(stored)
    try:
        yield
    except BaseException:
        for storage, name in stored:
            with contextlib.suppress(OSError):
                storage.delete(name)
        raise
    finally:
        _stored.reset(token)


class AtomicFileSystemStorage(FileSystemStorage):
    """The default storage: never a partial file, and stored names are recorded for
    `removed_unless_saved`."""

    def _save(self, name, content):
        full_path = Path(self.path(name))
        full_path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            try:
                write_file(
                    full_path,
                    content.chunks(),
                    replace=False,
                    mode=self.file_permissions_mode or 0o644,
                )
                break
            except FileExistsError:
                name = self.get_available_name(name)
                full_path = Path(self.path(name))
        name = str(name).replace("\\", "/")
        if (stored := _stored.get()) is not None:
            stored.append((self, name))
        return name
