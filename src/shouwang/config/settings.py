"""Settings for Shouwang, read from the environment (12-factor).

With nothing set, Shouwang runs on an embedded SQLite database under ./var with generated
local secrets, so one command starts a demo. Production sets SHOUWANG_ENV=production and
provides SECRET_KEY, SHOUWANG_FIELD_KEY, DATABASE_URL and ALLOWED_HOSTS.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("SHOUWANG_DATA_DIR", Path.cwd() / "var")).resolve()
ENVIRONMENT = os.environ.get("SHOUWANG_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _local_secret(name: str, env_var: str) -> str:
    """Return a secret from the environment; outside production, generate one under DATA_DIR.

    Secrets are never committed: a developer machine keeps its own in var/ (ignored by git).
    """
    value = os.environ.get(env_var)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{env_var} must be set when SHOUWANG_ENV=production")
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _local_secret("secret_key", "SECRET_KEY")
# Key for encrypting sensitive personal data at rest (identity numbers, phones of people of
# concern). Separate from SECRET_KEY so that rotating sessions does not lose data.
FIELD_ENCRYPTION_KEY = _local_secret("field_key", "SHOUWANG_FIELD_KEY")

DEBUG = os.environ.get("SHOUWANG_DEBUG", "0" if PRODUCTION else "1") == "1"
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Serves Swagger UI from its own static files, never from a CDN.
    "ninja",
    "shouwang.core",
    "shouwang.forces",
    "shouwang.areas",
    "shouwang.rostering",
    "shouwang.calendars",
    "shouwang.notify",
    "shouwang.patrols",
    "shouwang.hazards",
    "shouwang.disputes",
    "shouwang.concerns",
    "shouwang.imports",
    "shouwang.governance",
    "shouwang.railway",
    "shouwang.specialops",
    "shouwang.assessment",
    "shouwang.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shouwang.core.middleware.RequestIdMiddleware",
]

ROOT_URLCONF = "shouwang.config.urls"
WSGI_APPLICATION = "shouwang.config.wsgi.application"

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
                "shouwang.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'shouwang.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets the demo serve pages while a background write is running.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    # Writers queue for the lock at BEGIN (and wait up to 20 s) instead of failing with
    # "database is locked" when phones upload at once to a several-process server.
    options["transaction_mode"] = "IMMEDIATE"
    options["timeout"] = 20
elif DATABASES["default"]["ENGINE"].endswith(("postgresql", "postgis")):
    # The report aggregates look costly to the planner, which then spends seconds compiling
    # them (JIT) to save milliseconds: off for this application's sessions (bench/reports).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = (str(options.get("options", "")) + " -c jit=off").strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["shouwang.core.auth.RateLimitedModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Failed logins allowed per username and per address inside the window before refusing.
LOGIN_MAX_FAILURES = int(os.environ.get("SHOUWANG_LOGIN_MAX_FAILURES", "5"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("SHOUWANG_LOGIN_FAILURE_WINDOW", "900"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = DATA_DIR / "media"
# Field photos from the phone app: largest accepted file (bytes); check-ins faster than this
# after the member's previous one are flagged for review (never refused).
SHOUWANG_MAX_PHOTO_BYTES = int(os.environ.get("SHOUWANG_MAX_PHOTO_BYTES", str(8 * 1024 * 1024)))
SHOUWANG_MAX_SPEED_KMH = float(os.environ.get("SHOUWANG_MAX_SPEED_KMH", "120"))
# Hazards: working days overdue per escalation level (team leader, then office, then county).
SHOUWANG_HAZARD_ESCALATION_STEP_DAYS = int(
    os.environ.get("SHOUWANG_HAZARD_ESCALATION_STEP_DAYS", "3")
)

# Optional WeCom / DingTalk group-robot webhook that also receives members' notifications.
SHOUWANG_WEBHOOK_URL = os.environ.get("SHOUWANG_WEBHOOK_URL", "")
# Its DingTalk signing secret (加签, "SEC…"), if the robot uses one.
SHOUWANG_WEBHOOK_SECRET = os.environ.get("SHOUWANG_WEBHOOK_SECRET", "")
# Outbound messages (docs/notifications.md): attempts before a delivery is marked failed, and
# the first wait between attempts (doubling: 1, 2, 4, 8 … minutes by default).
SHOUWANG_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("SHOUWANG_NOTIFY_MAX_ATTEMPTS", "6"))
SHOUWANG_NOTIFY_RETRY_BASE_SECONDS = int(os.environ.get("SHOUWANG_NOTIFY_RETRY_BASE_SECONDS", "60"))
# E-mail (duty reminders, e-mail channels): an SMTP server, plain, STARTTLS or SSL.
EMAIL_BACKEND = os.environ.get(
    "SHOUWANG_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("SHOUWANG_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("SHOUWANG_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("SHOUWANG_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SHOUWANG_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("SHOUWANG_EMAIL_TLS", "0") == "1"
EMAIL_USE_SSL = os.environ.get("SHOUWANG_EMAIL_SSL", "0") == "1"
EMAIL_TIMEOUT = int(os.environ.get("SHOUWANG_EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("SHOUWANG_EMAIL_FROM", "shouwang@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# People of concern taken off the register are anonymised after this many days.
SHOUWANG_CONCERN_RETENTION_DAYS = int(os.environ.get("SHOUWANG_CONCERN_RETENTION_DAYS", "1095"))
# Uploaded documents (signed pledges, plan documents): the largest file accepted.
SHOUWANG_MAX_UPLOAD_BYTES = int(os.environ.get("SHOUWANG_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))

# Map: tile URL template; empty means no base tiles at all (closed networks).
MAP_TILE_URL = os.environ.get("SHOUWANG_MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("SHOUWANG_MAP_TILE_ATTRIBUTION", "")
# "wgs84" for TianDiTu/OSM tiles, "gcj02" for AMap/Tencent tiles.
MAP_TILE_CRS = os.environ.get("SHOUWANG_MAP_TILE_CRS", "wgs84")
MAP_CENTER = os.environ.get("SHOUWANG_MAP_CENTER", "29.88,107.73")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("SHOUWANG_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = int(os.environ.get("SHOUWANG_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_AGE = 8 * 3600

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SHOUWANG_LOG_LEVEL", "WARNING")},
}

# Page size of list pages and API lists.
PAGE_SIZE = 50

# Background jobs (planning a month's roster). With a broker URL (redis://… or amqp://…) they
# run on Celery workers (`celery -A shouwang.config.celery worker`); without one — the
# embedded default — they run in a thread of the web process, needing nothing else.
SHOUWANG_BROKER_URL = os.environ.get("SHOUWANG_BROKER_URL") or os.environ.get(
    "CELERY_BROKER_URL", ""
)
CELERY_BROKER_URL = SHOUWANG_BROKER_URL or None
# Run jobs at once in the submitting thread (tests, scripts), like Celery's always-eager mode.
SHOUWANG_JOBS_EAGER = os.environ.get("SHOUWANG_JOBS_EAGER", "0") == "1"
# Job state lives in the database (core.BackgroundJob); a result backend is only needed by
# callers that wait on Celery results themselves (the county benchmark).
CELERY_RESULT_BACKEND = os.environ.get("SHOUWANG_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = True
# Several sites (or test runs) can share one broker when each names its own queue.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("SHOUWANG_QUEUE", "shouwang")
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
