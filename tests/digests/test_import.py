import datetime
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article, ArticlePhoto, Column
from digests.models import Brief, DigestItem, WeeklyDigest
from media.models import Photo
from people.models import Person
from tests.conftest import FIXTURES, REFERENCE_PATH

pytestmark = pytest.mark.django_db

DEC = {day: datetime.date(2024, 12, day) for day in range(1, 32)}


def counts():
    return (
        Article.objects.count(), Photo.objects.count(), ArticlePhoto.objects.count(),
        WeeklyDigest.objects.count(), DigestItem.objects.count(), Brief.objects.count(),
        Column.objects.count(),
    )  # fmt: skip


class TestImportDigestCommand:
    def test_reference_page(self, officials):
        call_command("import_digest", str(REFERENCE_PATH))
        digest = WeeklyDigest.objects.get()
        assert digest.issued_on == DEC[15]
        assert digest.title == "见“政”巫溪这一周"
        assert digest.column.name == "巫溪要闻"
        assert digest.column.slug == "wxyw"
        assert (digest.week_starts_on, digest.week_ends_on) == (DEC[9], DEC[15])
        assert digest.is_published

        items = list(digest.items.select_related("article"))
        assert len(items) == 12
        assert items[0].is_lead and items[0].article.news_on == DEC[10]
        assert sum(item.is_lead for item in items) == 1
        per_day = Counter(item.article.news_on for item in items)
        assert per_day == {DEC[10]: 3, DEC[11]: 3, DEC[12]: 5, DEC[13]: 1}

        photos = Photo.objects.all()
        assert photos.count() == 14
        assert Counter(p.credit_name for p in photos if p.credit_name) == {
            "吴丹": 6, "胡来": 3, "周超": 1, "雷宪斌": 1,
        }  # fmt: skip
        brief = digest.briefs.get()
        assert brief.happened_on == DEC[12]
        assert brief.line.startswith("12日,我县召开")

    def test_photo_positions_survive(self, officials):
        call_command("import_digest", str(REFERENCE_PATH))
        article = Article.objects.get(
            headline="李卫东主持召开2024年县委书记办公会第13次会议"
        )
        blocks = article.blocks()
        assert [b.kind for b in blocks[:3]] == ["photo", "html", "photo"]
        assert blocks[0].photo.credit == "记者 吴丹/摄"

    def test_links_the_officials_named(self, officials):
        call_command("import_digest", str(REFERENCE_PATH))
        article = Article.objects.get(headline="黄作盛到兰英乡调研")
        assert sorted(p.name for p in article.officials.all()) == ["黄作盛"]
        meeting = Article.objects.get(
            headline="李卫东主持召开2024年县委书记办公会第13次会议"
        )
        names = {p.name for p in meeting.officials.all()}
        assert {"李卫东", "王中", "黄作盛", "夏朝华", "陈钢", "林永"} <= names

    def test_private_citizens_are_never_made_officials(self, officials):
        before = Person.objects.count()
        call_command("import_digest", str(REFERENCE_PATH))
        assert Person.objects.count() == before
        assert not Person.objects.filter(name__in=["邹启凡", "赵本友"]).exists()

    def test_works_on_a_freshly_migrated_database(self):
        call_command("import_digest", str(REFERENCE_PATH))
        assert Article.objects.count() == 12
        assert not Article.objects.filter(officials__isnull=False).exists()

    def test_reimport_duplicates_nothing(self, officials):
        call_command("import_digest", str(REFERENCE_PATH))
        first = counts()
        photo_ids = set(Photo.objects.values_list("pk", flat=True))
        call_command("import_digest", str(REFERENCE_PATH))
        assert counts() == first
        assert set(Photo.objects.values_list("pk", flat=True)) == photo_ids

    def test_every_character_survives(self, officials):
        call_command("import_digest", str(REFERENCE_PATH))
        assert Article.objects.filter(headline__contains="民生为本\u2002 深化").exists()
        assert Article.objects.filter(body__contains="5—6万斤").exists()
        assert Article.objects.filter(body__contains="“10·21”").exists()

    def test_gb18030_file(self, tmp_path, reference_text):
        path = tmp_path / "gbk.txt"
        path.write_bytes(reference_text.encode("gb18030"))
        call_command("import_digest", str(path))
        assert Article.objects.count() == 12

    def test_second_page(self, officials):
        call_command("import_digest", str(FIXTURES / "second_2025-01-05.txt"))
        digest = WeeklyDigest.objects.get()
        assert digest.issued_on == datetime.date(2025, 1, 5)
        assert digest.items.count() == 3
        assert digest.briefs.count() == 2

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (b"", "文件是空的"),
            (b"\x00\x01\x02binary\x00", "不是文本文件"),
            (b"\x80\xff\xfd abc", "无法识别文件编码"),
            ("标题\n正文。\n".encode(), "缺少日期行"),
        ],
    )
    def test_bad_input_writes_nothing(self, tmp_path, content, message):
        path = tmp_path / "bad.txt"
        path.write_bytes(content)
        with pytest.raises(CommandError, match=message):
            call_command("import_digest", str(path))
        assert counts() == (0, 0, 0, 0, 0, 0, 0)

    def test_failure_midway_rolls_back(self, tmp_path, reference_text, monkeypatch):
        import digests.services

        def broken(*args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(digests.services, "_import_photos", broken)
        with pytest.raises(RuntimeError):
            call_command("import_digest", str(REFERENCE_PATH))
        assert counts() == (0, 0, 0, 0, 0, 0, 0)

    def test_missing_file(self, tmp_path):
        with pytest.raises(CommandError, match="无法读取文件"):
            call_command("import_digest", str(tmp_path / "nope.txt"))

    def test_dry_run_writes_nothing(self, capsys):
        call_command("import_digest", str(REFERENCE_PATH), "--dry-run")
        assert "12 篇稿件,14 张图片(11 张有署名),1 条简讯" in capsys.readouterr().out
        assert Article.objects.count() == 0

    def test_draft_import(self):
        call_command("import_digest", str(REFERENCE_PATH), "--draft")
        assert WeeklyDigest.objects.published().count() == 0
        assert Article.objects.published().count() == 0


class TestSeedDemo:
    def test_safe_to_run_twice(self, capsys):
        call_command("seed_demo")
        out = capsys.readouterr().out
        assert "总编账号(全部权限):editor" in out
        first = counts()
        assert Photo.objects.filter(is_sample=True).count() == 14
        assert all(photo.has_file for photo in Photo.objects.all())
        assert {(p.width, p.height) for p in Photo.objects.all()} == {(1200, 800)}
        call_command("seed_demo")
        assert counts() == first
        assert "已存在" in capsys.readouterr().out

    def test_officials_have_their_december_titles(self):
        call_command("seed_demo")
        day = DEC[10]
        titles = {
            p.name: p.title_text_on(day) for p in Person.objects.with_appointments()
        }
        assert titles["王中"] == "县委副书记、县长"
        assert titles["胡超"] == "县委常委、县纪委书记、县监委代理主任"
        assert titles["唐江洪"] == "县委常委、常务副县长"
        assert titles["李卫东"] == "县委书记"
        hu = Person.objects.get(name="胡超")
        assert any(a.is_acting for a in hu.appointments.all())
