"""Bake a URL: render it through Django's own URL resolver, middleware and views, as an
anonymous reader at the public address (PUBLISH_BASE_URL) asks for it.

The same templates and views as the staff preview and as `make demo`, so the baked
bytes are what Django answers for that URL. A page that would carry a cookie (a CSRF
token, a session) is refused: a baked file is the same for every reader.
"""

import io
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIRequest
from django.urls import set_urlconf

from .files import content_type_for, file_for

logger = logging.getLogger(__name__)


class BakeError(RuntimeError):
    """A URL that answered neither a page nor a 404 (a 500, a redirect, a cookie)."""


@dataclass(frozen=True)
class Rendered:
    path: str
    status: int  # 200: write the file; 404: delete it
    content: bytes = b""
    content_type: str = ""

    @property
    def file(self) -> str:
        return file_for(self.path)


class _Handler(BaseHandler):
    def __init__(self):
        super().__init__()
        self.load_middleware()


_handler: _Handler | None = None


def _environ(path: str) -> dict:
    base = urlsplit(settings.PUBLISH_BASE_URL)
    secure = base.scheme == "https"
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": base.hostname or "localhost",
        "SERVER_PORT": str(base.port or (443 if secure else 80)),
        "HTTP_HOST": base.netloc,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_USER_AGENT": "WuxiNews-Baker/1.0",
        "wsgi.url_scheme": base.scheme or "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def render(path: str) -> Rendered:
    """Render `path` as the public sees it: 200 with its bytes, or 404."""
    global _handler
    if _handler is None:
        _handler = _Handler()
    set_urlconf(None)
    response = _handler.get_response(WSGIRequest(_environ(path)))
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    if response.status_code == 404:
        return Rendered(path, 404)
    if response.status_code != 200 or response.streaming:
        raise BakeError(f"{path} answered {response.status_code}")
    if response.cookies:
        raise BakeError(f"{path} sets a cookie: {', '.join(response.cookies)}")
    content_type = response.get("Content-Type", "")
    expected = content_type_for(file_for(path))
    if content_type.replace(" ", "").lower() != expected.replace(" ", "").lower():
        raise BakeError(f"{path} is {content_type!r}, its file name says {expected!r}")
    return Rendered(path, 200, response.content, expected)
