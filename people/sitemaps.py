from django.contrib.sitemaps import Sitemap

from .models import Person


class PersonSitemap(Sitemap):
    """Every registered official has a page (see people.views.PersonDetailView)."""

    changefreq = "monthly"

    def items(self):
        return Person.objects.officials().order_by("pk")
