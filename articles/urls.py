from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("column/<slug:slug>/", views.ColumnView.as_view(), name="column"),
    path("articles/<int:pk>/", views.ArticleDetailView.as_view(), name="detail"),
]
