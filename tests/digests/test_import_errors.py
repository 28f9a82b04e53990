"""Importing a bad file: a Chinese error naming the line, exit ≠ 0, nothing written.

Never a traceback: each finding of fuzzing the importer has a test here, and a
property-based test (Hypothesis) mutates the reference page and its JSON export.
"""

import io
import json
import re
import tempfile
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import digests.legacy
import digests.services
from articles.models import Article, Column
from digests.exports.jsonfile import render_json
from digests.legacy import parse_legacy_text
from digests.models import Brief, WeeklyDigest
from media.models import Photo
from tests.conftest import REFERENCE_PATH

pytestmark = pytest.mark.django_db

REFERENCE = REFERENCE_PATH.read_text(encoding="utf-8")
LINES = REFERENCE.split("\n")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def counts():
    return tuple(
        model.objects.count() for model in (Article, WeeklyDigest, Photo, Brief, Column)
    )


def line_no(prefix: str) -> int:
    return next(i for i, line in enumerate(LINES, 1) if line.startswith(prefix))


def replaced(number: int, text: str) -> str:
    lines = list(LINES)
    lines[number - 1] = text
    return "\n".join(lines)


def refused(path: Path) -> CommandError:
    """Import `path`, expecting a refusal that writes nothing; return the error."""
    before = counts()
    with pytest.raises(CommandError) as caught:
        call_command("import_digest", str(path))
    assert counts() == before
    assert CHINESE.search(str(caught.value))
    return caught.value


@pytest.fixture
def page(tmp_path):
    def write(content: str | bytes, name: str = "page.txt") -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            content = content.encode()
        path.write_bytes(content)
        return path

    return write


def test_a_headline_over_200_characters_is_refused_with_its_line(page):
    error = refused(page(replaced(5, "巫溪" * 101)))
    assert "第 5 行" in str(error)
    assert "标题" in str(error) and "200" in str(error)


def test_a_column_name_over_50_characters_is_refused_with_its_line(page):
    error = refused(page(replaced(1, "您当前的位置:首页>" + "栏" * 51)))
    assert "第 1 行" in str(error)
    assert "栏目" in str(error) and "50" in str(error)


def test_a_caption_over_500_characters_is_refused_with_its_line(page):
    number = line_no("县委书记李卫东出席会议并讲话。记者 吴丹/摄")
    error = refused(page(replaced(number, "说" * 501 + "。记者 吴丹/摄")))
    assert f"第 {number} 行" in str(error)
    assert "图片说明" in str(error) and "500" in str(error)


def test_the_same_headline_twice_on_one_day_names_both_lines(page):
    error = refused(
        page(
            "您当前的位置:首页>巫溪要闻\n见“政”巫溪这一周\n日期:2024-12-15\n"
            "12月10日\n县里召开会议\n12月10日,县里召开会议,研究工作。\n"
            "县里召开会议\n12月10日,县里再次召开会议,部署工作。\n"
        )
    )
    assert "第 7 行" in str(error) and "第 5 行" in str(error)
    assert "同一标题" in str(error)


def test_a_brief_refused_by_the_model_names_its_line(page):
    number = line_no(">>12日")
    error = refused(page(replaced(number, ">>12日,13日,我县召开安全生产工作会议。")))
    assert f"第 {number} 行" in str(error)
    assert "简讯" in str(error) and "13日" in str(error)


def test_deeply_nested_json_is_refused(page):
    error = refused(page("[" * 100_000 + "]" * 100_000, "deep.json"))
    assert "嵌套层数太多" in str(error)


def test_a_json_integer_of_5000_digits_is_refused(page):
    error = refused(page('{\n"title": ' + "9" * 5000 + "}", "long.json"))
    assert "超长的数字" in str(error) and "第 2 行" in str(error)


def test_a_5_mb_line_is_refused_at_once(page):
    path = page(replaced(1, "您当前的位置:首页>巫溪要闻" + "巫" * 5_000_000))
    started = time.monotonic()
    error = refused(path)
    assert time.monotonic() - started < 2
    assert "文件太大" in str(error) and "最大 2 MB" in str(error)


def test_a_line_of_thousands_of_characters_is_refused_with_its_line(page):
    error = refused(page(replaced(9, "巫" * 6000 + "。")))
    assert "第 9 行太长" in str(error) and "5,000" in str(error)


def test_a_utf8_file_cut_inside_a_character_says_where(page):
    raw = REFERENCE.encode()
    cut = raw.index("会议强调".encode()) + 1  # inside 会
    error = refused(page(raw[:cut]))
    number = raw.count(b"\n", 0, cut) + 1
    assert f"文件在第 {number} 行被截断" in str(error)
    assert "无法识别文件编码" not in str(error)


def test_a_damaged_byte_in_a_utf8_file_says_where(page):
    raw = bytearray(REFERENCE.encode())
    number = line_no("会议强调")
    at = raw.index("会议强调".encode()) + 1
    raw[at] = 0xFF
    error = refused(page(bytes(raw)))
    assert f"第 {number} 行有损坏的字节" in str(error)


def test_ctrl_c_rolls_back_and_says_so(page, monkeypatch):
    real = digests.services._import_photos
    calls = []

    def interrupted(article, story):
        calls.append(story)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(article, story)

    monkeypatch.setattr(digests.services, "_import_photos", interrupted)
    error = refused(REFERENCE_PATH)
    assert len(calls) == 3  # two articles were written, then rolled back
    assert str(error) == "已中断,没有写入任何内容。"
    assert error.returncode == 130


