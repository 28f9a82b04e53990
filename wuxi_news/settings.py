"""Settings for 巫溪要闻. Everything that differs per machine comes from the environment."""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DJANGO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


def _development_secret_key() -> str:
    """Return a key generated once into var/, so demo sessions survive restarts."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def cache_from_url(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme in {"redis", "rediss"}:
        return {
            "BACKEND": "wuxi_news.cache_backends.TolerantRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "wuxi",
            "TIMEOUT": 600,
        }
    if parts.scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    if parts.scheme == "locmem":
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": parts.netloc or "wuxi",
            "TIMEOUT": 600,
        }
    raise ImproperlyConfigured(f"CACHE_URL scheme not supported: {parts.scheme!r}")


DEBUG = env_bool("DJANGO_DEBUG")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Production refuses to start without one; "
            "set DJANGO_DEBUG=1 for a development key generated into var/."
        )
    SECRET_KEY = _development_secret_key()

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else ""
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "wuxi_news.apps.NewsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_filters",
    "ckeditor",
    "reversion",
    "django_tasks",
    "django_tasks_db",
    "wuxi_news.apps.AxesConfig",
    "wuxi_news",
    "people",
    "media",
    "articles",
    "digests",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETags for rendered pages (baked files get theirs from nginx).
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "wuxi_news.middleware.StaffNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # A view failing because the database is down: a Chinese 503, not a raw 500.
    "wuxi_news.middleware.DatabaseUnavailableMiddleware",
    # Last, so that throttled logins are answered before any view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "wuxi_news.urls"
WSGI_APPLICATION = "wuxi_news.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wuxi_news.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=0 if DEBUG else 600,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Two editors saving at once must wait their turn, not fail with "database is
    # locked": writers take the lock when their transaction starts and wait up to
    # 20 s; WAL lets readers go on meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

CACHES = {"default": cache_from_url(os.environ.get("CACHE_URL", "locmem://"))}


# S3-compatible object storage (django-storages), for the baked pages and/or uploads.
# The credentials are boto3's own variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
def s3_options(bucket: str, **options) -> dict:
    return {
        "bucket_name": bucket,
        "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("S3_REGION") or None,
        "querystring_auth": False,  # public pages and photos: plain URLs
        "default_acl": None,
        **options,
    }


# Publishing (wuxi_news/publishing): the public site baked to files. PUBLISH_ROOT holds
# `releases/<id>/` and the `current` symlink nginx serves; PUBLISH_BASE_URL is the
# public address the baked pages name (canonical links, QR codes, feeds, sitemaps).
PUBLISH_ROOT = Path(os.environ.get("PUBLISH_ROOT", VAR_DIR / "site"))
# The baked site in a bucket instead (served by the bucket's website endpoint or a
# CDN); each page replaces its object in one PUT.
PUBLISH_STORAGE = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": s3_options(
            os.environ["PUBLISH_S3_BUCKET"],
            file_overwrite=True,
            location=os.environ.get("PUBLISH_S3_PREFIX", ""),
        ),
    }
    if os.environ.get("PUBLISH_S3_BUCKET")
    else None
)
# Off, changes record no publish task: `make demo` has no worker, Django renders pages.
PUBLISH_QUEUE = env_bool("PUBLISH_QUEUE", default=True)
if PUBLISH_STORAGE and os.environ.get("MEDIA_S3_BUCKET") == os.environ.get(
    "PUBLISH_S3_BUCKET"
):
    _pages = os.environ.get("PUBLISH_S3_PREFIX", "").strip("/")
    _uploads = os.environ.get("MEDIA_S3_PREFIX", "").strip("/")
    if not _pages or not _uploads or _pages == _uploads:
        # Repairing the pages would see the photos as pages that should not be there.
        raise ImproperlyConfigured(
            "PUBLISH_S3_BUCKET and MEDIA_S3_BUCKET are the same bucket: give each its "
            "own PUBLISH_S3_PREFIX and MEDIA_S3_PREFIX, or use two buckets."
        )
# Only one baker at a time: a PostgreSQL advisory lock, or this file on SQLite.
PUBLISH_LOCK_FILE = VAR_DIR / "publish.lock"
# Told after each write which URLs changed (wuxi_news/publishing/purgers.py): nginx's
# microcache on this node (deploy/nginx.conf), and/or a `PURGE` to a front cache or CDN.
PUBLISH_PURGERS = [
    {"BACKEND": f"wuxi_news.publishing.purgers.{name}", "OPTIONS": {"url": url}}
    for name, url in [
        ("NginxRefreshPurger", os.environ.get("PUBLISH_NGINX_REFRESH_URL", "")),
        ("HttpPurger", os.environ.get("PUBLISH_PURGE_URL", "")),
    ]
    if url
]
PUBLISH_BASE_URL = os.environ.get(
    "PUBLISH_BASE_URL",
    "http://127.0.0.1:8000"
    if DEBUG
    else f"https://{os.environ.get('SITE_DOMAIN', 'www.cqwx.gov.cn')}",
).rstrip("/")

# Background tasks (django-tasks with its database backend): large uploads of old pages
# are imported by `python manage.py db_worker`, not in the editor's request.
TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    # The baker's queue, drained by `python manage.py publishworker`: always the
    # database backend, so a publish task commits with the change that makes it.
    "publish": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["publish"]},
}
# An upload of more page files than this (a ZIP) is imported in the background.
PAGE_IMPORT_BACKGROUND_FILES = int(os.environ.get("PAGE_IMPORT_BACKGROUND_FILES", "20"))

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed-login throttling: five failures lock the username+address pair for an hour.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"  # tells the editor why, in Chinese
# Behind nginx (deploy/), the reader's address is the last X-Forwarded-For entry of a
# request from these proxies (wuxi_news.staff.client_ip).
TRUSTED_PROXIES = env_list("DJANGO_TRUSTED_PROXIES", "127.0.0.1,::1")
AXES_CLIENT_IP_CALLABLE = "wuxi_news.staff.client_ip"
# Editors sign in through the admin, the only login page, and land on its workbench:
# also when `?next=` names another site (Django's default, /accounts/profile/, is a 404).
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

SESSION_COOKIE_AGE = 8 * 60 * 60  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
# First in line: Chinese for django-axes and consistent wording over Django's own.
LOCALE_PATHS = [BASE_DIR / "wuxi_news" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Files are written whole or not at all (a full disk leaves no partial file).
    "default": {"BACKEND": "media.storage.AtomicFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploads live in uploads/, never in the media/ package (that is the photo app).
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "uploads"))
MEDIA_URL = os.environ.get("MEDIA_URL", "/uploads/")


if os.environ.get("MEDIA_S3_BUCKET"):
    _media = urlsplit(MEDIA_URL)
    if not (_media.scheme and _media.netloc):
        # Else pages would name the S3 API's address, which the CSP (img-src: this
        # site and MEDIA_URL) refuses, and no CDN would be in the way.
        raise ImproperlyConfigured(
            "MEDIA_S3_BUCKET needs MEDIA_URL: the address the bucket's root is read "
            "from (its CDN's), like https://img.example.cn/uploads/"
        )
    # Photos never overwrite one another: a second `photo.jpg` gets a new name.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": s3_options(
            os.environ["MEDIA_S3_BUCKET"],
            file_overwrite=False,
            location=os.environ.get("MEDIA_S3_PREFIX", ""),
            # Photos are linked at MEDIA_URL, not at the S3 API's address.
            custom_domain=_media.netloc + _media.path.rstrip("/"),
            url_protocol=f"{_media.scheme}:",
        ),
    }

# Uploads: refuse oversized bodies before they reach Pillow.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
PHOTO_MAX_BYTES = int(os.environ.get("PHOTO_MAX_BYTES", 15 * 1024 * 1024))
PHOTO_MAX_PIXELS = int(os.environ.get("PHOTO_MAX_PIXELS", 40_000_000))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Security headers; the HTTPS-only ones switch on behind a TLS proxy (DJANGO_SECURE=1).
SECURE = env_bool("DJANGO_SECURE", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and env_bool("DJANGO_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SECURE_HSTS_SECONDS = 31_536_000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE

# Content Security Policy. CKEditor 4 needs inline styles and eval in the admin only;
# the public site allows neither scripts nor styles from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}

# Photos served from a bucket or CDN (MEDIA_URL on another origin) may be shown.
if urlsplit(MEDIA_URL).netloc:
    _media = urlsplit(MEDIA_URL)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(
        f"{_media.scheme}://{_media.netloc}"
    )

# django-ckeditor: no upload endpoint (photos go through the Photo model), no remote
# version check, and only the tags the server-side sanitizer keeps. The editor speaks
# Chinese whatever the request's language; the element path bar (“body p”) only
# shows tag names, so it goes.
CKEDITOR_CONFIGS = {
    "default": {
        "language": "zh-cn",
        "defaultLanguage": "zh-cn",
        "title": "正文编辑器",  # not “编辑器, id_body”
        "applicationTitle": "正文编辑器",
        "toolbar": "Custom",
        "toolbar_Custom": [
            ["Format", "Bold", "Italic", "Underline"],
            ["NumberedList", "BulletedList", "Blockquote"],
            ["Link", "Unlink"],
            ["Table", "HorizontalRule"],
            ["Undo", "Redo", "RemoveFormat", "Source"],
        ],
        "format_tags": "p;h2;h3;h4",
        "versionCheck": False,
        "removePlugins": "exportpdf,image,uploadimage,flash,iframe,elementspath",
        "allowedContent": (
            "p h2 h3 h4 strong em u b i s sub sup blockquote ul ol li br hr;"
            "a[!href,title];table thead tbody tr th td"
        ),
        "height": 420,
        "width": "100%",
    }
}
# CKEditor 4 is end-of-life (ckeditor.W001). Mitigations: no upload endpoint is
# routed, the editor is reachable only behind staff login, all HTML is sanitized on
# save with an allow-list (wuxi_news.text.sanitize_html), and CSP limits scripts.
SILENCED_SYSTEM_CHECKS = ["ckeditor.W001"]


# The portal shell (header, menu, footer) and the government-site meta tags. Values
# not set in the environment are left out of the pages; the demo (DEBUG) shows an
# example of each instead, marked 示例, so that every element can be seen.
def site_value(name: str, example: str = "") -> str:
    value = os.environ.get(name, "").strip()
    return value if value or not DEBUG else example


def site_links(value: str) -> list[tuple[str, str]]:
    """`政务公开|https://…;政务服务|https://…` as (label, URL) pairs."""
    pairs = [item.split("|", 1) for item in value.split(";") if "|" in item]
    return [(label.strip(), url.strip()) for label, url in pairs if label.strip()]


SITE = {
    "NAME": os.environ.get("SITE_NAME", "巫溪县人民政府"),
    "DOMAIN": os.environ.get("SITE_DOMAIN", "www.cqwx.gov.cn"),
    "ID_CODE": os.environ.get("SITE_ID_CODE", "5002380001"),
    # Header: an emblem image (a static path like img/emblem.png, or a /-path).
    "EMBLEM": site_value("SITE_EMBLEM", "img/example-emblem.svg"),
    # Main menu after 首页; entries may point to other sites.
    "NAV": site_links(
        site_value(
            "SITE_NAV",
            "政务公开|https://www.cqwx.gov.cn/zwgk/;政务服务|https://www.cqwx.gov.cn/zwfw/;"
            "互动交流|https://www.cqwx.gov.cn/hdjl/;走进巫溪|https://www.cqwx.gov.cn/zjwx/",
        )
    ),
    "ORGANIZER": os.environ.get("SITE_ORGANIZER", "巫溪县人民政府办公室"),
    "UNDERTAKER": site_value("SITE_UNDERTAKER", "巫溪县融媒体中心(示例)"),
    "ICP": site_value("SITE_ICP", "渝ICP备00000000号-1(示例)"),
    "ICP_URL": "https://beian.miit.gov.cn/",
    "PUBLIC_SECURITY_RECORD": site_value(
        "SITE_PUBLIC_SECURITY_RECORD", "渝公网安备50023802000000号(示例)"
    ),
    "PUBLIC_SECURITY_URL": os.environ.get(
        "SITE_PUBLIC_SECURITY_URL", "https://beian.mps.gov.cn/"
    ),
    "PUBLIC_SECURITY_ICON": os.environ.get(
        "SITE_PUBLIC_SECURITY_ICON", "img/public-security.svg"
    ),
    # 党政机关网站标识 and 政府网站找错: image links (no third-party script; the images
    # are served by this site, as the CSP allows no other image source).
    "CONAC_URL": site_value("SITE_CONAC_URL", "https://bszs.conac.cn/"),
    "CONAC_IMAGE": site_value("SITE_CONAC_IMAGE", "img/example-conac.svg"),
    "JIUCUO_URL": site_value(
        "SITE_JIUCUO_URL",
        "https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=5002380001",
    ),
    "JIUCUO_IMAGE": site_value("SITE_JIUCUO_IMAGE", "img/example-jiucuo.svg"),
    # 联系我们: shown on the 网站地图 page, unless SITE_CONTACT_URL points elsewhere.
    "CONTACT": site_value(
        "SITE_CONTACT", "地址:巫溪县柏杨街道(示例);电话:023-00000000(示例)"
    ),
    "CONTACT_URL": os.environ.get("SITE_CONTACT_URL", ""),
    "FAVICON": os.environ.get("SITE_FAVICON", "img/favicon.png"),
    "TOUCH_ICON": os.environ.get("SITE_TOUCH_ICON", "img/apple-touch-icon.png"),
}
SITE["CONTACT_LINES"] = [line for line in SITE["CONTACT"].split(";") if line]
# The demo says which footer values are examples.
SITE["HAS_EXAMPLES"] = DEBUG and any("示例" in str(value) for value in SITE.values())
# The demo shows the Chinese 404/500 pages production shows, not Django's debug pages
# (the traceback still goes to the console log).
SITE_ERROR_PAGES_IN_DEBUG = env_bool("DJANGO_DEBUG_ERROR_PAGES", default=True)
if DEBUG and SITE_ERROR_PAGES_IN_DEBUG:
    MIDDLEWARE.insert(0, "wuxi_news.middleware.ErrorPagesInDebugMiddleware")

# Email for workflow notices (articles/notices.py). Configured when EMAIL_HOST is set
# (SMTP); in development (DJANGO_DEBUG) mail is printed on the console; tests use
# Django's locmem outbox. Without either, notices stay in the admin only.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "巫溪要闻 <noreply@localhost>"
)
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST or not DEBUG
    else "django.core.mail.backends.console.EmailBackend",
)
NOTICE_EMAILS = bool(EMAIL_HOST) or DEBUG
# The editors' address, for links in notice emails.
ADMIN_BASE_URL = os.environ.get("ADMIN_BASE_URL", "http://127.0.0.1:8000")
# The workbench warns when the site's newest public item is this many days old.
HOME_STALE_AFTER_DAYS = int(os.environ.get("HOME_STALE_AFTER_DAYS", 14))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
    },
}
