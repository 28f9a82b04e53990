"""The public page cache: rendered pages for anonymous GETs, keyed on a content generation.

Every save or delete of public content starts a new generation (signals below), so an
editor's change shows at once and old entries simply expire. Scheduled publication is a
matter of time, not of a save: the state also records when the next scheduled article or
digest goes live, and the first request after that moment starts a new generation.
Signed-in users (staff previews) are never served from, nor stored into, the cache.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models import Min
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, quote_etag

from .context_processors import reading_prefs

STATE_KEY = "pages:state"


def page_cache_seconds() -> int:
    """How long a rendered page is kept; 0 switches the page cache off.

    A per-process cache (locmem) cannot hear about an edit made in another worker, so
    there pages are kept only briefly; a shared cache (Redis) keeps them the full time.
    """
    seconds = getattr(settings, "PAGE_CACHE_SECONDS", 600)
    if isinstance(caches["default"], LocMemCache):
        seconds = min(seconds, getattr(settings, "PAGE_CACHE_LOCAL_SECONDS", 10))
    return seconds


def _next_scheduled(now) -> float | None:
    """When the next published-but-scheduled article or digest goes live."""
    from articles.models import Article
    from digests.models import WeeklyDigest

    times = [
        model.objects.filter(status="published", published_at__gt=now).aggregate(
            at=Min("published_at")
        )["at"]
        for model in (Article, WeeklyDigest)
    ]
    times = [t for t in times if t is not None]
    return min(times).timestamp() if times else None


def new_generation(**kwargs) -> dict:
    """Start a new generation, looking up when the next scheduled item goes live."""
    return _store(_next_scheduled(timezone.now()))


def _store(until: float | None) -> dict:
    state = {
        "generation": time.time_ns(),
        "changed": int(time.time()),
        "until": until,
    }
    cache.set(STATE_KEY, state, None)
    return state


def content_changed(sender=None, instance=None, **kwargs) -> None:
    # Now, without a query: the saved row may itself be scheduled, so its time counts.
    state = cache.get(STATE_KEY) or {}
    until = state.get("until")
    at = getattr(instance, "published_at", None)
    if at is not None and at.timestamp() > time.time():
        until = min(until or at.timestamp(), at.timestamp())
    _store(until)
    # And once more after the commit, looking the schedule up afresh, so that a page
    # rendered by another request before the commit is not kept under the new one.
    connection = transaction.get_connection()
    if not any(entry[1] is new_generation for entry in connection.run_on_commit):
        transaction.on_commit(new_generation)


def current_state() -> dict:
    state = cache.get(STATE_KEY)
    if state is None or (state["until"] and time.time() >= state["until"]):
        state = new_generation()
    return state


def _key(request, generation: int) -> str:
    prefs = reading_prefs(request)
    raw = "|".join(
        [
            request.scheme,
            request.get_host(),
            request.get_full_path(),
            prefs["font"],
            "elder" if prefs["elder"] else "",
        ]
    )
    return f"pages:{generation}:{hashlib.md5(raw.encode()).hexdigest()}"


# Only a page number makes another cached copy: searches, filters and any other query
# string (`?utm=N`) are rendered on request, so no flood of URLs can fill the cache.
CACHED_PARAMETERS = frozenset({"page"})


def is_cacheable(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and page_cache_seconds() > 0
        and not request.user.is_authenticated
        and set(request.GET) <= CACHED_PARAMETERS
    )


def serve_page(request, render):
    """Serve `render()`'s page from the cache when the request is public, with validators."""
    if not is_cacheable(request):
        response = render()
        if request.user.is_authenticated:
            # Staff may see previews: no shared cache downstream may keep them.
            response["Cache-Control"] = "private, no-store"
        return response
    state = current_state()
    key = _key(request, state["generation"])
    entry = cache.get(key)
    if entry is None:
        response = render()
        if hasattr(response, "render"):
            response.render()
        if response.status_code != 200 or response.cookies or response.streaming:
            return response
        entry = {
            "content": response.content,
            "content_type": response["Content-Type"],
            "etag": quote_etag(hashlib.md5(response.content).hexdigest()),
            "last_modified": state["changed"],
        }
        cache.set(key, entry, page_cache_seconds())
    response = HttpResponse(entry["content"], content_type=entry["content_type"])
    response["ETag"] = entry["etag"]
    response["Last-Modified"] = http_date(entry["last_modified"])
    response["Cache-Control"] = "public, max-age=0, must-revalidate"
    patch_vary_headers(response, ["Cookie"])
    return (
        get_conditional_response(
            request,
            etag=entry["etag"],
            last_modified=entry["last_modified"],
            response=response,
        )
        or response
    )


def public_page(view):
    """Decorator for function views (sitemap, feeds): see `serve_page`."""

    def wrapped(request, *args, **kwargs):
        return serve_page(request, lambda: view(request, *args, **kwargs))

    wrapped.__name__ = getattr(view, "__name__", "public_page")
    return wrapped


class PublicPageMixin:
    """For class-based views: serve anonymous GETs from the page cache."""

    def dispatch(self, request, *args, **kwargs):
        parent = super().dispatch
        return serve_page(request, lambda: parent(request, *args, **kwargs))


def connect_signals() -> None:
    from articles.models import Article, ArticlePhoto, Column
    from digests.models import Brief, DigestItem, WeeklyDigest
    from media.models import Photo
    from people.models import Appointment, Organization, Person, Position

    models = [Article, ArticlePhoto, Photo, WeeklyDigest, DigestItem, Brief, Person]
    models += [Appointment, Position, Organization, Column]
    for model in models:
        uid = f"pages-{model._meta.label_lower}"
        post_save.connect(content_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"{uid}-del")
    m2m_changed.connect(
        content_changed,
        sender=Article.officials.through,
        dispatch_uid="pages-officials",
    )
