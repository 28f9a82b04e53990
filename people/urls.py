from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("<int:pk>/", views.PersonDetailView.as_view(), name="detail"),
]
