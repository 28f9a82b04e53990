from django.urls import path
from django.views.generic import TemplateView

from wuxi_news.urls import urlpatterns as site_urlpatterns

# The reference: a template as large as the digest page, rendered with no database.
urlpatterns = [
    *site_urlpatterns,
    path("bench/bare/", TemplateView.as_view(template_name="bench_bare.html")),
]
