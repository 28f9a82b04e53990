from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("articles/<int:pk>/", views.ArticleDetailView.as_view(), name="detail"),
]
