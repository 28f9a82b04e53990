"""Uploads that are damaged, built to exhaust the server, or whose import was killed:
each gets a Chinese report, none leaves a file behind or an import left 导入中."""

import datetime
import io
import json
import struct
import zipfile
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

import digests.legacy
from articles.models import Article
from digests import archive, importing, tasks
from digests.archive import ArchiveError, page_count, read_archive
from digests.importing import INTERRUPTED, fail_interrupted_imports, run_page_import
from digests.models import PageImport
from digests.reading import read_page_file
from digests.tasks import import_uploaded_pages, start_page_import
from tests.conftest import FIXTURES, REFERENCE_PATH
from tests.factories import make_column, make_user

pytestmark = pytest.mark.django_db

PAGES = FIXTURES / "pages"
ADD = reverse("admin:digests_pageimport_add")
CHANGELIST = reverse("admin:digests_pageimport_changelist")
GOOD = (PAGES / "bare_date_2024-06-02.txt").read_bytes()


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {
        **settings.TASKS,
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    }


@pytest.fixture(autouse=True)
def default_column():
    return make_column(name="巫溪要闻", slug="wxyw")


@pytest.fixture
def editor_client(client):
    client.force_login(make_user(roles=("编辑",)))
    return client


def zip_of(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def _data_offset(raw: bytes, name: str) -> int:
    """Where the compressed bytes of the entry `name` start."""
    info = zipfile.ZipFile(io.BytesIO(raw)).getinfo(name)
    name_length, extra_length = struct.unpack_from("<HH", raw, info.header_offset + 26)
    return info.header_offset + 30 + name_length + extra_length


def corrupt_deflate(raw: bytes, name: str) -> bytes:
    """A deflate stream whose first block has the invalid block type 11."""
    at = _data_offset(raw, name)
    return raw[:at] + b"\xff" + raw[at + 1 :]


def wrong_crc(raw: bytes, name: str) -> bytes:
    """A stored entry with one byte changed: its CRC no longer matches."""
    at = _data_offset(raw, name) + 5
    return raw[:at] + bytes([raw[at] ^ 0x20]) + raw[at + 1 :]


def _central_offset(raw: bytes, name: str) -> int:
    """Where the central directory record of the entry `name` starts."""
    at = raw.index(b"PK\x01\x02")
    while True:
        name_length, extra_length, comment_length = struct.unpack_from(
            "<HHH", raw, at + 28
        )
        if raw[at + 46 : at + 46 + name_length] == name.encode():
            return at
        at += 46 + name_length + extra_length + comment_length


def unknown_method(raw: bytes, name: str) -> bytes:
    """Compression method 99 in both headers (zipfile cannot decompress it)."""
    info = zipfile.ZipFile(io.BytesIO(raw)).getinfo(name)
    out = bytearray(raw)
    struct.pack_into("<H", out, info.header_offset + 8, 99)
    struct.pack_into("<H", out, _central_offset(raw, name) + 10, 99)
    return bytes(out)


def cut_short(raw: bytes, name: str) -> bytes:
    """The headers say the compressed stream is half as long as it is."""
    info = zipfile.ZipFile(io.BytesIO(raw)).getinfo(name)
    out = bytearray(raw)
    half = info.compress_size // 2
    struct.pack_into("<I", out, _central_offset(raw, name) + 20, half)
    struct.pack_into("<I", out, info.header_offset + 18, half)
    return bytes(out)


def uploaded_files(media_root) -> list:
    folder = media_root / "imports"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


class TestDamagedZip:
    @pytest.mark.parametrize(
        ("damage", "compression"),
        [
            (corrupt_deflate, zipfile.ZIP_DEFLATED),  # zlib.error
            (cut_short, zipfile.ZIP_DEFLATED),  # EOFError
            (wrong_crc, zipfile.ZIP_STORED),  # BadZipFile: Bad CRC-32
            (unknown_method, zipfile.ZIP_DEFLATED),  # NotImplementedError
        ],
    )
    def test_a_damaged_entry_is_reported_by_name_and_the_rest_imported(
        self, editor_client, media_root, damage, compression
    ):
        reference = REFERENCE_PATH.read_bytes()
        raw = damage(zip_of({"a.txt": GOOD, "b.txt": reference}, compression), "b.txt")
        response = editor_client.post(
            ADD, {"upload": SimpleUploadedFile("x.zip", raw)}, follow=True
        )
        assert response.status_code == 200
        report = PageImport.objects.get().report
        files = {f["name"]: f for f in report["files"]}
        assert files["a.txt"]["status"] == "imported"
        assert files["b.txt"]["status"] == "refused"
        assert "文件损坏" in files["b.txt"]["error"]
        assert "b.txt" in response.content.decode()

    def test_an_unreadable_zip_fails_and_leaves_no_file(
        self, editor_client, media_root
    ):
        raw = b"PK\x03\x04" + b"garbage" * 100
        response = editor_client.post(
            ADD, {"upload": SimpleUploadedFile("x.zip", raw)}, follow=True
        )
        assert response.status_code == 200
        page_import = PageImport.objects.get()
        assert page_import.status == PageImport.Status.FAILED
        assert "不是有效的 ZIP" in response.content.decode()
        assert uploaded_files(media_root) == []

    def test_a_bug_in_the_importer_fails_the_import_instead_of_a_500(
        self, editor_client, media_root, monkeypatch
    ):
        def broken(**kwargs):
            raise KeyError("a bug")

        monkeypatch.setattr(importing, "import_file", broken)
        response = editor_client.post(
            ADD, {"upload": SimpleUploadedFile("a.txt", GOOD)}, follow=True
        )
        assert response.status_code == 200
        page_import = PageImport.objects.get()
        assert page_import.status == PageImport.Status.FAILED
        assert "导入出错" in page_import.report["error"]
        assert uploaded_files(media_root) == []


class TestZipBombs:
    def test_every_entry_s_compression_ratio_is_checked_without_reading_it(
        self, monkeypatch
    ):
        raw = zip_of({"zeros.txt": b"\0" * (200 * 1024), "good.txt": GOOD})
        opened = []
        real_open = zipfile.ZipFile.open

        def recording_open(self, name, *args, **kwargs):
            opened.append(getattr(name, "filename", name))
            return real_open(self, name, *args, **kwargs)

        monkeypatch.setattr(zipfile.ZipFile, "open", recording_open)
        entries = {entry.name: entry for entry in read_archive(raw)}
        assert "压缩比异常" in entries["zeros.txt"].refusal
        assert entries["good.txt"].raw == GOOD
        assert opened == ["good.txt"]

    def test_real_pages_pass_the_ratio_rule(self):
        pages = {p.name: p.read_bytes() for p in PAGES.glob("*.txt")}
        pages["reference.txt"] = REFERENCE_PATH.read_bytes()
        for entry in read_archive(zip_of(pages)):
            assert not entry.refusal, entry

    def test_too_much_in_all_is_refused_before_anything_is_read(self, monkeypatch):
        monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 3 * len(GOOD))
        raw = zip_of({f"{n}.txt": GOOD for n in range(4)})
        monkeypatch.setattr(
            zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("read an entry")
        )
        with pytest.raises(ArchiveError, match="压缩包解压后太大"):
            read_archive(raw)
        with pytest.raises(ArchiveError, match="压缩包解压后太大"):
            page_count(raw)

    def test_an_archive_declaring_too_many_entries_is_refused_before_listing(
        self, monkeypatch
    ):
        raw = bytearray(zip_of({"a.txt": GOOD}))
        end = raw.rindex(b"PK\x05\x06")
        struct.pack_into("<HH", raw, end + 8, 60_000, 60_000)
        monkeypatch.setattr(
            zipfile.ZipFile, "infolist", lambda self: pytest.fail("listed entries")
        )
        with pytest.raises(ArchiveError, match="文件太多"):
            page_count(bytes(raw))

    def test_the_web_worker_counts_pages_without_reading_them(
        self, settings, monkeypatch
    ):
        settings.PAGE_IMPORT_BACKGROUND_FILES = 2
        page_import = PageImport(original_name="x.zip", created_by=make_user())
        page_import.upload.save(
            "x.zip", ContentFile(zip_of({f"{n}.txt": GOOD for n in range(3)}))
        )
        queued = []
        monkeypatch.setattr(
            tasks, "import_uploaded_pages", SimpleNamespace(enqueue=queued.append)
        )
        monkeypatch.setattr(
            zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("read an entry")
        )
        assert start_page_import(page_import=page_import, by=page_import.created_by)
        assert queued == [page_import.pk]


