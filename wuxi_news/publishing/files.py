"""Where a public URL's baked bytes live, and how they are served.

One home for the rules nginx (`nginx_conf`), the targets and the parity tests share:
`/articles/5/` is `articles/5/index.html`, `/column/wxyw/rss.xml` is itself; the
Content-Type goes by the file's name.
"""

from pathlib import PurePosixPath

INDEX = "index.html"
NOT_FOUND = "404.html"
MAINTENANCE = "maintenance.html"
# What nginx answers, with the status, when it refuses a request before Django could
# (a malformed request line, a URL, a header or a body too large): a page each, baked
# beside 404.html from templates/refused/.
REFUSED = {400: "400.html", 413: "413.html", 414: "414.html", 431: "431.html"}

# By the end of the file name, the longest match first.
CONTENT_TYPES = {
    "rss.xml": "application/rss+xml; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}
# Query parameters a public page reads. A request carrying one of them is rendered by
# Django (a search, a filtered column); any other parameter (`?utm=N`) is ignored, so
# it gets the baked file and no cache keys on it.
KNOWN_PARAMETERS = ("q", "month", "official", "column", "order", "page")


class NotPublishable(ValueError):
    """A path that cannot be a baked file (a query string, `..`, a hidden part)."""


def file_for(path: str) -> str:
    """The file, relative to the site root, that holds the URL path `path`."""
    if not path.startswith("/") or "?" in path or "#" in path or "\\" in path:
        raise NotPublishable(path)
    parts = [part for part in path.split("/") if part]
    if any(part in (".", "..") or part.startswith(".") for part in parts):
        raise NotPublishable(path)
    if path.endswith("/"):
        parts.append(INDEX)
    elif not PurePosixPath(path).suffix:
        raise NotPublishable(path)  # a path without a slash or an extension
    return "/".join(parts)


def path_for(file: str) -> str:
    """The URL path a baked file answers: the inverse of `file_for`."""
    if file == INDEX:
        return "/"
    if file.endswith("/" + INDEX):
        return "/" + file.removesuffix(INDEX)
    return "/" + file


def content_type_for(file: str) -> str:
    for ending, content_type in CONTENT_TYPES.items():
        if file.endswith(ending):
            return content_type
    return "application/octet-stream"


def is_baked_file(file: str) -> bool:
    """Whether `file` is one the baker writes (HTML pages, feeds and sitemaps,
    robots.txt), so that repairing a target never touches anything else in it."""
    name = file.rsplit("/", 1)[-1]
    return name.endswith((".html", ".xml")) or file == "robots.txt"
