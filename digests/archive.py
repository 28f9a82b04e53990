"""The page files inside an uploaded ZIP, read safely and one at a time.

Nothing is extracted to disk and the archive is never read whole: the entries are
counted from the central directory (`page_count`), and `read_archive` yields them one
by one, each read with a bounded read. Before any entry is read, the archive is
refused if it is too big, has too many entries, or its entries would expand to more
than `MAX_TOTAL_BYTES` in all; an entry is refused if it would expand beyond
`MAX_FILE_BYTES` or more than `MAX_RATIO` times its compressed size, whatever its size
(zipfile stops reading an entry at its declared size and checks its CRC, so the
declared sizes bound what is read). Entries whose names climb out of the archive
(`../`, absolute paths) are refused and listed, as are nested archives, encrypted
entries, and entries that cannot be decompressed (a damaged deflate stream, a CRC
error, an unsupported compression method).
"""

import io
import logging
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

from .reading import MAX_FILE_BYTES

logger = logging.getLogger(__name__)

MAX_ARCHIVE_BYTES = 50 * 1024 * 1024
MAX_ENTRIES = 5_000
# A real page is about 30 KB: 5,000 of them are 150 MB.
MAX_TOTAL_BYTES = 200 * 1024 * 1024
# Deflate shrinks text 2–4 times (a real page of the old site 2.6×, Chinese .po files
# 2.8–4.4×) and at most about 30 times (of 1,963 HTML, text, JSON and XML files: median
# 3.0×, 99th percentile 15×, the largest 32×, generated XML); a zip bomb's entries
# expand hundreds to a thousand times (zeros: 1,000×).
MAX_RATIO = 50
# A central directory record is 46 bytes and its names and extra fields: 1,100 bytes
# each is generous for real paths, and bounds what zipfile parses (an end record that
# understates the count would otherwise let it build a million entries).
MAX_DIRECTORY_BYTES = MAX_ENTRIES * 1_100
PAGE_SUFFIXES = (".txt", ".text", ".json", ".htm.txt")

# What zipfile and zlib raise for an entry they cannot decompress.
DAMAGED_ENTRY_ERRORS = (
    zipfile.BadZipFile,  # a bad CRC, a bad local header
    zlib.error,  # a damaged deflate stream
    EOFError,  # a stream cut short
    NotImplementedError,  # a compression method zipfile does not know
    RuntimeError,  # a password is needed
    OSError,
    ValueError,
)

_EOCD = struct.Struct("<4s4H2LH")
_EOCD64_LOCATOR = struct.Struct("<4sLQL")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")


class ArchiveError(ValueError):
    """The ZIP cannot be read at all; the message is for the editor."""


@dataclass(frozen=True)
class ArchiveEntry:
    name: str
    raw: bytes = b""
    # Why the entry is not imported (empty: import it).
    refusal: str = ""


def is_zip(head: bytes) -> bool:
    return head[:4] == b"PK\x03\x04"


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


def _declared_entries(file: BinaryIO, size: int) -> int | None:
    """The number of entries the end of central directory record declares, read
    before zipfile builds an object for each (a 50 MB ZIP can declare a million)."""
    tail_size = min(size, _EOCD.size + 65_535)
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        return None  # zipfile says why
    total, directory_bytes = _EOCD.unpack_from(tail, at)[4:6]
    if directory_bytes != 0xFFFFFFFF and directory_bytes > MAX_DIRECTORY_BYTES:
        return MAX_ENTRIES + 1 + directory_bytes // 46  # the records it could hold
    if total != 0xFFFF or at < _EOCD64_LOCATOR.size:
        return total
    locator = _EOCD64_LOCATOR.unpack_from(tail, at - _EOCD64_LOCATOR.size)
    if locator[0] != b"PK\x06\x07" or locator[2] + _EOCD64.size > size:
        return total
    file.seek(locator[2])
    record = file.read(_EOCD64.size)
    if len(record) < _EOCD64.size or record[:4] != b"PK\x06\x06":
        return total
    fields = _EOCD64.unpack(record)
    if fields[8] > MAX_DIRECTORY_BYTES:
        return MAX_ENTRIES + 1 + fields[8] // 46
    return fields[6]


def _open(source: BinaryIO | bytes) -> zipfile.ZipFile:
    file = io.BytesIO(source) if isinstance(source, bytes) else source
    size = file.seek(0, io.SEEK_END)
    if size > MAX_ARCHIVE_BYTES:
        raise ArchiveError(
            f"压缩包太大({size / 1024 / 1024:.1f} MB),最大 "
            f"{MAX_ARCHIVE_BYTES // 1024 // 1024} MB。请分成几个压缩包上传。"
        )
    declared = _declared_entries(file, size)
    if declared is not None and declared > MAX_ENTRIES:
        raise ArchiveError(
            f"压缩包里的文件太多({declared:,} 个),最多 {MAX_ENTRIES:,} 个。"
        )
    try:
        file.seek(0)
        return zipfile.ZipFile(file)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise ArchiveError("不是有效的 ZIP 压缩包(文件损坏或不完整)。") from exc


