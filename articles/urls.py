from django.urls import path

from wuxi_news.cache import public_page

from . import views
from .feeds import ColumnFeed

app_name = "articles"

urlpatterns = [
    path("column/<slug:slug>/", views.ColumnView.as_view(), name="column"),
    path("column/<slug:slug>/rss/", public_page(ColumnFeed()), name="feed"),
    path("articles/<int:pk>/", views.ArticleDetailView.as_view(), name="detail"),
    path("prefs/", views.PreferencesView.as_view(), name="prefs"),
    path("robots.txt", views.RobotsView.as_view(), name="robots"),
]