class TestMemory:
    def test_entries_are_read_one_at_a_time(self, monkeypatch):
        """The report of each page is made before the next page is read."""
        raw = zip_of({f"{n}.txt": GOOD for n in range(3)})
        page_import = PageImport(original_name="x.zip", created_by=make_user())
        page_import.upload.save("x.zip", ContentFile(raw))
        events = []
        real_read = archive._read
        real_import = importing.import_file

        def reading(zf, name, info):
            events.append(f"read {name}")
            return real_read(zf, name, info)

        def importing_file(**kwargs):
            events.append(f"import {kwargs['name']}")
            return real_import(**kwargs)

        monkeypatch.setattr(archive, "_read", reading)
        monkeypatch.setattr(importing, "import_file", importing_file)
        run_page_import(page_import=page_import)
        assert events == [
            "read 0.txt", "import 0.txt",
            "read 1.txt", "import 1.txt",
            "read 2.txt", "import 2.txt",
        ]  # fmt: skip

    def test_the_stored_report_keeps_a_few_files_and_the_download_all(
        self, editor_client, monkeypatch
    ):
        """Every file's report, every line of it, was kept in memory until the end
        (600 pages of 30 KB: 300 MB); it is written out file by file instead."""
        monkeypatch.setattr(importing, "SHOWN_FILES", 2)
        raw = zip_of({f"{n}.txt": GOOD for n in range(4)})
        editor_client.post(ADD, {"upload": SimpleUploadedFile("x.zip", raw)})
        page_import = PageImport.objects.get()
        assert page_import.report["file_count"] == 4
        assert page_import.report["counts"]["未变"] == 3
        assert [f["name"] for f in page_import.report["files"]] == ["0.txt", "1.txt"]
        assert all("lines" not in f for f in page_import.report["files"])
        page = editor_client.get(
            reverse("admin:digests_pageimport_change", args=[page_import.pk])
        ).content.decode()
        assert "只列出前 2 个文件,共 4 个" in page and "逐行去向" in page
        response = editor_client.get(
            reverse("admin:digests_pageimport_report", args=[page_import.pk])
        )
        data = json.loads(b"".join(response.streaming_content))
        assert [f["name"] for f in data["files"]] == [
            "0.txt",
            "1.txt",
            "2.txt",
            "3.txt",
        ]
        assert all(f["lines"] for f in data["files"])
        assert data["counts"] == page_import.report["counts"]

    def test_a_long_page_stops_scanning_lines_once_the_budget_is_spent(
        self, monkeypatch
    ):
        """Each single-sentence line scanned every other line, even lines of the same
        length (never charged) and after the budget was spent: quadratic in the
        page's lines (600 pages of 560 KB took 12 minutes)."""
        scanned = []
        real_longer_lines = digests.legacy._longer_lines

        def counting(line, lines):
            scanned.append(len(lines))
            return real_longer_lines(line, lines)

        monkeypatch.setattr(digests.legacy, "_longer_lines", counting)
        head = "当前位置:首页 > 巫溪要闻\n标题\n2024-06-02 19:17\n"
        lines = [f"第{n:05d}项工作,要落实责任,确保落地见效。" for n in range(20_000)]
        reading = read_page_file(
            name="long.txt", raw=(head + "\n".join(lines)).encode()
        )
        assert len(reading.article.story.paragraphs) == len(lines)
        assert sum(scanned) <= digests.legacy.Budget().left + len(lines)


