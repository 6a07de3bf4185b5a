"""quytrinh settings: one module, read from the environment.

With nothing set you get the embedded default: SQLite under ``var/``, a Celery broker on the
local filesystem (no server), the secret key ``make run`` generated into ``var/``. Production sets
``DATABASE_URL``, ``CELERY_BROKER_URL``, ``SECRET_KEY``, ``DEBUG`` and ``ALLOWED_HOSTS``. Importing
this module reads the environment and ``var/`` and writes nothing (``config/var.py``).
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django_guid.integrations import CeleryIntegration

from .var import SECRET_KEY_FILE, VAR_DIR

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _embedded_secret_key() -> str:
    """The per-checkout key ``make run`` generated, so nothing secret is committed; without it (a
    test run, a one-off command) a key for this process only (``config.checks`` warns)."""
    if SECRET_KEY_FILE.exists():
        return SECRET_KEY_FILE.read_text().strip()
    return EPHEMERAL_SECRET_KEY


EPHEMERAL_SECRET_KEY = secrets.token_urlsafe(50)
SECRET_KEY = os.environ.get("SECRET_KEY") or _embedded_secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_guid",
    "engine",
    "processes",
    "directory",
    "forms",
    "signing",
    "documents",
    "exchange",
    "outgoing",
    "api",
    "web",
    "django_otp",  # web: the second factor at sign-in (TOTP devices)
    "django_otp.plugins.otp_totp",
    "operations",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # operations: requests by view and status
    "django_guid.middleware.guid_middleware",  # operations: the request id of log lines and jobs
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # web: request.user.is_verified() after the second factor
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "api.middleware.RefuseNulInQuery",
    "csp.middleware.CSPMiddleware",  # web: the pages' Content-Security-Policy (below)
    "django_htmx.middleware.HtmxMiddleware",  # web: request.htmx for the pages' partial updates
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context.header",  # web: the signed-in person and their unread notices, read lazily
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'quytrinh.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side binding sends parameters (the workflow state) without quoting them into the SQL
    # text, and lets psycopg prepare the statements every step repeats. No JIT: the access
    # modules' OR-ed EXISTS filters get cost estimates far above jit_above_cost, and compiling them
    # took ~300 ms of a document search that runs in ~150 ms without it (docs/BENCHMARKS.md).
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5,
                                       "options": "-c jit=off"}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE makes every transaction take the write lock at BEGIN, so concurrent steps queue
    # instead of failing with "database is locked" at their first write; WAL lets readers go on.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Messages live in the server-side session, never in a cookie: the admin shows a new API token's key
# once that way (api/admin.py).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
GUARDIAN_RAISE_403 = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- Cache (throttle counters; share one across processes in production) -------------------
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("CACHE_URL"):
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["CACHE_URL"]}

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
# Each app's own catalog, <app>/locale (`make messages`), named here as well so that it outranks the
# Vietnamese of django.contrib.auth for msgids both use ("name", "active", "version").
LOCALE_PATHS = [BASE_DIR / app / "locale" for app in INSTALLED_APPS if (BASE_DIR / app / "locale").is_dir()]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"  # filled by collectstatic (make run)
# Documents' files (documents/blobs.py): on this server's disk by default; on S3-compatible object
# storage (django-storages, `pip install quytrinh[s3]`) when several servers share them.
MEDIA_ROOT = Path(os.environ.get("QUYTRINH_FILES_DIR", VAR_DIR / "files"))
STORAGES: dict[str, dict] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if os.environ.get("QUYTRINH_S3_BUCKET"):
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": os.environ["QUYTRINH_S3_BUCKET"],
        "endpoint_url": os.environ.get("QUYTRINH_S3_ENDPOINT") or None,
        "access_key": os.environ.get("QUYTRINH_S3_ACCESS_KEY"),
        "secret_key": os.environ.get("QUYTRINH_S3_SECRET_KEY"),
        "file_overwrite": False,
        "default_acl": None,
    }}

# --- Celery ---------------------------------------------------------------------------------
# The database is the source of truth for jobs and timers; the broker only carries wake-ups.
# Without CELERY_BROKER_URL the embedded mode uses kombu's filesystem transport (no server).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":  # its folders are made when Celery is configured (config/celery.py)
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# Timers are found through next_timer_at and fired within about a second of falling due; the
# sweep re-queues background jobs whose message was lost or whose worker died.
CELERY_BEAT_SCHEDULE = {
    "fire-timers": {"task": "engine.fire_timers", "schedule": float(os.environ.get("QUYTRINH_TIMER_INTERVAL", "1.0"))},
    "sweep-jobs": {"task": "engine.sweep_jobs", "schedule": 30.0},
    # Two-step signing requests nobody answered: closed, their prepared PDFs dropped.
    "signing-expire-requests": {"task": "signing.expire_requests", "schedule": 300.0},
    # Certificates to renew, announced each morning (signing/notices.py).
    "signing-announce-expiring": {"task": "signing.announce_expiring_certificates",
                                  "schedule": crontab(hour=7, minute=0)},
    # Exchange packets whose wake-up was lost or whose worker died (exchange/outbox.py).
    "exchange-sweep-outbox": {"task": "exchange.sweep_outbox", "schedule": 30.0},
}

# --- Engine ---------------------------------------------------------------------------------
ENGINE = {
    # Defaults and meaning in engine/conf.py; here what the environment sets and the hooks to the
    # directory (who holds which role where) and the forms (what a task's data must be).
    "SCRIPT_TIME_LIMIT": float(os.environ.get("QUYTRINH_SCRIPT_TIME_LIMIT", "1.0")),
    "SCRIPT_MAX_SIZE": int(os.environ.get("QUYTRINH_SCRIPT_MAX_SIZE", str(1_000_000))),
    "LIVE_WORKFLOWS": int(os.environ.get("QUYTRINH_LIVE_WORKFLOWS", "256")),
    "JOB_LEASE_SECONDS": float(os.environ.get("QUYTRINH_JOB_LEASE_SECONDS", "120")),
    "JOB_RETRY_DELAY": float(os.environ.get("QUYTRINH_JOB_RETRY_DELAY", "5")),
    "ROLE_PAIRS": "directory.roles.role_pairs",
    "ROLE_HOLDERS": "directory.roles.holders",
    "UNITS": "directory.units.units",
    "KNOWN_ROLES": "directory.roles.known_roles",
    "FORM_VALIDATOR": "forms.validation.validate_task",
    "KNOWN_FORMS": "forms.registry.keys",
    "FORM_FIELDS": "forms.registry.fields",
}

# --- Digital signatures (defaults and meaning in signing/conf.py) -----------------------------
# Production names its RFC 3161 authority (QUYTRINH_TSA_URL). The embedded demo (make run) uses
# the in-process authority that seed_signing writes under var/signing/, with the demo password:
# demo keys only, never for real documents.
SIGNING = {
    "TSA_URL": os.environ.get("QUYTRINH_TSA_URL", ""),
    "TSA_PKCS12": os.environ.get("QUYTRINH_TSA_PKCS12", ""),
    "TSA_SECRET_REF": os.environ.get("QUYTRINH_TSA_SECRET_REF", "QUYTRINH_SIGNING_DEMO_PASSWORD"),
}

# --- Document exchange (defaults and meaning in exchange/conf.py; docs/EXCHANGE.md) ----------
EXCHANGE = {
    "RETRY_BASE_SECONDS": float(os.environ.get("QUYTRINH_EXCHANGE_RETRY_SECONDS", "30")),
    "MAX_ATTEMPTS": int(os.environ.get("QUYTRINH_EXCHANGE_MAX_ATTEMPTS", "12")),
}

# --- REST API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.handle",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.WriteThrottle", "rest_framework.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "login": os.environ.get("QUYTRINH_LOGIN_RATE", "10/min"),
        "writes": os.environ.get("QUYTRINH_WRITE_RATE", "6000/min"),
        "messages": os.environ.get("QUYTRINH_MESSAGE_RATE", "600/min"),
    },
    "NUM_PROXIES": int(os.environ.get("NUM_PROXIES", "0")),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "quytrinh API",
    "DESCRIPTION": "BPMN procedures of Party and State bodies: worklist, tasks, processes, messages.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "InstanceStatusEnum": "engine.models.InstanceStatus",
        "TaskStatusEnum": "engine.models.TaskStatus",
        "DeliveryStatusEnum": "exchange.models.DeliveryStatus",
        "DocumentDirectionEnum": "documents.models.Direction",
        "HandlingStatusEnum": "documents.models.HandlingStatus",
        "LinkKindEnum": "documents.models.LinkKind",
    },
}
API = {
    "TOKEN_DAYS": int(os.environ.get("QUYTRINH_TOKEN_DAYS", "30")),
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5_000_000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every line carries the request id (operations: django-guid); QUYTRINH_LOG_FORMAT=json: one JSON object a line.
    "filters": {"request_id": {"()": "django_guid.log_filters.CorrelationId"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(correlation_id)s %(message)s",
                 "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger",
                                   "correlation_id": "request_id"}},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": "json" if os.environ.get("QUYTRINH_LOG_FORMAT") == "json" else "text"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"spiff": {"level": "WARNING"}},
}

# --- Staff pages (web/, docs/WEB.md) ----------------------------------------------------------
LOGIN_URL = "web:sign_in"
LOGIN_REDIRECT_URL = "web:worklist"
# The pages run no inline script and no inline style: their code and data- attributes come from
# 'self'. The admin and the API's Swagger page keep their own (they are not ours to change).
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/api/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
WEB = {
    # Sign-in: attempts per address and minute (as the API's QUYTRINH_LOGIN_RATE), and the lockout of
    # an account after this many wrong passwords in a row, for this many minutes.
    "SIGN_IN_RATE": int(os.environ.get("QUYTRINH_WEB_SIGN_IN_RATE", "10")),
    "LOCKOUT_FAILURES": int(os.environ.get("QUYTRINH_WEB_LOCKOUT_FAILURES", "5")),
    "LOCKOUT_MINUTES": int(os.environ.get("QUYTRINH_WEB_LOCKOUT_MINUTES", "15")),
    # "Remember me" keeps the session this many days; without it the session ends with the browser.
    "REMEMBER_DAYS": int(os.environ.get("QUYTRINH_WEB_REMEMBER_DAYS", "14")),
    # Holders of these roles (comma-separated codes, e.g. bi_thu,chu_tich,van_thu) must sign in with a
    # second factor (TOTP, django-otp); anyone may turn it on for themselves.
    "SECOND_FACTOR_ROLES": env_list("QUYTRINH_WEB_2FA_ROLES", ""),
}
OTP_TOTP_ISSUER = "quytrinh"  # the name authenticator apps show for the account

# --- Production hardening (applies whenever DEBUG is off and the site is served over HTTPS) --
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if env_bool("HTTPS", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Operations (operations/, docs/DEPLOY.md) ------------------------------------------------
# Every log line of a request, and of the Celery jobs it queues, carries its request id: the
# proxy's X-Request-ID, or a new one (django-guid; the log format is in LOGGING above).
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "INTEGRATIONS": [CeleryIntegration()],
}
OPERATIONS = {
    # Defaults and meaning in operations/conf.py.
    "METRICS_ALLOW": env_list("QUYTRINH_METRICS_ALLOW", "127.0.0.1/32,::1/128"),
    "METRICS_TOKEN": os.environ.get("QUYTRINH_METRICS_TOKEN", ""),
    "TIMER_LAG_LIMIT": float(os.environ.get("QUYTRINH_TIMER_LAG_LIMIT", "300")),
    "BACKUP_DIR": Path(os.environ.get("QUYTRINH_BACKUP_DIR", VAR_DIR / "backups")),
}
