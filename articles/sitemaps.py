from django.contrib.sitemaps import Sitemap

from .models import Article, Column


class ArticleSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Article.objects.published().order_by("-news_on", "pk")

    def lastmod(self, article):
        return article.updated_at


class ColumnSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return Column.objects.order_by("rank", "pk")