class TestInterrupted:
    def _running(self, *, minutes_ago: int) -> PageImport:
        page_import = PageImport(
            original_name="x.zip",
            created_by=make_user(),
            status=PageImport.Status.RUNNING,
            heartbeat_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        )
        page_import.upload.save("x.zip", ContentFile(zip_of({"a.txt": GOOD})))
        return page_import

    def test_an_import_whose_process_stopped_is_marked_failed(
        self, editor_client, media_root
    ):
        stopped = self._running(minutes_ago=30)
        alive = self._running(minutes_ago=1)
        content = editor_client.get(CHANGELIST).content.decode()
        stopped.refresh_from_db()
        alive.refresh_from_db()
        assert stopped.status == PageImport.Status.FAILED
        assert stopped.report["error"] == INTERRUPTED
        assert "导入被中断(处理进程已停止),请重新上传" in content
        assert not stopped.upload
        assert alive.status == PageImport.Status.RUNNING
        assert [p.name for p in uploaded_files(media_root)] == [
            alive.upload.name.rsplit("/", 1)[-1]
        ]

    def test_a_new_background_task_marks_it_too(self):
        stopped = self._running(minutes_ago=30)
        queued = PageImport(original_name="y.zip", created_by=make_user())
        queued.upload.save("y.zip", ContentFile(zip_of({"a.txt": GOOD})))
        import_uploaded_pages.enqueue(queued.pk)
        stopped.refresh_from_db()
        queued.refresh_from_db()
        assert stopped.status == PageImport.Status.FAILED
        assert queued.status == PageImport.Status.DONE

    def test_an_import_marked_interrupted_stops_and_stays_failed(self, monkeypatch):
        page_import = PageImport(original_name="x.zip", created_by=make_user())
        raw = zip_of({f"{n}.txt": GOOD for n in range(3)})
        page_import.upload.save("x.zip", ContentFile(raw))
        real_import = importing.import_file
        calls = []

        def slow_then_declared_dead(**kwargs):
            calls.append(kwargs["name"])
            report = real_import(**kwargs)
            later = timezone.now() + importing.STALLED_AFTER * 2
            assert fail_interrupted_imports(now=later) == 1
            return report

        monkeypatch.setattr(importing, "import_file", slow_then_declared_dead)
        run_page_import(page_import=page_import)
        page_import.refresh_from_db()
        assert calls == ["0.txt"]
        assert page_import.status == PageImport.Status.FAILED
        assert page_import.report["error"] == INTERRUPTED
        assert Article.objects.count() == 1  # committed, found 未变 on a new upload


