"""nginx in front of the baked site: the files of the live release first, Django for the rest.

`nginx_config()` returns a complete configuration (`events`, `http`, pid, logs, temp and
cache folders) that runs as `nginx -p PREFIX -c FILE`, unprivileged if need be;
`python manage.py nginx_conf` prints it. The rules come from their one home:
`files.CONTENT_TYPES` (Content-Type by the end of the file name), `files.KNOWN_PARAMETERS`
(a query string Django must answer), the security settings (the headers Django sends),
the upload limits (the admin's ZIP of old pages).

A request for a public URL is answered, in this order:

1. from the file of `root` (`PUBLISH_ROOT/current`, a symlink to the live release) that
   `files.file_for` names: `/articles/5/` is `articles/5/index.html`, `/sitemap.xml`
   itself. A path with neither a slash nor an extension is no file (Django redirects
   it to the slash), nor is a hidden part (`/.x`), a method other than GET or HEAD, or a
   query string carrying a known parameter (`?q=`, `?page=`); any other query string
   (`?utm=1`) gets the file;
2. else by Django (`@django`), through a short microcache keyed on the path and the known
   parameters only, bypassed for signed-in staff (a `sessionid` cookie);
3. when Django cannot be reached, by `maintenance.html` of the release, as a 503.

What nginx refuses itself — a malformed request line (400), a URL over 8 KB (414), a
header line over 8 KB (431; nginx's own code is 494), a body over the limit (413), and
for Django a request line gunicorn would refuse in English (a raw, unencoded `/巫溪`) —
gets the release's Chinese page for it (`files.REFUSED`) with that status, as a missing
file under `/static/` or `/uploads/` gets its 404.html.

`/admin/`, `/prefs/` and `/search/` always go to Django, never cached; `/static/` and
`/uploads/` (photos only) are files of `STATIC_ROOT` and `MEDIA_ROOT`.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from . import files

# How long nginx keeps a page Django rendered. One second is enough to turn a burst on
# one URL (a link shared in a WeChat group) into one render per second, and short
# enough that nobody notices: published pages are baked files anyway.
MICROCACHE_SECONDS = 1
# Baked pages: browsers and a CDN may reuse a page for a minute without asking, then
# revalidate cheaply (nginx's ETag/Last-Modified give a 304). A minute absorbs bursts
# at the CDN, and a correction the editors publish still shows everywhere within it.
BAKED_CACHE_CONTROL = "public, max-age=60"
# `/static/`: names with the content hash of ManifestStaticFilesStorage
# (`site.3f2a1b4c5d6e.css`) never change; the unhashed copies beside them may.
STATIC_HASHED_CACHE_CONTROL = "public, max-age=31536000, immutable"
STATIC_CACHE_CONTROL = "public, max-age=3600"
# Photos and renditions have generated names; a day, so that a withdrawn photo is gone
# from browsers by tomorrow.
UPLOADS_CACHE_CONTROL = "public, max-age=86400"
# Retry-After of the maintenance page, as Django's own 503 page (the database down).
RETRY_AFTER_SECONDS = 30
# Shown when Django is down and the release has no maintenance.html either.
NO_MAINTENANCE_TEXT = "网站正在维护,请稍后再来。"
# The only address whose `X-Publish-Refresh: 1` is obeyed: the publish worker of this
# node. Not all of 127.0.0.0/8, and a TLS terminator on the same host must not pass
# the header on (it would make every request look local).
REFRESH_FROM = ("127.0.0.1/32", "::1/128")
REFRESH_HEADER = "X-Publish-Refresh"
# Shown when the release has no page for what nginx refused (a release baked before
# it had them, or a web node serving an empty folder).
REFUSED_TEXT = {
    400: "请求有误,网站无法处理。",
    404: "页面不存在。",
    413: "提交的内容太大,没有保存。",
    414: "网址太长,网站无法处理。",
    431: "浏览器发来的 Cookie 太大,请清除本网站的 Cookie 后再试。",
}
# The longest request line or header line nginx takes (its default): longer is a 414
# or a 431. gunicorn (deploy/systemd) is started with `--limit-request-line 8190`, so
# that it takes every line nginx passes on (8 KB with the line's CRLF).
HEADER_LINE_LIMIT = "8k"

# `/static/`: what collectstatic gathers (the site, the admin, CKEditor).
STATIC_TYPES = {
    "text/css": "css",
    "application/javascript": "js mjs",
    "application/json": "json map",
    "image/svg+xml": "svg",
    "image/png": "png",
    "image/jpeg": "jpg jpeg",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/x-icon": "ico",
    "font/woff2": "woff2",
    "font/woff": "woff",
    "text/html": "html",  # CKEditor's dialogs
    "text/plain": "txt md",
}
STATIC_TEXT_TYPES = ("text/css", "application/javascript", "text/plain", "text/html")
STATIC_GZIP_TYPES = (
    "text/css",
    "application/javascript",
    "image/svg+xml",
    "text/plain",
)
# Where `/uploads/` keeps what no visitor may read: the editors' uploaded page files.
PRIVATE_UPLOADS = ("imports/",)

_HOST = r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)"
_ADDRESS = re.compile(rf"(?:(?P<host>{_HOST}):)?(?P<port>[0-9]{{1,5}})")
# Characters a path or a header value (both written quoted) may not hold: nginx would
# read `$` as a variable, and the rest would end or escape the quoted value.
_UNSAFE = re.compile(r'["$\\\n\r]')


def parse_address(value: str, *, what: str, host_required: bool) -> str:
    """`HOST:PORT` (or only `PORT` when the host may be left out), checked."""
    match = _ADDRESS.fullmatch(value.strip())
    if (
        match is None
        or not 1 <= int(match["port"]) <= 65535
        or (host_required and not match["host"])
    ):
        form = "HOST:PORT" if host_required else "HOST:PORT or PORT"
        raise ValueError(
            f"{what}: expected {form} (like 127.0.0.1:8001), got {value!r}"
        )
    return value.strip()


def _path(value: Path | str, *, what: str) -> str:
    path = Path(value)
    if not path.is_absolute():
        raise ValueError(f"{what} must be an absolute path, got {str(value)!r}")
    text = str(path)
    if _UNSAFE.search(text):
        raise ValueError(
            f"{what} may not hold a quote, $, a backslash or a line break: {text!r}"
        )
    return text


def _quoted(value: str) -> str:
    if _UNSAFE.search(value):
        raise ValueError(f"not a value nginx can take as it is: {value!r}")
    return f'"{value}"'


def upload_limit_bytes() -> int:
    """The largest request body the admin takes: a ZIP of old pages or a photo."""
    from digests.archive import MAX_ARCHIVE_BYTES

    largest = max(
        MAX_ARCHIVE_BYTES,
        settings.PHOTO_MAX_BYTES,
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0,
    )
    return largest + 1024 * 1024  # the multipart envelope and the form's other fields


def content_security_policy() -> str:
    """Django's Content-Security-Policy (django-csp), its directives in settings' order.

    `csp.utils.build_policy` walks a set, so its order changes from one process to the
    next; the order of the settings makes the generated file stable.
    """
    from csp.utils import build_policy

    parts = [part for part in build_policy().split("; ") if part]
    order = list(settings.CONTENT_SECURITY_POLICY.get("DIRECTIVES", {}))

    def rank(part: str) -> tuple[int, str]:
        name = part.split(" ", 1)[0]
        return (order.index(name) if name in order else len(order), name)

    return "; ".join(sorted(parts, key=rank))


def security_headers() -> dict[str, str]:
    """The security headers Django's middleware sends, from the same settings."""
    headers = {}
    policy = content_security_policy()
    if policy:
        headers["Content-Security-Policy"] = policy
    if getattr(settings, "SECURE_CONTENT_TYPE_NOSNIFF", True):
        headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()
    referrer = getattr(settings, "SECURE_REFERRER_POLICY", None)
    if referrer:
        if not isinstance(referrer, str):
            referrer = ",".join(referrer)
        headers["Referrer-Policy"] = referrer
    opener = getattr(settings, "SECURE_CROSS_ORIGIN_OPENER_POLICY", None)
    if opener:
        headers["Cross-Origin-Opener-Policy"] = opener
    if getattr(settings, "SECURE_HSTS_SECONDS", 0):
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if getattr(settings, "SECURE_HSTS_INCLUDE_SUBDOMAINS", False):
            hsts += "; includeSubDomains"
        if getattr(settings, "SECURE_HSTS_PRELOAD", False):
            hsts += "; preload"
        headers["Strict-Transport-Security"] = hsts
    return headers


