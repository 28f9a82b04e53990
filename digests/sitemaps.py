from django.contrib.sitemaps import Sitemap

from .models import WeeklyDigest


class DigestSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return WeeklyDigest.objects.published().order_by("-issued_on", "pk")

    def lastmod(self, digest):
        return digest.updated_at