def overlapping(raw: bytes, name: str, copies: int) -> bytes:
    """`copies` more central directory records pointing at the data of `name` (the
    overlapping-entries zip bomb), the end record counting them."""
    start = raw.index(b"PK\x01\x02")
    eocd = raw.rindex(b"PK\x05\x06")
    at = _central_offset(raw, name)
    name_length, extra_length, comment_length = struct.unpack_from("<HHH", raw, at + 28)
    record = raw[at : at + 46 + name_length + extra_length + comment_length]
    directory = raw[start:eocd] + record * copies
    end = bytearray(raw[eocd:])
    total = struct.unpack_from("<H", end, 10)[0] + copies
    struct.pack_into("<HHL", end, 8, total, total, len(directory))
    return raw[:start] + directory + bytes(end)


def test_entries_sharing_their_data_are_refused_before_anything_is_read():
    page = REFERENCE_PATH.read_bytes()
    raw = overlapping(zip_of({"a.txt": page}), "a.txt", copies=30)
    with pytest.raises(ArchiveError, match="多个文件共用同一段数据"):
        page_count(raw)


def test_an_end_record_hiding_a_huge_directory_is_refused_before_listing():
    raw = bytearray(zip_of({"a.txt": REFERENCE_PATH.read_bytes()}))
    eocd = raw.rindex(b"PK\x05\x06")
    # It declares one entry, but a directory of 10 MB: room for 200,000 records.
    struct.pack_into("<L", raw, eocd + 12, 10 * 1024 * 1024)
    with pytest.raises(ArchiveError, match="文件太多"):
        page_count(bytes(raw))
