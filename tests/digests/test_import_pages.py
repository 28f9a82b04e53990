"""`import_pages`: files and folders, one transaction per file, a summary table, a JSON
report naming where every line went; and the property that any generated page either
imports or is refused with a Chinese message, never a traceback, nothing written."""

import io
import json
import re
import tempfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import digests.services
from articles.models import Article, ArticlePhoto, Column
from digests.models import Brief, WeeklyDigest
from media.models import Photo
from tests.conftest import FIXTURES, REFERENCE_PATH

pytestmark = pytest.mark.django_db

PAGES = FIXTURES / "pages"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def counts():
    return tuple(
        model.objects.count()
        for model in (Article, WeeklyDigest, Photo, ArticlePhoto, Brief, Column)
    )


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_pages", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


class TestFolders:
    def test_a_folder_is_imported_recursively_with_a_summary(self, tmp_path):
        report = tmp_path / "report.json"
        with pytest.raises(CommandError, match="1 个文件被拒绝"):
            run(PAGES / "folder", PAGES / "wxyw_photo_first_2025-10-17.txt",
                "--report", report)  # fmt: skip
        data = json.loads(report.read_text(encoding="utf-8"))
        assert data["counts"] == {
            "已导入": 3, "已更新": 0, "未变": 0, "拒绝": 1, "有警告": 0,
        }  # fmt: skip
        statuses = {Path(f["name"]).name: f["status"] for f in data["files"]}
        assert statuses == {
            "broken.txt": "refused",
            "copy_bare_date.txt": "imported",
            "zsxx.txt": "imported",
            "wxyw_photo_first_2025-10-17.txt": "imported",
        }
        assert Article.objects.count() == 3

    def test_the_summary_table_and_plain_progress_lines(self):
        out, err = run(
            PAGES / "wxyw_photo_first_2025-10-17.txt",
            PAGES / "bare_date_2024-06-02.txt",
        )
        assert "[1/2] 已导入" in err and "[2/2] 已导入" in err
        assert re.search(r"已导入\s+2", out) and re.search(r"拒绝\s+0", out)
        out, _ = run(PAGES / "wxyw_photo_first_2025-10-17.txt")
        assert re.search(r"未变\s+1", out)

    def test_a_refused_file_leaves_the_others_imported(self, tmp_path):
        (tmp_path / "a.txt").write_bytes(
            (PAGES / "bare_date_2024-06-02.txt").read_bytes()
        )
        (tmp_path / "b.txt").write_text(
            "当前位置:首页 > 巫溪要闻\n" + "巫" * 201 + "\n日期:2024-01-01\n正文。\n"
        )
        with pytest.raises(CommandError) as caught:
            run(tmp_path)
        assert caught.value.returncode == 1
        assert Article.objects.count() == 1

    def test_dry_run_writes_nothing_but_reports(self, tmp_path):
        report = tmp_path / "r.json"
        out, _ = run(
            PAGES / "rmt_kanfa_staff_2024-03-18.txt", "--dry-run", "--report", report
        )
        assert "(试运行,未写入)已导入" in out
        assert counts() == (0, 0, 0, 0, 0, 0)
        assert json.loads(report.read_text())["files"][0]["is_dry_run"] is True

    def test_digest_pages_and_article_pages_together(self):
        run(
            REFERENCE_PATH,
            PAGES / "digest_variant_2025-03-16.txt",
            PAGES / "zsxx_spaced_breadcrumb_2020-03-10.txt",
        )
        assert WeeklyDigest.objects.count() == 2
        assert Article.objects.count() == 12 + 2 + 1

    def test_the_import_digest_command_keeps_working(self, capsys):
        call_command("import_digest", str(REFERENCE_PATH))
        assert "12 篇稿件" in capsys.readouterr().out

    def test_a_missing_path_is_refused(self, tmp_path):
        with pytest.raises(CommandError, match="找不到"):
            run(tmp_path / "nope")


