"""The page files inside an uploaded ZIP, read safely.

Nothing is extracted to disk: entries are read into memory, one at a time, within
limits on the archive's size, its number of entries, each entry's size (declared
and actual), the total, and the compression ratio (a zip bomb expands hundreds of
times). Entries whose names climb out of the archive (`../`, absolute paths) are
refused and listed, as are nested archives and encrypted entries.
"""

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from .reading import MAX_FILE_BYTES

MAX_ARCHIVE_BYTES = 50 * 1024 * 1024
MAX_ENTRIES = 5_000
MAX_TOTAL_BYTES = 500 * 1024 * 1024
# Text compresses about 3:1 to 10:1; a hundredfold expansion is a bomb.
MAX_RATIO = 100
PAGE_SUFFIXES = (".txt", ".text", ".json", ".htm.txt")


class ArchiveError(ValueError):
    """The ZIP cannot be read at all; the message is for the editor."""


@dataclass(frozen=True)
class ArchiveEntry:
    name: str
    raw: bytes = b""
    # Why the entry is not imported (empty: import it).
    refusal: str = ""


def is_zip(raw: bytes) -> bool:
    return raw[:4] == b"PK\x03\x04"


def _entry_name(info: zipfile.ZipInfo) -> str:
    """Names written by Chinese Windows tools are GBK without the UTF-8 flag."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _is_unsafe(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or ":" in path.parts[0]


def read_archive(raw: bytes) -> list[ArchiveEntry]:
    """The page files of a ZIP, in name order, each with its bytes or its refusal."""
    if len(raw) > MAX_ARCHIVE_BYTES:
        raise ArchiveError(
            f"压缩包太大({len(raw) / 1024 / 1024:.1f} MB),最大 "
            f"{MAX_ARCHIVE_BYTES // 1024 // 1024} MB。请分成几个压缩包上传。"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise ArchiveError("不是有效的 ZIP 压缩包(文件损坏或不完整)。") from exc
    files = [info for info in infos if not info.is_dir()]
    if len(files) > MAX_ENTRIES:
        raise ArchiveError(
            f"压缩包里的文件太多({len(files):,} 个),最多 {MAX_ENTRIES:,} 个。"
        )
    entries: list[ArchiveEntry] = []
    total = 0
    for info in sorted(files, key=_entry_name):
        name = _entry_name(info)
        base = PurePosixPath(name.replace("\\", "/")).name
        if base.startswith(".") or name.startswith("__MACOSX/"):
            continue  # system files of the machine that made the ZIP
        if _is_unsafe(name):
            entries.append(
                ArchiveEntry(name, refusal="路径不安全(含“..”或绝对路径),未导入。")
            )
            continue
        if not base.lower().endswith(PAGE_SUFFIXES):
            refusal = (
                "压缩包里的压缩包不会展开,请直接上传。"
                if base.lower().endswith(".zip")
                else "不是页面文件(.txt 或 .json),未导入。"
            )
            entries.append(ArchiveEntry(name, refusal=refusal))
            continue
        if info.flag_bits & 0x1:
            entries.append(ArchiveEntry(name, refusal="文件已加密,无法读取。"))
            continue
        if info.file_size > MAX_FILE_BYTES or (
            info.file_size > 1024 * 1024
            and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        ):
            entries.append(
                ArchiveEntry(
                    name,
                    refusal=f"解压后太大,最大 {MAX_FILE_BYTES // 1024 // 1024} MB。",
                )
            )
            continue
        try:
            with archive.open(info) as member:
                # The declared size may lie: never read more than the limit.
                data = member.read(MAX_FILE_BYTES + 1)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError):
            entries.append(ArchiveEntry(name, refusal="文件损坏,无法解压。"))
            continue
        if len(data) > MAX_FILE_BYTES:
            entries.append(
                ArchiveEntry(
                    name,
                    refusal=f"解压后太大,最大 {MAX_FILE_BYTES // 1024 // 1024} MB。",
                )
            )
            continue
        total += len(data)
        if total > MAX_TOTAL_BYTES:
            raise ArchiveError(
                f"压缩包解压后太大,最多 {MAX_TOTAL_BYTES // 1024 // 1024} MB。"
            )
        entries.append(ArchiveEntry(name, data))
    if not entries:
        raise ArchiveError("压缩包里没有页面文件(.txt 或 .json)。")
    return entries
