"""The site's URLs. Every public page is a path a file can be baked to: lists page by
path (`page/2/`), non-HTML URLs end in their extension (wuxi_news/publishing/files.py)."""

from django.conf import settings
from django.contrib import admin
from django.http import Http404
from django.urls import include, path
from django.views.generic import RedirectView, TemplateView
from django.views.static import serve

from wuxi_news.feeds import ColumnFeed
from wuxi_news.publishing.files import REFUSED
from wuxi_news.publishing.nginx import PRIVATE_UPLOADS
from wuxi_news.sitemaps import sitemap_index, sitemap_section
from wuxi_news.views import (
    ColumnView,
    HomeView,
    MaintenanceView,
    NotFoundView,
    PersonDetailView,
    PreferencesView,
    RobotsView,
    SearchView,
    SiteMapView,
)

people_urls = [
    path("<int:pk>/", PersonDetailView.as_view(), name="detail"),
    path("<int:pk>/page/<int:page>/", PersonDetailView.as_view(), name="detail_page"),
]

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("admin/", admin.site.urls),
    path("column/<slug:slug>/", ColumnView.as_view(), name="column"),
    path(
        "column/<slug:slug>/page/<int:page>/", ColumnView.as_view(), name="column_page"
    ),
    path("column/<slug:slug>/rss.xml", ColumnFeed(), name="feed"),
    # The feed's address before the site was baked to files.
    path(
        "column/<slug:slug>/rss/",
        RedirectView.as_view(pattern_name="feed", permanent=True),
    ),
    path("prefs/", PreferencesView.as_view(), name="prefs"),
    path("robots.txt", RobotsView.as_view(), name="robots"),
    path("", include("articles.urls")),
    path("digests/", include("digests.urls")),
    path("people/", include((people_urls, "people"))),
    path("search/", SearchView.as_view(), name="search"),
    path("sitemap/", SiteMapView.as_view(), name="site_map"),
    path("sitemap.xml", sitemap_index, name="sitemap"),
    path(
        "sitemap-<slug:section>-<int:page>.xml", sitemap_section, name="sitemap_section"
    ),
    # Baked beside the pages: what nginx or a bucket answers for a missing page, and
    # while the application is down.
    path("404.html", NotFoundView.as_view(), name="not_found_page"),
    path("maintenance.html", MaintenanceView.as_view(), name="maintenance_page"),
    # ... and what nginx answers when it refuses a request itself (400, 413, 414, 431).
    *(
        path(
            file,
            TemplateView.as_view(template_name=f"refused/{status}.html"),
            name=f"refused_{status}_page",
        )
        for status, file in REFUSED.items()
    ),
]


def serve_upload(request, path):
    """Development only: photos, as nginx serves them; never the editors' imports."""
    if path.startswith(PRIVATE_UPLOADS) or "/../" in f"/{path}/":
        raise Http404
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.DEBUG:
    # Production serves uploads from the web server or object storage.
    urlpatterns += [path("uploads/<path:path>", serve_upload)]
