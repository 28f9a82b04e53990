"""Database errors answered with a Chinese page instead of a raw 500.

An outage is a 503; a value the database cannot hold (an id of twenty digits forged
into a form, which Django's choice fields pass on to SQLite or PostgreSQL) is a 400.
Nothing is half-written: the admin's views and the services run in transactions, which
the error rolls back. The page says so, and that the change may be submitted again.
"""

import logging

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.db import DataError, InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.functional import empty

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DataError | OverflowError):
            logger.warning(
                "Value out of the database's range in %s %s; answered 400",
                request.method,
                request.path,
                exc_info=exception,
            )
            content = render_to_string("400.html", {}, request)
            return HttpResponse(content, status=400)
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error(
            "Database unavailable during %s %s; answered 503",
            request.method,
            request.path,
            exc_info=exception,
        )
        # templates/503.html needs no query: the database is what failed.
        content = render_to_string(
            "503.html", {"unsaved": request.method not in SAFE_METHODS}, request
        )
        response = HttpResponse(content, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
        return response


class ErrorPagesInDebugMiddleware:
    """In the demo (DEBUG), the Chinese 404 and 500 pages production shows.

    Django's debug pages would answer instead; the traceback of a 500 still goes to the
    console log. Installed only when DEBUG is on (settings: DJANGO_DEBUG_ERROR_PAGES).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 404 and not getattr(response, "is_site_page", 0):
            # A URL no route matches: Django's resolver answered with its debug page.
            return self._page(request, "404.html", 404)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, Http404):
            return self._page(request, "404.html", 404)
        if isinstance(exception, PermissionDenied | BadRequest | SuspiciousOperation):
            return None  # Django's own handlers answer with the Chinese 403 and 400
        logger.error("Internal Server Error: %s", request.path, exc_info=exception)
        return self._page(request, "500.html", 500)

    def _page(self, request, template, status):
        context = {} if status == 500 else None
        content = render_to_string(
            template, context, request if context is None else None
        )
        response = HttpResponse(content, status=status)
        response.is_site_page = True
        return response


class StaffNoStoreMiddleware:
    """What a signed-in user is shown (a preview, maybe) is kept by no shared cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        # Only a user the request already looked up: a response that never asked who
        # is signed in cannot show anything personal, and asking now would load the
        # session from a database that may be down (the 503 answered for it).
        if user is None or getattr(user, "_wrapped", None) is empty:
            return response
        if user.is_authenticated:
            response.setdefault("Cache-Control", "private, no-store")
        return response