def _media_type(content_type: str) -> tuple[str, str | None]:
    """`text/html; charset=utf-8` as ("text/html", "utf-8")."""
    media_type, _, parameters = content_type.partition(";")
    charset = None
    for parameter in parameters.split(";"):
        name, _, value = parameter.strip().partition("=")
        if name.lower() == "charset":
            charset = value.strip().lower()
    return media_type.strip(), charset


def baked_types() -> tuple[dict[str, list[str]], dict[str, str], str]:
    """`files.CONTENT_TYPES` as nginx takes it.

    Returns the `types` (media type → extensions, for endings like `.html`), the
    endings that are not a bare extension (`rss.xml`: a location each, longest first)
    with their media type, and the one charset of them all.
    """
    types: dict[str, list[str]] = {}
    compound: dict[str, str] = {}
    charsets = set()
    for ending, content_type in sorted(
        files.CONTENT_TYPES.items(), key=lambda item: -len(item[0])
    ):
        media_type, charset = _media_type(content_type)
        charsets.add(charset)
        if re.fullmatch(r"\.[A-Za-z0-9]+", ending):
            types.setdefault(media_type, []).append(ending[1:])
        else:
            compound[ending] = media_type
    if len(charsets) != 1 or None in charsets:
        raise ValueError(
            f"files.CONTENT_TYPES must all name one charset, not {sorted(map(str, charsets))}"
        )
    return types, compound, charsets.pop()


