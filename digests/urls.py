from django.urls import path

from . import views

app_name = "digests"

urlpatterns = [
    path("<int:pk>/", views.DigestDetailView.as_view(), name="detail"),
]
