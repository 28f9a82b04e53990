from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.static import serve

from articles.sitemaps import ArticleSitemap, ColumnSitemap
from digests.sitemaps import DigestSitemap
from people.sitemaps import PersonSitemap
from wuxi_news.cache import public_page
from wuxi_news.feeds import ColumnFeed
from wuxi_news.views import (
    ColumnView,
    HomeView,
    PersonDetailView,
    PreferencesView,
    RobotsView,
    SearchView,
    SiteMapView,
)

sitemaps = {
    "columns": ColumnSitemap,
    "articles": ArticleSitemap,
    "digests": DigestSitemap,
    "people": PersonSitemap,
}

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("admin/", admin.site.urls),
    path("column/<slug:slug>/", ColumnView.as_view(), name="column"),
    path("column/<slug:slug>/rss/", public_page(ColumnFeed()), name="feed"),
    path("prefs/", PreferencesView.as_view(), name="prefs"),
    path("robots.txt", RobotsView.as_view(), name="robots"),
    path("", include("articles.urls")),
    path("digests/", include("digests.urls")),
    path(
        "people/",
        include(
            ([path("<int:pk>/", PersonDetailView.as_view(), name="detail")], "people")
        ),
    ),
    path("search/", SearchView.as_view(), name="search"),
    path("sitemap/", SiteMapView.as_view(), name="site_map"),
    path("sitemap.xml", public_page(sitemap), {"sitemaps": sitemaps}, name="sitemap"),
]

if settings.DEBUG:
    # Development only; production serves uploads from the web server or object storage.
    urlpatterns += [
        path("uploads/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
