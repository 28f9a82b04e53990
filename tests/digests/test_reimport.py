"""Importing a page again keeps editors' work: nothing duplicated, nothing edited or
published overwritten without --update, a published digest never loses stories
without --force, and every import is a revision."""

import pytest
from django.core.management import CommandError, call_command
from reversion.models import Version

from articles.models import Article, Column
from digests.models import DigestItem, WeeklyDigest
from tests.conftest import FIXTURES, REFERENCE_PATH
from tests.factories import make_article

pytestmark = pytest.mark.django_db

ARTICLE_PAGE = FIXTURES / "pages" / "wxyw_photo_first_2025-10-17.txt"


def state():
    return (
        list(Article.objects.order_by("pk").values_list("pk", "headline", "body")),
        list(DigestItem.objects.order_by("digest", "order").values_list("article_id")),
    )


def import_pages(*paths, **options):
    call_command("import_pages", *map(str, paths), **options)


@pytest.fixture
def imported():
    call_command("import_digest", str(REFERENCE_PATH))
    return WeeklyDigest.objects.get()


class TestRevisions:
    def test_every_import_writes_a_revision_named_after_the_file(self, imported):
        article = Article.objects.order_by("pk").first()
        versions = Version.objects.get_for_object(article)
        assert [v.revision.comment for v in versions] == [
            "导入 reference_2024-12-15.txt"
        ]
        digest_versions = Version.objects.get_for_object(imported)
        assert digest_versions.count() == 1

    def test_an_article_page_import_is_a_revision(self):
        import_pages(ARTICLE_PAGE)
        article = Article.objects.get()
        [version] = Version.objects.get_for_object(article)
        assert version.revision.comment == f"导入 {ARTICLE_PAGE}"

    def test_an_unchanged_reimport_writes_nothing(self, imported):
        before = state()
        call_command("import_digest", str(REFERENCE_PATH))
        assert state() == before
        article = Article.objects.order_by("pk").first()
        assert Version.objects.get_for_object(article).count() == 1


class TestEditorsWork:
    def test_reimport_keeps_an_editors_body_correction(self, imported, capsys):
        article = Article.objects.order_by("pk").first()
        article.body = article.body.replace("调研座谈会召开", "调研座谈会隆重召开", 1)
        article.save()
        call_command("import_digest", str(REFERENCE_PATH))
        article.refresh_from_db()
        assert "隆重召开" in article.body
        assert Article.objects.count() == 12

    def test_an_edited_headline_makes_no_duplicate(self, imported):
        article = Article.objects.order_by("pk").first()
        article.headline = "巫溪县召开社会民生及安全稳定调研座谈会(编辑改)"
        article.save()
        before = state()
        call_command("import_digest", str(REFERENCE_PATH))
        assert state() == before
        assert imported.items.get(is_lead=True).article == article

    def test_a_changed_page_over_a_published_article_needs_update(
        self, imported, tmp_path, reference_text, capsys
    ):
        changed = tmp_path / "changed.txt"
        changed.write_text(
            reference_text.replace(
                "持续用力、久久为功", "持续用力、久久为功、善作善成"
            ),
            encoding="utf-8",
        )
        before = state()
        call_command("import_digest", str(changed))
        assert state() == before
        err = capsys.readouterr().err
        assert "已发布,未更新" in err and "--update" in err
        call_command("import_digest", str(changed), "--update")
        out = capsys.readouterr().out
        assert (
            "更新《巫溪县召开2025年社会民生及安全稳定调研座谈会》:正文(第 3 段不同)"
            in out
        )
        article = Article.objects.order_by("pk").first()
        assert "善作善成" in article.body
        comments = [v.revision.comment for v in Version.objects.get_for_object(article)]
        assert comments == ["导入 changed.txt", "导入 reference_2024-12-15.txt"]
        assert Article.objects.count() == 12

    def test_an_unpublished_unedited_article_is_updated_without_update(self, tmp_path):
        page = tmp_path / "page.txt"
        text = ARTICLE_PAGE.read_text(encoding="utf-8")
        page.write_text(text, encoding="utf-8")
        import_pages(page, draft=True)
        page.write_text(text.replace("天干物燥", "天干物燥、风大"), encoding="utf-8")
        import_pages(page, draft=True)
        assert "风大" in Article.objects.get().body
        assert Article.objects.get().status == Article.Status.DRAFT

    def test_an_edited_draft_needs_update(self, tmp_path, capsys):
        page = tmp_path / "page.txt"
        text = ARTICLE_PAGE.read_text(encoding="utf-8")
        page.write_text(text, encoding="utf-8")
        import_pages(page, draft=True)
        article = Article.objects.get()
        article.body += "<p>编辑补充的一段。</p>"
        article.save()
        page.write_text(text.replace("天干物燥", "天干物燥、风大"), encoding="utf-8")
        import_pages(page, draft=True)
        assert "编辑导入后改过" in capsys.readouterr().err
        article.refresh_from_db()
        assert "编辑补充" in article.body and "风大" not in article.body
        import_pages(page, draft=True, update=True)
        article.refresh_from_db()
        assert "风大" in article.body