def upload_types() -> dict[str, str]:
    """Extension → media type of what `/uploads/` serves: the photos and renditions."""
    from media.renditions import FORMATS
    from media.uploads import ACCEPTED_FORMATS

    types = dict(ACCEPTED_FORMATS.values())
    types |= {ext: mime for ext, (_, mime) in FORMATS.items()}
    if "jpg" in types:
        types.setdefault("jpeg", types["jpg"])
    return dict(sorted(types.items()))


class _Writer:
    def __init__(self):
        self.lines: list[str] = []
        self.depth = 0

    def __call__(self, *lines: str) -> None:
        for line in lines:
            self.lines.append("    " * self.depth + line if line else "")

    @contextmanager
    def block(self, head: str) -> Iterator[None]:
        self(f"{head} {{")
        self.depth += 1
        yield
        self.depth -= 1
        self("}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def regenerate_command(**arguments: str | None) -> str:
    parts = ["python", "manage.py", "nginx_conf"]
    for name, value in arguments.items():
        if value is not None:
            parts += [f"--{name.replace('_', '-')}", shlex.quote(str(value))]
    return " ".join(parts)


def nginx_config(
    *,
    listen: str,
    upstream: str,
    root: Path,
    prefix: Path | None = None,
    static_root: Path | None = None,
    media_root: Path | None = None,
    user: str | None = None,
    pid: Path | None = None,
    microcache_seconds: int = MICROCACHE_SECONDS,
) -> str:
    """A complete nginx configuration for the baked site at `root`.

    `listen`: `HOST:PORT` or `PORT` (production: 80, behind the TLS terminator);
    `upstream`: gunicorn's `HOST:PORT`; `root`: the release nginx serves, normally the
    `current` symlink (kept as a symlink: each request opens its file anew through it).
    `prefix`: the folder of the pid file, logs, temp files and the microcache; without
    it their paths are relative, under the prefix nginx is started with (`-p DIR`).
    `static_root`, `media_root`: `settings.STATIC_ROOT` and `settings.MEDIA_ROOT` unless
    given. `user`: the `user` directive (only when nginx starts as root); `pid`: the pid
    file, when the service manager expects it elsewhere (`/run/nginx.pid`).
    `microcache_seconds`: how long a page Django rendered is kept (tests make it long,
    so that a slow machine cannot turn a hit into a miss).
    """
    listen = parse_address(listen, what="listen", host_required=False)
    upstream = parse_address(upstream, what="upstream", host_required=True)
    root_dir = _path(root, what="root")
    static_dir = _path(static_root or settings.STATIC_ROOT, what="static root")
    media_dir = _path(media_root or settings.MEDIA_ROOT, what="media root")
    base = _path(prefix, what="prefix") if prefix is not None else None

    def under(name: str) -> str:
        return f"{base}/{name}" if base else name

    pid_given = _path(pid, what="pid") if pid is not None else None
    pid_file = pid_given or under("nginx.pid")
    if user is not None and not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", user):
        raise ValueError(f"user: not a user name: {user!r}")
    if not isinstance(microcache_seconds, int) or microcache_seconds < 1:
        raise ValueError("microcache_seconds: a whole number of seconds, at least 1")

    types, compound, charset = baked_types()
    headers = security_headers()
    session_cookie = settings.SESSION_COOKIE_NAME
    if not re.fullmatch(r"[A-Za-z0-9_]+", session_cookie):
        raise ValueError(f"SESSION_COOKIE_NAME nginx cannot read: {session_cookie!r}")
    known = "|".join(re.escape(name) for name in files.KNOWN_PARAMETERS)
    body_limit = math.ceil(upload_limit_bytes() / (1024 * 1024))

    command = regenerate_command(
        listen=listen,
        upstream=upstream,
        root=root_dir,
        prefix=base,
        static_root=static_dir,
        media_root=media_dir,
        user=user,
        pid=pid_given,
    )
    w = _Writer()
    w(
        "# nginx for 巫溪要闻: the baked pages of the live release, Django for the rest.",
        "# Generated by wuxi_news/publishing/nginx.py; do not edit by hand. Regenerate with",
        f"#   {command}",
        "# run in the site's environment (/etc/wuxi-news/env): the security headers and the",
        "# upload limit follow its settings. The repository's deploy/nginx.conf is made with",
        "# DJANGO_SECRET_KEY=unused DJANGO_SECURE=1 in front (README.md, Deploying).",
        f"# Check and start: nginx -t -p {base or 'DIR'} -c FILE; nginx -p {base or 'DIR'} -c FILE",
        "# (in the foreground: -g 'daemon off;'). Reload after a change: nginx -s reload",
        "# with the same -p/-c. A new release needs no reload (see `root` below).",
        "",
    )
    if user is not None:
        w(f"user {user};")
    w(
        "worker_processes auto;",
        f"pid {_quoted(pid_file)};",
        f"error_log {_quoted(under('error.log'))} warn;",
        "",
    )
    with w.block("events"):
        w("worker_connections 4096;")
    w("")
    with w.block("http"):
        w(
            "# Everything nginx writes is under the prefix, so it runs unprivileged too.",
            f"client_body_temp_path {_quoted(under('client_body_temp'))};",
            f"proxy_temp_path {_quoted(under('proxy_temp'))};",
            f"fastcgi_temp_path {_quoted(under('fastcgi_temp'))};",
            f"uwsgi_temp_path {_quoted(under('uwsgi_temp'))};",
            f"scgi_temp_path {_quoted(under('scgi_temp'))};",
            'log_format wuxi \'$remote_addr [$time_local] "$request" $status '
            "$body_bytes_sent $request_time cache=$upstream_cache_status "
            'upstream=$upstream_response_time "$http_user_agent"\';',
            f"access_log {_quoted(under('access.log'))} wuxi buffer=64k flush=1s;",
            "",
            "sendfile on;",
            "tcp_nopush on;",
            "server_tokens off;",
            "keepalive_timeout 30s;",
            f"large_client_header_buffers 4 {HEADER_LINE_LIMIT};",
            "# ETag and Last-Modified of baked files are nginx's own (size and time).",
            "etag on;",
            "# `current` is a symlink to the live release, and a release may link to",
            "# files it shares with the previous one. There is no open_file_cache: each",
            "# request resolves the path anew ($realpath_root), so swapping `current`",
            "# takes effect at the next request, without a reload.",
            "disable_symlinks off;",
            "",
            "# Content-Type of baked files by the end of their name (files.CONTENT_TYPES).",
        )
        with w.block("types"):
            for media_type, extensions in types.items():
                w(f"{media_type} {' '.join(extensions)};")
        w(
            "default_type application/octet-stream;",
            # text/html is in any charset_types already.
            "charset_types "
            + " ".join(t for t in [*types, *compound.values()] if t != "text/html")
            + ";",
            "gzip_vary on;",
            "gzip_proxied any;",
            "",
            "# Pages Django rendered, kept for a moment (the microcache).",
            f"proxy_cache_path {_quoted(under('microcache'))} levels=1:2 "
            "keys_zone=microcache:16m max_size=512m inactive=10m use_temp_path=off;",
            "",
            "# A query string carrying a parameter a page reads (files.KNOWN_PARAMETERS)",
            "# is Django's; any other (`?utm=1`) gets the baked file.",
        )
        with w.block("map $args $django_args"):
            w("default 0;", f'"~(^|&)({known})(=|&|$)" 1;')
        w(
            "# A known parameter twice, or in capitals, cannot be keyed like Django reads",
            "# it (Django takes the last `q`, nginx's $arg_q the first and any case): such",
            "# requests are neither served from nor stored into the microcache.",
        )
        with w.block("map $args $ambiguous_args"):
            w(
                "default 0;",
                f'"~(^|&)({known})(=[^&]*)?&(.*&)?\\2(=|&|$)" 1;',
                f'"~(^|&)(?!({known})(=|&|$))(?i:{known})(=|&|$)" 1;',
                "# A name written with %-escapes (`mont%68`): Django decodes it, nginx not.",
                '"~(^|&)[^=&]*%" 1;',
            )
        w(
            "# gunicorn refuses a request line holding a byte outside printable ASCII (a",
            "# raw UTF-8 `/巫溪`, which nginx takes) with an English 400: nginx refuses it",
            "# first, with the Chinese one, wherever it would pass it on.",
        )
        with w.block("map $request_uri $unsendable_uri"):
            w("default 0;", '"~[^\\x21-\\x7e]" 1;')
        with w.block("map $request_method $django_method"):
            w("default 1;", "GET 0;", "HEAD 0;")
        w("# gunicorn refuses a method under 3 or over 20 letters, in English.")
        with w.block("map $request_method $unsendable_method"):
            w("default 1;", '"~^[A-Z]{3,20}$" 0;')
        w(
            "# The file a URL path is baked into (files.file_for): `/a/` → `/a/index.html`."
        )
        with w.block("map $uri $baked_file"):
            w("default $uri;", '"~/$" "${uri}index.html";')
        w(
            "# The path as Django reads it: nginx's $uri is decoded and its dot segments",
            "# resolved, so `/x..%2f..%2fa/` and `/a/` are one $uri but two pages to",
            "# Django (a 404 and the page). The microcache keys on this.",
        )
        with w.block("map $request_uri $django_path"):
            w(
                "default $request_uri;",
                '"~^(?<django_path_only>[^?]*)" $django_path_only;',
            )
        w(f"# `{REFRESH_HEADER}: 1` counts from this node's publish worker only.")
        with w.block("geo $refresh_allowed"):
            w("default 0;", *(f"{network} 1;" for network in REFRESH_FROM))
        header_variable = "$http_" + REFRESH_HEADER.lower().replace("-", "_")
        with w.block(f'map "$refresh_allowed:{header_variable}" $publish_refresh'):
            w("default 0;", '"1:1" 1;')
        w("# Django said the page is for one person only: never stored.")
        with w.block("map $upstream_http_cache_control $upstream_private"):
            w("default 0;", '"~*(private|no-store|no-cache)" 1;')
        with w.block("map $status $retry_after"):
            w('default "";', f"503 {RETRY_AFTER_SECONDS};")
        with w.block("map $uri $static_cache_control"):
            w(
                f'default "{STATIC_CACHE_CONTROL}";',
                f'"~\\.[0-9a-f]{{12}}\\.[A-Za-z0-9]+$" "{STATIC_HASHED_CACHE_CONTROL}";',
            )
        extensions = "|".join(re.escape(ext) for ext in upload_types())
        private = "|".join(re.escape(folder) for folder in PRIVATE_UPLOADS)
        w("# `/uploads/` serves photos and their renditions, nothing else.")
        with w.block("map $uri $upload_denied"):
            w(
                "default 1;",
                f'"~^/uploads/({private})" 1;',
                f'"~^/uploads/[^./][^/]*(/[^./][^/]*)*\\.({extensions})$" 0;',
            )
        w(
            "# The TLS terminator in front says https; a plain request is what it is.",
        )
        with w.block("map $http_x_forwarded_proto $forwarded_proto"):
            w("default $scheme;", "https https;")
        w("")
        with w.block("upstream django"):
            w(f"server {upstream};")
        w("")
        with w.block("server"):
            w(
                f"listen {listen};",
                "server_name _;",
                f"root {_quoted(root_dir)};",
                "autoindex off;",
                "# Public requests carry no body worth the name; /admin/ takes uploads.",
                "client_max_body_size 1m;",
                "",
                "# 418 is only a way into @django (an `if` may not try_files).",
                "error_page 418 = @django;",
                "# Django unreachable: the release's maintenance page, as a 503.",
                "error_page 502 503 504 =503 /maintenance.html;",
                "# ... also for a request already sent to @django by the 418.",
                "recursive_error_pages on;",
                "# What nginx refuses itself, before Django sees it: the release's page",
                "# for it (files.REFUSED), with the status. 494 is nginx's own code for",
                "# a header line too large (it would send a 400): a 431 to the reader.",
                *(
                    f"error_page {494 if status == 431 else status}"
                    f"{' =431' if status == 431 else ''} /{file};"
                    for status, file in files.REFUSED.items()
                ),
                "# Other requests nginx cannot take (a method a file does not allow, a",
                "# version, encoding, range or precondition it does not serve): the",
                "# 400 page with their status, never nginx's English one.",
                "error_page 405 412 416 501 505 /400.html;",
                "max_ranges 1;",
                "# A file missing under /static/ or /uploads/, or a folder there.",
                f"error_page 403 404 =404 /{files.NOT_FOUND};",
                "",
            )

            def baked(try_files: str) -> None:
                w(
                    f"charset {charset};",
                    "gzip on;",
                    f"gzip_types {' '.join(t for t in [*types, *compound.values()] if t != 'text/html')};",
                    f'add_header Cache-Control "{BAKED_CACHE_CONTROL}";',
                )
                for name, value in headers.items():
                    w(f"add_header {name} {_quoted(value)} always;")
                with w.block("if ($django_method)"):
                    w("return 418;")
                with w.block("if ($django_args)"):
                    w("return 418;")
                w(f"try_files {try_files} @django;")

            w("# Baked files.")
            with w.block("location /"):
                baked("$baked_file")
            w("# No hidden file is ever baked (files.file_for); Django answers 404.")
            with w.block('location ~ "/\\."'):
                w("return 418;")
            for ending, media_type in compound.items():
                w(f"# `{ending}`: a Content-Type of its own (files.CONTENT_TYPES).")
                with w.block(f'location ~ "{re.escape(ending)}$"'):
                    w("types { }", f"default_type {media_type};")
                    baked("$uri")
            w("")
            w(
                "# A missing maintenance.html must not loop: a plain text 503 instead.",
            )
            with w.block(f"location = /{files.MAINTENANCE}"):
                w(
                    f"charset {charset};",
                    'add_header Cache-Control "no-store" always;',
                    "add_header Retry-After $retry_after always;",
                )
                for name, value in headers.items():
                    w(f"add_header {name} {_quoted(value)} always;")
                w(f"try_files /{files.MAINTENANCE} @no_maintenance;")
            with w.block("location @no_maintenance"):
                w(
                    "# Not by the URI's extension: it is still /maintenance.html here.",
                    "types { }",
                    "default_type text/plain;",
                    f"charset {charset};",
                    'add_header Cache-Control "no-store" always;',
                    f"add_header Retry-After {RETRY_AFTER_SECONDS} always;",
                    f'return 503 "{NO_MAINTENANCE_TEXT}\\n";',
                )
            w(
                "# The pages of what nginx refuses; a line of Chinese where the release",
                "# has none. Asked for by name, a page is itself (a 200).",
            )
            for status, file in sorted({**files.REFUSED, 404: files.NOT_FOUND}.items()):
                with w.block(f"location = /{file}"):
                    w(
                        f"charset {charset};",
                        'add_header Cache-Control "no-store" always;',
                    )
                    for name, value in headers.items():
                        w(f"add_header {name} {_quoted(value)} always;")
                    w(f"try_files /{file} @refused_{status};")
                with w.block(f"location @refused_{status}"):
                    w(
                        "types { }",
                        "default_type text/plain;",
                        f"charset {charset};",
                        'add_header Cache-Control "no-store" always;',
                        f'return {status} "{REFUSED_TEXT[status]}\\n";',
                    )
            w("")

            def proxied() -> None:
                with w.block("if ($unsendable_uri)"):
                    w("return 400;")
                with w.block("if ($unsendable_method)"):
                    w("return 400;")
                w(
                    "# What gunicorn refuses itself is English: its 400, 414 and 431",
                    "# become the release's pages (an error_page here replaces the",
                    "# server's, so all of those for Django's requests are restated;",
                    "# Django's own pages, its 403 and 404, pass through).",
                    "proxy_intercept_errors on;",
                    *(
                        f"error_page {status} /{file};"
                        for status, file in sorted(files.REFUSED.items())
                    ),
                    "error_page 494 =431 /431.html;",
                    "error_page 405 412 416 501 505 /400.html;",
                    "# Not Django's 503: it says whether a save was lost.",
                    "error_page 502 504 =503 /maintenance.html;",
                )
                w(
                    "proxy_pass http://django;",
                    # With its port: Django checks a form's Origin against it.
                    "proxy_set_header Host $http_host;",
                    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
                    "proxy_set_header X-Forwarded-Proto $forwarded_proto;",
                    f'proxy_set_header {REFRESH_HEADER} "";',
                    "proxy_connect_timeout 5s;",
                )

            # The Host as sent, port and all: Django writes it into canonical links.
            cache_key = "$http_host$django_path?" + "&".join(
                f"{name}=$arg_{name}" for name in files.KNOWN_PARAMETERS
            )
            w(
                "# Django: what has no file (searches, filtered columns, staff previews,",
                "# anything not baked yet). Its headers are its own: no add_header here",
                "# but X-Cache. The microcache keys on the path and the known parameters",
                "# only; it is bypassed for staff (the session cookie), for the publish",
                f"# worker's refresh (`{REFRESH_HEADER}: 1` from this node: the fresh page",
                "# is stored), and it never keeps a POST, a response setting a cookie",
                "# (nginx's default) or one Django marked private.",
            )
            with w.block("location @django"):
                proxied()
                w(
                    "proxy_cache microcache;",
                    f'proxy_cache_key "{cache_key}";',
                    "proxy_cache_methods GET HEAD;",
                    f"proxy_cache_valid 200 301 302 404 {microcache_seconds}s;",
                    "# Django's `max-age=0, must-revalidate` is for browsers, not for us.",
                    "proxy_ignore_headers Cache-Control Expires;",
                    f"proxy_cache_bypass $cookie_{session_cookie} $publish_refresh $ambiguous_args;",
                    f"proxy_no_cache $cookie_{session_cookie} $ambiguous_args $upstream_private;",
                    "proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;",
                    "proxy_cache_lock on;",
                    "add_header X-Cache $upstream_cache_status;",
                )
            w("# Always Django, never cached.")
            with w.block("location ^~ /admin/"):
                w(
                    "# The largest upload: a ZIP of old pages (digests/archive.py) or a photo.",
                    f"client_max_body_size {body_limit}m;",
                    "proxy_read_timeout 120s;",
                )
                proxied()
            for path in ("/prefs/", "/search/"):
                with w.block(f"location ^~ {path}"):
                    proxied()
            w("")
            w("# collectstatic's files.")
            with w.block("location ^~ /static/"):
                w(f"alias {_quoted(static_dir + '/')};")
                with w.block("types"):
                    for media_type, extensions in STATIC_TYPES.items():
                        w(f"{media_type} {extensions};")
                w(
                    "default_type application/octet-stream;",
                    f"charset {charset};",
                    f"charset_types {' '.join(t for t in STATIC_TEXT_TYPES if t != 'text/html')};",
                    "# whitenoise's compressed copies (.gz) when there are, else on the fly.",
                    "gzip_static on;",
                    "gzip on;",
                    f"gzip_types {' '.join(t for t in STATIC_GZIP_TYPES if t != 'text/html')};",
                    "add_header Cache-Control $static_cache_control;",
                    "add_header X-Content-Type-Options nosniff always;",
                )
            w("# Uploaded photos: images only, never run as a page.")
            with w.block("location ^~ /uploads/"):
                w(f"alias {_quoted(media_dir + '/')};")
                with w.block("types"):
                    for ext, media_type in upload_types().items():
                        w(f"{media_type} {ext};")
                w(
                    "default_type application/octet-stream;",
                    f'add_header Cache-Control "{UPLOADS_CACHE_CONTROL}";',
                    "add_header X-Content-Type-Options nosniff always;",
                    "add_header Content-Security-Policy \"sandbox; default-src 'none'; "
                    "img-src 'self' data:; style-src 'unsafe-inline'\" always;",
                )
                with w.block("if ($upload_denied)"):
                    w("return 404;")
    return w.text()