def _is_skipped(name: str) -> bool:
    """System files of the machine that made the ZIP."""
    base = PurePosixPath(name.replace("\\", "/")).name
    return base.startswith(".") or name.startswith("__MACOSX/")


def _is_page(name: str) -> bool:
    return name.lower().endswith(PAGE_SUFFIXES)


def _listed(archive: zipfile.ZipFile) -> list[tuple[str, zipfile.ZipInfo]]:
    """The entries worth a line in the report, in name order."""
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:  # folders count too: each costs zipfile an object
        raise ArchiveError(
            f"压缩包里的文件太多({len(entries):,} 个),最多 {MAX_ENTRIES:,} 个。"
        )
    _refuse_overlaps(entries)
    files = [info for info in entries if not info.is_dir()]
    named = [(_entry_name(info), info) for info in files]
    named = [(name, info) for name, info in named if not _is_skipped(name)]
    named.sort(key=lambda pair: pair[0])
    declared = sum(
        info.file_size
        for name, info in named
        if _is_page(name) and not _is_unsafe(name)
    )
    if declared > MAX_TOTAL_BYTES:
        raise ArchiveError(
            f"压缩包解压后太大({declared / 1024 / 1024:.0f} MB),最多 "
            f"{MAX_TOTAL_BYTES // 1024 // 1024} MB。请分成几个压缩包上传。"
        )
    if not named:
        raise ArchiveError("压缩包里没有页面文件(.txt 或 .json)。")
    return named


def _refuse_overlaps(entries: list[zipfile.ZipInfo]) -> None:
    """Entries sharing their data (the overlapping-entries zip bomb: 48 KB that
    unpack to hundreds of MB, each entry's ratio normal) are a crafted archive; Python
    before 3.11.8 does not notice. An entry's data ends at least 30 bytes (its local
    header) plus its compressed size after its offset."""
    end = -1
    for info in sorted(entries, key=lambda info: info.header_offset):
        if info.header_offset < end:
            raise ArchiveError(
                "压缩包结构异常(多个文件共用同一段数据),可能是恶意压缩包,没有导入。"
            )
        end = info.header_offset + 30 + info.compress_size


def page_count(source: BinaryIO | bytes) -> int:
    """How many entries `read_archive` yields, from the central directory alone."""
    return len(_listed(_open(source)))


def _refusal(name: str, info: zipfile.ZipInfo) -> str:
    base = PurePosixPath(name.replace("\\", "/")).name
    if _is_unsafe(name):
        return "路径不安全(含“..”或绝对路径),未导入。"
    if not _is_page(base):
        if base.lower().endswith(".zip"):
            return "压缩包里的压缩包不会展开,请直接上传。"
        return "不是页面文件(.txt 或 .json),未导入。"
    if info.flag_bits & 0x1:
        return "文件已加密,无法读取。"
    if info.file_size > MAX_FILE_BYTES:
        return f"解压后太大,最大 {MAX_FILE_BYTES // 1024 // 1024} MB。"
    if info.file_size > MAX_RATIO * max(info.compress_size, 1):
        ratio = info.file_size / max(info.compress_size, 1)
        return (
            f"压缩比异常({ratio:,.0f} 倍,正常页面不超过 {MAX_RATIO} 倍),"
            "可能是恶意压缩包,未导入。"
        )
    return ""


def _read(archive: zipfile.ZipFile, name: str, info: zipfile.ZipInfo) -> ArchiveEntry:
    refusal = _refusal(name, info)
    if refusal:
        return ArchiveEntry(name, refusal=refusal)
    try:
        with archive.open(info) as member:
            # Never more than the declared size (checked above), which zipfile holds
            # the entry to; one byte more shows a lie.
            data = member.read(info.file_size + 1)
    except DAMAGED_ENTRY_ERRORS as exc:
        logger.info("Damaged ZIP entry %r: %r", name, exc)
        return ArchiveEntry(
            name, refusal="文件损坏,无法解压(压缩数据出错或校验不符),未导入。"
        )
    if len(data) > info.file_size:
        return ArchiveEntry(name, refusal="文件损坏(实际大小与声明不符),未导入。")
    return ArchiveEntry(name, data)


def _entries(
    archive: zipfile.ZipFile, named: list[tuple[str, zipfile.ZipInfo]]
) -> Iterator[ArchiveEntry]:
    with archive:
        for name, info in named:
            yield _read(archive, name, info)


def read_archive(source: BinaryIO | bytes) -> Iterator[ArchiveEntry]:
    """The page files of a ZIP, in name order, each with its bytes or its refusal,
    read one at a time. Raises `ArchiveError` at once for a ZIP that cannot be read,
    has too many entries, or would expand too much."""
    archive = _open(source)
    return _entries(archive, _listed(archive))