class TestPublishedDigest:
    def test_a_cut_page_never_shrinks_a_published_digest(self, imported, tmp_path):
        text = REFERENCE_PATH.read_text(encoding="utf-8")
        cut = tmp_path / "cut.txt"
        cut.write_text(text[: len(text) * 4 // 10].rsplit("\n", 1)[0], encoding="utf-8")
        before = state()
        with pytest.raises(CommandError, match="会失去 .* 篇稿件.*--force"):
            call_command("import_digest", str(cut), "--update")
        assert state() == before
        assert imported.items.count() == 12 and imported.briefs.count() == 1

    def test_force_lets_it_lose_stories(self, imported, tmp_path):
        text = REFERENCE_PATH.read_text(encoding="utf-8")
        cut = tmp_path / "cut.txt"
        cut.write_text(text[: len(text) * 4 // 10].rsplit("\n", 1)[0], encoding="utf-8")
        call_command("import_digest", str(cut), "--update", "--force")
        assert imported.items.count() < 12

    def test_folder_import_refuses_the_cut_page_and_exits_non_zero(
        self, imported, tmp_path
    ):
        text = REFERENCE_PATH.read_text(encoding="utf-8")
        (tmp_path / "cut.txt").write_text(text[: len(text) * 4 // 10], encoding="utf-8")
        with pytest.raises(CommandError, match="1 个文件被拒绝"):
            import_pages(tmp_path)
        assert imported.items.count() == 12

    def test_an_editors_reordering_is_kept(self, imported, capsys):
        items = list(imported.items.order_by("order"))
        items[1].order, items[2].order = items[2].order, items[1].order
        items[1].save()
        items[2].save()
        before = state()
        call_command("import_digest", str(REFERENCE_PATH))
        assert state() == before
        assert "未更新" in capsys.readouterr().err


class TestColumns:
    def test_a_sibling_columns_path_is_created_under_its_parents(self):
        import_pages(FIXTURES / "pages" / "zsxx_spaced_breadcrumb_2020-03-10.txt")
        column = Article.objects.get().column
        assert [c.name for c in column.ancestors()] == ["投资发展", "招商信息"]

    def test_column_option_overrides_the_breadcrumb(self):
        target = Column.objects.create(name="巫溪要闻", slug="wxyw")
        import_pages(
            FIXTURES / "pages" / "zsxx_spaced_breadcrumb_2020-03-10.txt", column="wxyw"
        )
        assert Article.objects.get().column == target
        assert not Column.objects.filter(name="招商信息").exists()

    def test_an_unknown_column_slug_is_refused(self):
        with pytest.raises(CommandError, match="没有网址标识为“nope”的栏目"):
            import_pages(ARTICLE_PAGE, column="nope")


def test_an_article_editors_wrote_is_never_overwritten_without_update():
    column = Column.objects.create(name="巫溪要闻", slug="wxyw")
    article = make_article(
        column=column,
        headline="巫溪县召开2025年秋冬季森林防灭火工作会议",
        news_on="2025-10-16",
        status=Article.Status.DRAFT,
        published_at=None,
        body="<p>编辑自己写的稿件。</p>",
    )
    import_pages(ARTICLE_PAGE)
    article.refresh_from_db()
    assert article.body == "<p>编辑自己写的稿件。</p>"
    assert Article.objects.count() == 1
