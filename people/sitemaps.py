from django.contrib.sitemaps import Sitemap

from .models import Person


class PersonSitemap(Sitemap):
    """Every registered official has a page (see wuxi_news.views.PersonDetailView)."""

    changefreq = "monthly"

    def items(self):
        return Person.objects.officials().order_by("pk")