class TestReport:
    def test_every_line_is_in_the_report_with_where_it_went(self, tmp_path):
        report = tmp_path / "r.json"
        page = PAGES / "rmt_kanfa_staff_2024-03-18.txt"
        run(page, "--report", report)
        [data] = json.loads(report.read_text())["files"]
        non_blank = [
            n for n, line in enumerate(page.read_text().splitlines(), 1) if line.strip()
        ]
        assert [line["line_no"] for line in data["lines"]] == non_blank
        by_line = {line["line_no"]: line for line in data["lines"]}
        assert by_line[2]["kind"] == "标题"
        assert (
            by_line[8]["kind"] == "图片说明"
            and "记者 王小明/摄" in by_line[8]["detail"]
        )
        assert by_line[10]["kind"] == "小标题"
        assert by_line[22]["kind"] == "忽略" and "三审" in by_line[22]["detail"]
        assert data["blank_lines"] > 0

    def test_warnings_and_refusals_name_the_line(self, tmp_path):
        report = tmp_path / "r.json"
        broken = tmp_path / "broken.txt"
        broken.write_text(
            "当前位置:首页 > 巫溪要闻\n标题\n正文一段。\n", encoding="utf-8"
        )
        with pytest.raises(CommandError):
            run(PAGES / "wxyw_cut_off_2025-05-20.txt", broken, "--report", report)
        files = json.loads(report.read_text())["files"]
        assert all("第 7 行" in w for w in files[0]["warnings"])
        assert files[1]["status"] == "refused" and "第 3 行" in files[1]["error"]

    def test_the_imported_article(self):
        run(PAGES / "rmt_kanfa_staff_2024-03-18.txt")
        article = Article.objects.get()
        assert article.headline == "我县启动春季植树造林行动"
        assert article.reporters == "全媒体记者 王小明"
        assert article.responsible_editor == "刘某某"
        assert article.is_published
        assert timezone.localdate(article.published_at).isoformat() == "2024-03-18"
        assert "<p><strong>●县林业局负责人表示——</strong></p>" in article.body
        assert article.placements.count() == 2
        assert article.imported_from.endswith("rmt_kanfa_staff_2024-03-18.txt")

    def test_publication_time_from_the_date_line(self):
        run(PAGES / "zsxx_spaced_breadcrumb_2020-03-10.txt")
        published = timezone.localtime(Article.objects.get().published_at)
        assert (published.date().isoformat(), published.hour, published.minute) == (
            "2020-03-10", 16, 27,
        )  # fmt: skip


class TestInterrupt:
    def test_ctrl_c_rolls_back_the_file_and_says_so(self, monkeypatch, tmp_path):
        def interrupted(*args, **kwargs):
            raise KeyboardInterrupt

        monkeypatch.setattr(digests.services, "_import_photos", interrupted)
        with pytest.raises(CommandError, match="已中断") as caught:
            run(
                PAGES / "wxyw_photo_first_2025-10-17.txt",
                "--report",
                tmp_path / "r.json",
            )
        assert caught.value.returncode == 130
        assert counts() == (0, 0, 0, 0, 0, 0)


# --- Property: a generated single-article page imports or is refused cleanly ---

bounded = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
breadcrumbs = st.sampled_from([
    "您当前的位置:首页>巫溪要闻", "当前位置:首页 > 投资发展 > 招商信息",
    "当前位置:首页 > " + "栏" * 60, "您现在的位置:首页 > 要闻动态", "",
])  # fmt: skip
date_lines = st.sampled_from([
    "日期:2025-12-31", "发布日期:2020-03-10 16:27", "刊发日期:2024-03-18 阅读次数: 作者:",
    "编辑: 某某 2026-01-19 11:11:42", "2024-06-02 19:17", "日期:2024-02-30",
    "发布日期:2024-13-01 25:61", "",
])  # fmt: skip
body_lines = st.one_of(
    st.sampled_from(
        [
            "10月16日下午,全县工作会议召开。记者 张三/摄",
            "会议现场。张三 摄",
            "图/王五",
            "●县林业局负责人表示——",
            "QQ图片20200310101010.jpg",
            "记 者:王小明",
            "一 审:赵某某",
            "分享到 :",
            "【打印本页】",
            "扫一扫在手机打开当前页",
            "本报讯(全媒体记者 王小明)3月16日,我县开展植树活动。",
            "科学管护保成活",
            "会议要求,各乡镇要强化监测预警,确保",
            "12月10日",
            "一周简讯",
            "(记者 " + "某" * 120 + ")",
            "会议现场。" * 120 + "记者 张三/摄",
        ]
    ),
    st.text(max_size=60),
    st.text(alphabet="巫溪县召开会议。,“”记者摄/ ", min_size=1, max_size=300),
)


@st.composite
def article_pages(draw) -> bytes:
    lines = [
        draw(breadcrumbs),
        draw(
            st.one_of(
                st.sampled_from(["我县启动春季植树造林行动", "巫" * 205]),
                st.text(max_size=30),
            )
        ),
        draw(date_lines),
        *draw(st.lists(body_lines, max_size=12)),
    ]
    raw = "\n".join(lines).encode(draw(st.sampled_from(["utf-8", "gb18030"])))
    if draw(st.booleans()):
        raw = raw[: draw(st.integers(min_value=0, max_value=len(raw)))]
    return raw


@bounded
@given(raw=article_pages())
def test_any_generated_page_imports_or_is_refused_cleanly(raw):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "page.txt"
        path.write_bytes(raw)
        before = counts()
        try:
            run(path)
        except CommandError as error:
            assert CHINESE.search(str(error)), str(error)
            assert counts() == before
