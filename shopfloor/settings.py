"""Settings for Shopfloor, read from the environment.

Every value a plant changes lives in an environment variable; the defaults give a
development server on an embedded SQLite database. With ``DEBUG`` off the app runs in
production mode: secure cookies, HTTPS redirect, HSTS and compressed, hashed static files,
so that ``manage.py check --deploy`` reports nothing.
"""

import datetime
import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_share(name, default):
    """A share of something, more than 0 and at most 1 (e.g. 0.25)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        share = float(value)
    except ValueError:
        share = None
    if share is None or not 0 < share <= 1:
        raise ImproperlyConfigured(
            f"{name} must be a number more than 0 and at most 1 (e.g. 0.25), not {value!r}."
        )
    return share


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "shopfloor.accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "crispy_forms",
    "crispy_bootstrap5",
    "template_partials",
    "parts",
    "procedures",
    "shopfloor.stations",
    "shopfloor.dashboards",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "shopfloor.jobs",
    "shopfloor.labels",
    "shopfloor.operators",
    "shopfloor.genealogy",
    "shopfloor.cfx",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "shopfloor.browser_policies.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # A scan screen's scan: its station read in the statement that reads the session.
    "shopfloor.stations.scan_read_ahead.StationReadAheadMiddleware",
    # The person's, else the station device's, else the browser's language (no query).
    "shopfloor.language_choice.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the person read together with the session (one statement).
    "shopfloor.accounts.middleware.SessionAuthenticationMiddleware",
    "shopfloor.browser_policies.BrowserPoliciesMiddleware",
    # A badge sign-in opens its station's scan screen only, and ends when idle.
    "shopfloor.operators.middleware.StationOperatorMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Django's, its storage built only for a request that uses it.
    "shopfloor.message_storage.LazyMessageMiddleware",
    "shopfloor.nul_characters.RefuseNulCharactersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as axes asks: it turns a refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shopfloor.urls"
WSGI_APPLICATION = "shopfloor.wsgi.application"
ASGI_APPLICATION = "shopfloor.asgi.application"

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
                "shopfloor.navigation.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets station reads go on while a scan writes; the busy timeout makes a
    # second writer wait for the first instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The app's statements are short; JIT compiling the dashboards' counting statement cost
    # more than it saved (counting a million units afresh: 3.2-4.1 s with JIT, 1.5-2.1 s without).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    # The scan's statements are prepared the second time a connection runs them
    # (shopfloor.prepared_statements); off behind a pooler that cannot keep them.
    if env_bool("DATABASE_PREPARED_STATEMENTS", True):
        options.setdefault("prepare_threshold", 1)
if os.environ.get("DATABASE_TEST_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["DATABASE_TEST_NAME"]}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Unit tables (parts.unit_tables): how long a schema change may wait for scans holding the
# table (PostgreSQL lock_timeout), and how many generated models each process keeps.
UNIT_TABLE_LOCK_TIMEOUT = os.environ.get("UNIT_TABLE_LOCK_TIMEOUT", "3s")
UNIT_MODEL_CACHE_SIZE = env_int("UNIT_MODEL_CACHE_SIZE", 2000)
# At most this many columns per unit table (0: the database's own limit, 1,600 on PostgreSQL,
# 2,000 on SQLite); retired columns and PostgreSQL's dropped-column slots count.
UNIT_TABLE_MAX_COLUMNS = env_int("UNIT_TABLE_MAX_COLUMNS", 0)
# A procedure change that converts the values of at least PROCEDURE_JOB_UNITS units (a type
# change rewrites every unit's value) is applied by a job worker, with its progress, instead of
# inside the engineer's request; scans of that part answer procedure_changing meanwhile.
PROCEDURE_JOB_UNITS = env_int("PROCEDURE_JOB_UNITS", 50_000)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "shopfloor.accounts.backends.EmailBackend",
]
# Sign-in throttling (django-axes; shopfloor/accounts/throttling.py): failures counted per
# account and per address; past the limit, sign-in pauses for the lockout, restarted by each
# refused try. Behind a reverse proxy, TRUSTED_PROXY_COUNT says how many proxies append to
# X-Forwarded-For (nginx in front: 1); with 0 the peer address is the client's.
SIGN_IN_FAILURE_LIMIT = env_int("SIGN_IN_FAILURE_LIMIT", 10)
SIGN_IN_LOCKOUT_MINUTES = env_int("SIGN_IN_LOCKOUT_MINUTES", 15)
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_FAILURE_LIMIT = SIGN_IN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=SIGN_IN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_USERNAME_CALLABLE = "shopfloor.accounts.throttling.account_of"
AXES_CLIENT_IP_CALLABLE = "shopfloor.accounts.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "shopfloor.accounts.throttling.locked_out"
AXES_SENSITIVE_PARAMETERS = ["password"]
# Badge sign-in at station devices (shopfloor/operators): a badge session with no scan for
# this many minutes is ended and the screen asks for a badge again.
STATION_IDLE_LOCK_MINUTES = env_int("STATION_IDLE_LOCK_MINUTES", 10)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en"
# The languages of the line: every string the user sees is translated into each of them
# (locale/<code>/LC_MESSAGES, compiled .mo files committed beside their .po sources).
LANGUAGES = [
    ("en", "English"),
    ("hi", "हिन्दी"),
    ("es", "Español"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates, times and numbers in each language's formats (Django's, completed for Hindi here).
FORMAT_MODULE_PATH = ["shopfloor.formats"]
# No thousands separator by default: numbers also go into ids, URLs and data- attributes that
# scripts read. Figures a person reads say so themselves (|floatformat:"g", |intcomma).
USE_THOUSAND_SEPARATOR = False
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
if (DEBUG or TESTING) and not STATIC_ROOT.is_dir():
    STATIC_ROOT = None  # served from STATICFILES_DIRS by the finders; nothing collected yet
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploaded media is private: parts.media_views serves it to signed-in users only. In production
# set MEDIA_ACCEL_REDIRECT to the internal nginx location (e.g. /protected-media/) so nginx sends
# the bytes (with Range support) after the app has checked sign-in; see docs/deploy.md.
MEDIA_ACCEL_REDIRECT = os.environ.get("MEDIA_ACCEL_REDIRECT", "")
# Caps on part media, in bytes and pixels; uploads over them are refused with a message.
PART_IMAGE_MAX_BYTES = env_int("PART_IMAGE_MAX_BYTES", 20 * 1024 * 1024)
PART_IMAGE_MAX_PIXELS = env_int("PART_IMAGE_MAX_PIXELS", 40_000_000)
PART_VIDEO_MAX_BYTES = env_int("PART_VIDEO_MAX_BYTES", 200 * 1024 * 1024)
# Files of a part form sent with a mistake are kept here (never served) for the next try,
# PART_DRAFT_KEEP_HOURS at most; see parts/upload_drafts.py.
PART_DRAFT_ROOT = Path(os.environ.get("PART_DRAFT_ROOT", BASE_DIR / "var" / "part-drafts"))
PART_DRAFT_KEEP_HOURS = env_int("PART_DRAFT_KEEP_HOURS", 24)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
CRISPY_FAIL_SILENTLY = not (DEBUG or TESTING)

# Dashboards: how often the overview asks for fresh figures, and when the shifts start (local
# time, e.g. "06:00,14:00,22:00"); the part page charts the current shift unless a range is chosen.
DASHBOARD_REFRESH_SECONDS = env_int("DASHBOARD_REFRESH_SECONDS", 5)
# The dashboards count again the units that scans changed, and, block by block, units counted
# longer ago than this (catching edits made outside the app); see dashboards/figure_cache.py.
DASHBOARD_RECOUNT_SECONDS = env_int("DASHBOARD_RECOUNT_SECONDS", 300)
# Long work (exports, recounts) runs in worker processes (``manage.py jobs_worker``), queued in
# the database by django-tasks. Export files are written under EXPORT_ROOT, which every web
# server and worker must share, and kept EXPORT_KEEP_HOURS; see shopfloor/jobs.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "exports"],
    }
}
EXPORT_ROOT = Path(os.environ.get("EXPORT_ROOT", BASE_DIR / "var" / "exports"))
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 24)
EXPORTS_PER_USER = env_int("EXPORTS_PER_USER", 2)
# Exports running at once in all, by default half this machine's cores (at least one): a
# running export keeps a core busy whenever scans leave it idle, so at most half of them are
# ever busy with exports. Exports are queued on the database, so with workers on several
# machines set it (the same everywhere) to what they may run together.
EXPORTS_AT_ONCE = env_int("EXPORTS_AT_ONCE", max(1, (os.cpu_count() or 2) // 2))
# While the line scans (a scan recorded in the last few seconds), a running export works at most
# EXPORT_LINE_SHARE of the time and pauses the rest, the way PostgreSQL's autovacuum yields with
# its cost delay; when the line is quiet it runs at full speed. 1 never pauses. See
# docs/deploy.md and shopfloor/jobs/pacing.py.
EXPORT_LINE_SHARE = env_share("EXPORT_LINE_SHARE", 0.1)
# A running job's worker touches it every JOB_HEARTBEAT_SECONDS; a job silent for
# JOB_STALE_SECONDS lost its worker and is run again, JOB_MAX_ATTEMPTS times in all.
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 5)
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 60)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 2)
JOB_HOUSEKEEPING_SECONDS = env_int("JOB_HOUSEKEEPING_SECONDS", 60)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Each part's drawn overview card, by its figures (a few kB); per process.
    "dashboards": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "dashboards",
        "OPTIONS": {"MAX_ENTRIES": 20000},
    },
}
# Seconds a label printer has to accept the connection and answer its status query.
LABEL_PRINTER_TIMEOUT = float(os.environ.get("LABEL_PRINTER_TIMEOUT", "5"))
SHIFT_STARTS = env_list("SHIFT_STARTS", ["06:00", "14:00", "22:00"])

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 60 * 60)
# Django's database sessions, read in plain SQL (every signed-in request reads one).
SESSION_ENGINE = "shopfloor.accounts.sessions"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every page: scripts and styles only from the app's
# own files, no inline script, style attribute or event handler anywhere. Bootstrap draws a
# few icons as data: SVG from its CSS. The scan screen adds 'wasm-unsafe-eval' for its barcode
# reader (WebAssembly), on that view only (shopfloor/stations/views.py). Media files send
# their own, stricter policy (parts/media_views.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "media-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# htmx sends the token from <body hx-headers>; no script needs to read the cookie.
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if not DEBUG:
    # Production mode. A reverse proxy terminates TLS and says so in X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not TESTING)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not TESTING)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not TESTING)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# IPC-CFX: machines publish their messages to an AMQP 1.0 broker; ``manage.py cfx_listen``
# takes them from one queue (one listener per plant or per line) and records them as scans.
CFX_BROKER_URL = os.environ.get("CFX_BROKER_URL", "amqp://127.0.0.1:5672")
CFX_BROKER_USER = os.environ.get("CFX_BROKER_USER", "guest")
CFX_BROKER_PASSWORD = os.environ.get("CFX_BROKER_PASSWORD", "guest")
# RabbitMQ 3.x names a queue "/queue/<name>" (4.x: "/queues/<name>").
CFX_QUEUE = os.environ.get("CFX_QUEUE", "/queue/shopfloor.cfx")
# Unacknowledged messages the broker may hand the listener ahead of the one it records.
CFX_PREFETCH = env_int("CFX_PREFETCH", 50)
# A larger message is dead-lettered unread (its first CFX_KEEP_BYTES kept to show).
CFX_MAX_MESSAGE_BYTES = env_int("CFX_MAX_MESSAGE_BYTES", 1024 * 1024)
CFX_KEEP_BYTES = env_int("CFX_KEEP_BYTES", 16 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
