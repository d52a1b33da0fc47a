"""Trailproof settings, read from the environment (see README, "Settings")."""
import base64
import hashlib
import ipaddress
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .email import email_settings_from_url
from .env import env_bool, env_int, env_list, env_networks, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])

INSTALLED_APPS = [
    "audit.admin_site.TrailproofAdminConfig",  # Django's admin, recording refusals
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "audit",
    "activity",
    "syslog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files without the development server
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "audit.middleware.CurrentOrganizationMiddleware",
    "syslog.middleware.FaultMiddleware",
    "audit.middleware.RefuseControlCharactersMiddleware",
    "syslog.metrics.middleware.IngestTimingMiddleware",
]

ROOT_URLCONF = "auditproject.urls"
WSGI_APPLICATION = "auditproject.wsgi.application"

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
                "audit.context_processors.organization",
            ],
        },
    },
]


def _database(url: str, test_name: str) -> dict:
    config = dj_database_url.parse(url, conn_max_age=60)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE transactions take the write lock up front, so concurrent writers queue instead of
        # failing half-way; WAL lets readers proceed during a write.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        config["CONN_MAX_AGE"] = 0
    else:
        suffix = env_str("TRAILPROOF_TEST_DB_SUFFIX", "")
        config["TEST"] = {"NAME": f"test_{test_name}{suffix}"}
    return config


DATABASES = {
    "default": _database(env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'trailproof.sqlite3'}",
                         "trailproof"),
    "syslog": _database(env_str("SYSLOG_DATABASE_URL")
                        or f"sqlite:///{BASE_DIR / 'var' / 'trailproof-syslog.sqlite3'}", "trailproof_syslog"),
}
# Retention (README, "Retention that can be proven"): migrations run as the owner of the tables, the application
# as a role that may only add and read audit rows. With DATABASE_MIGRATE_URL set, `manage.py migrate --database migrate`
# migrates as that owner and grants the application's role (DATABASE_URL's user) exactly what it needs.
DATABASE_MIGRATE_URL = env_str("DATABASE_MIGRATE_URL") or None
if DATABASE_MIGRATE_URL:
    DATABASES["migrate"] = {**_database(DATABASE_MIGRATE_URL, "trailproof"), "TEST": {"MIRROR": "default"}}
if env_str("DATABASE_REPLICA_URL"):
    # A streaming replica of `default` for lag-tolerant reads only (audit.replica); tests mirror `default`.
    DATABASES["replica"] = {**_database(env_str("DATABASE_REPLICA_URL"), "trailproof"), "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["auditproject.routers.ReplicaRouter", "auditproject.routers.SystemLogRouter"]
# CSV and JSON lines exports on PostgreSQL: connections copying one export at once, in one snapshot (1: one).
EXPORT_COPY_STREAMS = min(8, max(1, env_int("EXPORT_COPY_STREAMS", 2)))  # bounded: each is a connection
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "audit.User"
AUTHENTICATION_BACKENDS = ["audit.auth.LockoutAwareBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
# WhiteNoise serves what `collectstatic` gathered: compressed, and under hashed names cached for a year.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

HTTPS = env_bool("HTTPS", False)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

_EMAIL = email_settings_from_url(env_str("EMAIL_URL", "console:"), mailgun_api_url=env_str("MAILGUN_API_URL"))
globals().update(_EMAIL)
# What EMAIL_URL chose does the sending, in the `syslog.send_email` task; the application's own EMAIL_BACKEND
# only queues that task, so no request ever waits on a mail server.
EMAIL_DELIVERY_BACKEND = _EMAIL["EMAIL_BACKEND"]
EMAIL_BACKEND = "syslog.email_backend.QueuedEmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Trailproof <no-reply@trailproof.local>")

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or None
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"

# Throttles and failed-key counters live in the cache: share it (Redis) when more than one process serves.
_CACHE_URL = env_str("CACHE_URL")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _CACHE_URL}
          if _CACHE_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

WEBHOOK_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", False)

# Secrets at rest (webhook signing secrets, SMTP passwords): Fernet keys, the first encrypts, all decrypt.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set when DEBUG is off "
                                   "(generate one with: python -c 'from cryptography.fernet import Fernet; "
                                   "print(Fernet.generate_key().decode())').")
    FIELD_ENCRYPTION_KEYS = [base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()]