def test_a_refused_reimport_keeps_what_was_there(page):
    call_command("import_digest", str(REFERENCE_PATH))
    before = counts()
    headline = Article.objects.order_by("pk").first().headline
    refused(page(replaced(5, "巫溪" * 101)))
    assert counts() == before
    assert Article.objects.order_by("pk").first().headline == headline


# --- Property: any mutation of the reference page or its JSON export ---

bounded = settings(
    max_examples=60,
    deadline=None,
    database=None,  # nothing written into the work tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

lines_index = st.integers(min_value=0, max_value=len(LINES) - 1)
odd_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=190, max_size=700),
    st.sampled_from(
        [
            "12月10日",
            "一周简讯",
            "扫一扫在手机打开当前页",
            ">>12日,13日,",
            "日期:2024-12-15",
        ]
    ),
)


@st.composite
def legacy_pages(draw) -> bytes:
    lines = list(LINES)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        at = draw(lines_index) % len(lines)
        kind = draw(st.sampled_from(["duplicate", "replace", "insert", "drop", "long"]))
        if kind == "duplicate":
            lines[at:at] = [lines[at]] * draw(st.integers(min_value=1, max_value=3))
        elif kind == "replace":
            lines[at] = draw(odd_text)
        elif kind == "insert":
            lines.insert(at, draw(odd_text))
        elif kind == "drop" and len(lines) > 1:
            del lines[at]
        elif kind == "long":
            lines[at] = lines[at] * draw(st.integers(min_value=2, max_value=12))
    raw = "\n".join(lines).encode(draw(st.sampled_from(["utf-8", "gb18030"])))
    if draw(st.booleans()):
        raw = raw[: draw(st.integers(min_value=0, max_value=len(raw)))]
    if draw(st.booleans()) and raw:
        position = draw(st.integers(min_value=0, max_value=len(raw) - 1))
        raw = raw[:position] + draw(st.binary(min_size=1, max_size=4)) + raw[position:]
    return raw


REFERENCE_JSON = json.loads(render_json(parse_legacy_text(REFERENCE)[0]))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=600),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


BIG, DEEP = "__big_number__", "__deep_nesting__"


@st.composite
def json_files(draw) -> bytes:
    data = json.loads(json.dumps(REFERENCE_JSON))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = list(_paths(data))[1:]
        kind = draw(st.sampled_from(["set", "drop", "long", "copy", "big", "deep"]))
        if kind == "long":
            # Headlines, captions, column names, brief texts: the database's limits.
            paths = [path for path in paths if isinstance(_at(data, path), str)]
        path = draw(st.sampled_from(paths))
        parent = _at(data, path[:-1])
        if kind == "set":
            parent[path[-1]] = draw(json_values)
        elif kind == "drop":
            del parent[path[-1]]
        elif kind == "long":
            parent[path[-1]] *= draw(st.integers(min_value=2, max_value=60))
        elif kind == "copy" and isinstance(parent, list):
            parent.append(json.loads(json.dumps(parent[path[-1]])))
        elif kind in ("big", "deep"):
            parent[path[-1]] = BIG if kind == "big" else DEEP
    raw = json.dumps(data, ensure_ascii=False, indent=2)
    depth = draw(st.sampled_from([5, 3000, 100_000]))
    raw = raw.replace(f'"{BIG}"', "9" * 5000, 1).replace(
        f'"{DEEP}"', "[" * depth + "]" * depth, 1
    )
    raw = raw.encode()
    if draw(st.booleans()):
        raw = raw[: draw(st.integers(min_value=0, max_value=len(raw)))]
    return raw


def _at(data, path):
    for step in path:
        data = data[step]
    return data


def imports_or_refuses_cleanly(raw: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"page{suffix}"
        path.write_bytes(raw)
        before = counts()
        try:
            call_command("import_digest", str(path))
        except CommandError as error:
            assert CHINESE.search(str(error)), str(error)
            assert counts() == before


@bounded
@given(raw=legacy_pages())
def test_any_mutated_page_imports_or_is_refused_cleanly(raw):
    imports_or_refuses_cleanly(raw, ".txt")


@bounded
@given(raw=json_files())
def test_any_mutated_json_export_imports_or_is_refused_cleanly(raw):
    imports_or_refuses_cleanly(raw, ".json")


def test_a_crafted_page_of_many_lines_is_compared_within_a_budget(page, monkeypatch):
    """Comparing every short line with every long one was quadratic (minutes); the
    work is counted in characters compared, which is exact, not in seconds."""
    compared = []
    overlap = digests.legacy._overlap

    def counting(a, b):
        compared.append(len(a) + len(b))
        return overlap(a, b)

    monkeypatch.setattr(digests.legacy, "_overlap", counting)
    head = "您当前的位置:首页>巫溪要闻\n见“政”巫溪这一周\n日期:2024-12-15\n标题\n"
    block = "县里召开会议研究部署工作,落实责任。\n" * 20
    block += "县里召开会议研究部署工作" * 300 + "。\n"
    path = page(head + block * 90)
    out = io.StringIO()
    call_command("import_digest", str(path), "--dry-run", stdout=out, stderr=out)
    assert sum(compared) <= digests.legacy.Budget().left
    assert "页面太长,未比对是否为图片说明" in out.getvalue()
