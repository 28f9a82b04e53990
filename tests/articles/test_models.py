import datetime

import pytest
from django.utils import timezone

from articles.body import block_text, split_blocks
from articles.models import Article
from articles.services import column_slug, ensure_column_path
from tests.factories import make_article, make_column, make_photo, place_photo
from wuxi_news.text import clean_text, sanitize_html

pytestmark = pytest.mark.django_db


class TestPublishedQuerySet:
    def test_only_published_and_due(self):
        now = timezone.now()
        public = make_article()
        make_article(status=Article.Status.DRAFT)
        make_article(status=Article.Status.REVIEW)
        scheduled = make_article(published_at=now + datetime.timedelta(hours=1))
        assert list(Article.objects.published()) == [public]
        assert scheduled.is_scheduled and not scheduled.is_published
        # Scheduled articles become public when their time comes, no job needed.
        later = now + datetime.timedelta(hours=2)
        assert set(Article.objects.published(now=later)) == {public, scheduled}

    def test_latest_per_column(self):
        today = timezone.localdate()
        first, second = make_column(), make_column()
        articles = {
            (column, age): make_article(
                column=column, news_on=today - datetime.timedelta(days=age)
            )
            for column in (first, second)
            for age in range(3)
        }
        latest = list(Article.objects.published().latest_per_column(2))
        assert set(latest) == {
            articles[(column, age)] for column in (first, second) for age in (0, 1)
        }

    def test_search_finds_chinese_substrings(self):
        hit = make_article(headline="高规格高水平规划建设凤凰水城")
        body_hit = make_article(body="<p>正在建设的凤凰水城以水为脉。</p>")
        make_article(headline="王中到大河乡调研")
        assert set(Article.objects.search("凤凰水城")) == {hit, body_hit}


class TestBlocks:
    def test_photos_between_paragraphs(self):
        article = make_article(body="<p>一。</p><p>二。</p><p>三。</p>")
        before = place_photo(article, make_photo(caption="前"), after_paragraph=0)
        after_first = place_photo(
            article, make_photo(caption="一后"), after_paragraph=1
        )
        second_after_first = place_photo(
            article, make_photo(caption="一后再"), after_paragraph=1, order=1
        )
        overflow = place_photo(article, make_photo(caption="末"), after_paragraph=9)
        blocks = article.blocks()
        layout = [b.photo.caption if b.kind == "photo" else b.text for b in blocks]
        assert layout == ["前", "一。", "一后", "一后再", "二。", "三。", "末"]
        assert {before.pk, after_first.pk, second_after_first.pk, overflow.pk}

    def test_split_blocks_wraps_loose_text(self):
        assert split_blocks("甲<br>乙<p>丙</p>") == [
            "<p>甲</p>",
            "<p>乙</p>",
            "<p>丙</p>",
        ]

    def test_block_text_decodes_entities(self):
        assert block_text("<p>A &amp; B “引号”</p>") == "A & B “引号”"


class TestSanitizing:
    @pytest.mark.parametrize(
        "hostile",
        [
            "<script>alert(1)</script><p>正文</p>",
            '<p onclick="alert(1)">正文</p>',
            '<p><a href="javascript:alert(1)">正文</a></p>',
            '<p style="background:url(javascript:alert(1))">正文</p>',
            '<iframe src="https://evil.example/"></iframe><p>正文</p>',
            "<p>正文</p><style>body{display:none}</style>",
            "<img src=x onerror=alert(1)><p>正文</p>",
        ],
    )
    def test_hostile_html_never_reaches_the_database(self, hostile):
        article = make_article(body=hostile)
        article.refresh_from_db()
        lowered = article.body.lower()
        for needle in ["<script", "onclick", "javascript:", "style=", "<iframe", "<style",
                       "onerror", "<img"]:  # fmt: skip
            assert needle not in lowered
        assert "正文" in article.body

    def test_allowed_markup_is_kept(self):
        html = '<h2>小标题</h2><p><strong>重点</strong><a href="https://www.cqwx.gov.cn/">链接</a></p>'
        cleaned = sanitize_html(html)
        assert "<h2>小标题</h2>" in cleaned and "<strong>重点</strong>" in cleaned
        assert 'href="https://www.cqwx.gov.cn/"' in cleaned

    def test_headline_normalized(self):
        article = make_article(headline="巫溪\u200b要闻\u202e测试\ufeff")
        assert article.headline == "巫溪要闻测试"

    def test_clean_text_keeps_full_width_and_en_space(self):
        text = "民生为本\u2002 深化,“10·21”5—6万斤:(左二)"
        assert clean_text(text) == text

    def test_clean_text_is_nfc(self):
        assert clean_text("e\u0301") == "\u00e9"


class TestColumns:
    def test_breadcrumb_ancestors(self):
        parent = make_column(name="新闻中心", slug="xwzx")
        child = make_column(name="巫溪要闻", slug="wxyw", parent=parent)
        assert [c.name for c in child.ancestors()] == ["新闻中心", "巫溪要闻"]

    def test_slug_is_ascii_pinyin_initials(self):
        assert column_slug("巫溪要闻") == "wxyw"
        assert column_slug("★") == "column"

    def test_ensure_column_path_reuses_and_deduplicates_slugs(self):
        make_column(name="其他", slug="wxyw")
        column = ensure_column_path(names=["巫溪要闻"])
        assert column.slug == "wxyw-2"
        assert ensure_column_path(names=["巫溪要闻"]) == column