# The organization's automation actor is named per deployment.
TRAILPROOF_BOT_NAME = env_str("TRAILPROOF_BOT_NAME", "Automation Bot")
TRAILPROOF_LOCKOUT_DEFAULTS = {
    "threshold": env_int("LOCKOUT_THRESHOLD", 5),
    "window_minutes": env_int("LOCKOUT_WINDOW_MINUTES", 15),
    "duration_minutes": env_int("LOCKOUT_DURATION_MINUTES", 30),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "audit.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "audit.api.errors.contract_exception_handler",
    "UNAUTHENTICATED_USER": None,
    # Per API key (or signed-in person) and kind of call; over it: 429 with Retry-After.
    "DEFAULT_THROTTLE_RATES": {
        "read": env_str("API_READ_RATE", "1200/minute"),
        # Sized for a platform that reports each action as it happens (about 1,000 events a second per key).
        "write": env_str("API_WRITE_RATE", "60000/minute"),
        "export": env_str("API_EXPORT_RATE", "30/minute"),
    },
}
# Password reset requests answered (an email sent, the trail written) per account and per client address, and
# the window in seconds; beyond them the page answers the same and nothing is sent or recorded.
TRAILPROOF_PASSWORD_RESET_LIMITS = {
    "account": (env_int("PASSWORD_RESET_PER_ACCOUNT", 3), 3600),
    "address": (env_int("PASSWORD_RESET_PER_ADDRESS", 10), 3600),
}
# Failed API key authentications per client address, and the window (seconds) they are counted in.
TRAILPROOF_API_AUTH_FAILURES = (env_int("API_AUTH_FAILURE_LIMIT", 20), 300)

# Which proxies' X-Forwarded-For is believed (audit.client_address): their networks, or how many proxy hops
# sit in front of the application. Neither set: the connection's own address is the client's.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)
if TRUSTED_PROXY_HOPS < 0 or (TRUSTED_PROXIES and TRUSTED_PROXY_HOPS):
    raise ImproperlyConfigured("Set TRUSTED_PROXIES or TRUSTED_PROXY_HOPS (a number of hops, 0 or more), not both.")
# Live ingest on PostgreSQL (README, "Live ingest"): how long a request waits for its events' places
# in the chain before a 503 (they stay pending and are chained next), and how long a looked-up API key is
# trusted before it is read again (revoking through the application takes effect at once).
INGEST_CHAIN_WAIT = env_int("INGEST_CHAIN_WAIT", 10)
INGEST_GROUP_COMMIT = env_bool("INGEST_GROUP_COMMIT", True)  # off: every request holds the head (to compare)
API_KEY_CACHE_SECONDS = env_int("API_KEY_CACHE_SECONDS", 5)
SPECTACULAR_SETTINGS = {
    "TITLE": "Trailproof API",
    "DESCRIPTION": "Ingest, investigate, poll and export tamper-evident audit events.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page's assets are served from this deployment (drf-spectacular-sidecar), not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "audit.api.schema_hooks.describe_every_answer"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Signed checkpoints (contract §9). The Ed25519 private key comes from SIGNING_KEY (base64 of the 32-byte
# seed) or the PEM file SIGNING_KEY_FILE; it is never stored in the database. Without either, a key is
# generated into var/ on first use when SIGNING_KEY_GENERATE is on (the default with DEBUG or the SQLite demo).
SIGNING_KEY = env_str("SIGNING_KEY") or None
SIGNING_KEY_FILE = env_str("SIGNING_KEY_FILE") or str(BASE_DIR / "var" / "signing-key.pem")
SIGNING_KEY_GENERATE = env_bool("SIGNING_KEY_GENERATE", DEBUG or not env_str("DATABASE_URL"))
# Health and metrics (README, "Alerts, health and metrics").
HEALTH_TIMEOUT_SECONDS = env_int("HEALTH_TIMEOUT_MS", 1000) / 1000  # each broker/worker probe of /readyz
HEALTH_BEAT_MAX_AGE_SECONDS = env_int("HEALTH_BEAT_MAX_AGE_SECONDS", 180)  # beat ticks every 30 s
HEALTH_WORKER_MAX_AGE_SECONDS = env_int("HEALTH_WORKER_MAX_AGE_SECONDS", 30)  # workers beat every 2 s
CLOCK_OFFSET_WARNING_MS = env_int("CLOCK_OFFSET_WARNING_MS", 2000)
METRICS_TOKEN = env_str("METRICS_TOKEN") or None
try:
    METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network(network, strict=False)
                                for network in env_list("METRICS_ALLOWED_NETWORKS", [])]
except ValueError as error:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS must list networks like 10.0.0.0/8: {error}") from None
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR") or None  # read by prometheus-client itself too
