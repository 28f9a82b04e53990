"""The site's URLs plus uploads: served only with DEBUG, but the browser needs the photos."""

from django.conf import settings
from django.urls import path
from django.views.static import serve

from wuxi_news.urls import urlpatterns as site_urlpatterns


def _uploads(request, path):
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [*site_urlpatterns, path("uploads/<path:path>", _uploads)]
