from django.urls import path

from . import export_views, views

app_name = "digests"

urlpatterns = [
    path("<int:pk>/", views.DigestDetailView.as_view(), name="detail"),
    path("<int:pk>/export/<str:fmt>/", export_views.digest_export, name="export"),
]
