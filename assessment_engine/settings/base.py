"""Settings shared by every environment, read from the environment with django-environ.

Every variable of the configuration table in README.md is read here, with the same name.
"""

import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from assessment_engine.secret_key import read_or_create_secret_key

BASE_DIR = Path(__file__).resolve().parents[2]

env = environ.Env()
# A .env file at the repository root is optional; real environment variables win over it.
# Only read when present: django-environ logs a "not found" line otherwise (Flower shows it).
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# The development secret is public by design: production.py refuses to start with it.
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-secret-key-do-not-deploy"  # noqa: S105
# An empty DJANGO_SECRET_KEY counts as unset. DJANGO_SECRET_KEY_FILE (docker-compose.yml sets it
# to a file in a volume) holds a secret generated on first start.
SECRET_KEY_FILE = env("DJANGO_SECRET_KEY_FILE", default="")
SECRET_KEY = (
    env("DJANGO_SECRET_KEY", default="")
    or (SECRET_KEY_FILE and read_or_create_secret_key(Path(SECRET_KEY_FILE)))
    or DEVELOPMENT_SECRET_KEY
)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

PORT = env.int("PORT", default=8000)
FLOWER_PORT = env.int("FLOWER_PORT", default=5555)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc served from here, not a CDN
    "django_celery_results",
    "assessment_engine.accounts",
    "assessment_engine.idempotency",
    "jobs",
    "syllabus",
    "assessments",
    "sessions.apps.CandidateSessionsConfig",
]

MIDDLEWARE = [
    "assessment_engine.api.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "assessment_engine.api.middleware.ApiErrorMiddleware",
    "assessment_engine.idempotency.middleware.IdempotencyMiddleware",
]

ROOT_URLCONF = "assessment_engine.urls"
CSRF_FAILURE_VIEW = "assessment_engine.urls.csrf_failure"
WSGI_APPLICATION = "assessment_engine.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "assessment_engine" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- PostgreSQL (psycopg 3) ---------------------------------------------------------------
# Persistent connections rather than Django's in-process pool: gunicorn runs sync workers
# (one request at a time per process) and Celery threads each own one connection, so a
# per-process pool would hold idle connections without adding concurrency. Cross-process
# pooling belongs to PgBouncer (transaction mode), which persistent connections work behind.
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/assessment_engine"
    ),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
# Behind PgBouncer in transaction mode a server connection changes hands between
# transactions: no server-side cursors, no prepared statements, no session state.
DATABASE_PGBOUNCER = env.bool("DATABASE_PGBOUNCER", default=False)
if DATABASE_PGBOUNCER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default=None)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **env.db_url_config(DATABASE_REPLICA_URL),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": 5},
    }
READ_REPLICA_ALIAS = "replica" if DATABASE_REPLICA_URL else None
DATABASE_ROUTERS = ["assessment_engine.db.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, throttles, the AI provider's guards, and the Celery broker ------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "assessment_engine.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "ae",  # timeouts: the shared client's (assessment_engine/redis_client.py)
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Source maps are fetched only by a browser's developer tools; the docs' Swagger UI ships large
# ones, and compressing them would be most of collectstatic's time.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

# --- Domain settings (the contract's configuration table) -------------------------------
GEMINI_API_KEY = env("GEMINI_API_KEY", default=None)
GEMINI_MODEL = env("GEMINI_MODEL", default="gemini-2.5-flash")
GEMINI_API_BASE_URL = env("GEMINI_API_BASE_URL", default=None)
# Which provider generates and grades. Checked here, so every process (web, workers, beat)
# refuses to start with a choice it cannot honour.
AI_PROVIDERS = ("gemini", "offline")
AI_PROVIDER = env("AI_PROVIDER", default="").strip().lower() or (
    "gemini" if (GEMINI_API_KEY or "").strip() else "offline"
)
if AI_PROVIDER not in AI_PROVIDERS:
    raise ImproperlyConfigured(f"AI_PROVIDER must be one of {', '.join(AI_PROVIDERS)}.")
if AI_PROVIDER == "gemini" and not (GEMINI_API_KEY or "").strip():
    raise ImproperlyConfigured("AI_PROVIDER=gemini needs GEMINI_API_KEY.")
# Production refuses the offline provider unless this says it is meant (a demo, a drill).
AI_ALLOW_OFFLINE = env.bool("AI_ALLOW_OFFLINE", default=False)
AI_MAX_ATTEMPTS = env.int("AI_MAX_ATTEMPTS", default=5)
AI_JOB_STALE_PENDING_SECONDS = env.int("AI_JOB_STALE_PENDING_SECONDS", default=60)
AI_JOB_LEASE_SECONDS = env.int("AI_JOB_LEASE_SECONDS", default=300)
MAINTENANCE_INTERVAL_SECONDS = env.int("MAINTENANCE_INTERVAL_SECONDS", default=30)
SESSION_INACTIVITY_TIMEOUT_SECONDS = env.int("SESSION_INACTIVITY_TIMEOUT_SECONDS", default=1800)
SESSION_DEADLINE_GRACE_SECONDS = env.int("SESSION_DEADLINE_GRACE_SECONDS", default=30)
ASSESSMENT_REQUIRE_REVIEW = env.bool("ASSESSMENT_REQUIRE_REVIEW", default=False)
# The delivery policy a new assessment starts with (validated when the app loads).
ASSESSMENT_DEFAULT_MAX_ATTEMPTS = env.int("ASSESSMENT_DEFAULT_MAX_ATTEMPTS", default=1)
ASSESSMENT_DEFAULT_REVIEW_POLICY = env("ASSESSMENT_DEFAULT_REVIEW_POLICY", default="SCORES")
SYLLABUS_MAX_UPLOAD_BYTES = env.int("SYLLABUS_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
SYLLABUS_MAX_PAGES = env.int("SYLLABUS_MAX_PAGES", default=500)
SYLLABUS_MAX_FILES = env.int("SYLLABUS_MAX_FILES", default=20)
FLOWER_BASIC_AUTH = env("FLOWER_BASIC_AUTH", default=None)

# --- REST API ------------------------------------------------------------------------------
AUTH_TOKEN_TTL = timedelta(seconds=env.int("AUTH_TOKEN_TTL_SECONDS", default=10 * 60 * 60))
# Password checks (PBKDF2: slow by design) in flight at once per host, across its web
# processes: a login wave must leave workers for the candidates (accounts/password_slots.py).
LOGIN_CONCURRENCY_PER_HOST = env.int(
    "LOGIN_CONCURRENCY_PER_HOST", default=max(1, (os.cpu_count() or 2) // 2)
)
if LOGIN_CONCURRENCY_PER_HOST < 1:
    raise ImproperlyConfigured("LOGIN_CONCURRENCY_PER_HOST must be at least 1.")
LOGIN_SLOTS_DIR = env(
    "LOGIN_SLOTS_DIR",
    default=os.path.join(tempfile.gettempdir(), f"assessment-engine-login-slots-{os.getuid()}"),
)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "assessment_engine.accounts.authentication.BearerTokenAuthentication"
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["djangorestframework_camel_case.render.CamelCaseJSONRenderer"],
    # JSON bodies only; the syllabus upload declares its own multipart parser.
    "DEFAULT_PARSER_CLASSES": ["assessment_engine.api.parsers.SafeJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "assessment_engine.api.pagination.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "assessment_engine.api.exceptions.api_exception_handler",
    # Each view names its scope; the rates are per user (for login: per client IP and account,
    # and per client IP).
    "DEFAULT_THROTTLE_CLASSES": ["assessment_engine.api.throttling.ResilientScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "login": env("THROTTLE_LOGIN_RATE", default="10/min"),
        "login_client": env("THROTTLE_LOGIN_CLIENT_RATE", default="1200/min"),
        "candidate": env("THROTTLE_CANDIDATE_RATE", default="300/min"),
        "generation": env("THROTTLE_GENERATION_RATE", default="20/min"),
    },
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
JSON_CAMEL_CASE = {
    "RENDERER_CLASS": "rest_framework.renderers.JSONRenderer",
    # Keys below these are data (question ids, free text) or already camelCase (the candidate
    # view of an assessment, ~900 keys): neither parser nor renderer walks them.
    "JSON_UNDERSCOREIZE": {
        "ignore_fields": ("answers", "assessment"),
        "no_underscore_before_number": True,
    },
}
REST_KNOX = {
    "AUTH_HEADER_PREFIX": "Bearer",
    "TOKEN_TTL": AUTH_TOKEN_TTL,
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "assessment-engine API",
    "DESCRIPTION": (
        "Syllabus-grounded AI assessments: upload, generate, take, evaluate.\n\n"
        "Log in with `POST /api/v1/auth/login` and send `Authorization: Bearer <token>` "
        "(the Authorize button). JSON keys are camelCase. Every error is "
        '`{"error": {"code", "message", "details"}}` with a stable `code`. '
        "Staff endpoints answer 403 to candidates; another user's session is 404. "
        "The full contract, with the answer formats, is docs/API.md in the repository."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "CAMELIZE_NAMES": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.contrib.djangorestframework_camel_case.camelize_serializer_fields",
        "drf_spectacular.hooks.postprocess_schema_enums",
        "assessment_engine.api.schema.contract_paths_hook",
        "assessment_engine.api.schema.closed_request_bodies_hook",
        "assessment_engine.api.schema.query_strings_without_nul_hook",
    ],
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "jobs.models.JobStatus",
        "JobAttemptStatusEnum": "jobs.models.AttemptStatus",
        "SessionStatusEnum": "sessions.models.SessionStatus",
        "ReviewLevelEnum": "assessments.models.ReviewLevel",
    },
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # The docs pages load their scripts from our static files: they work without internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Celery ----------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
# Redis redelivers an unacknowledged message after the visibility timeout. With acks_late,
# a task that is still running when the timeout passes would run twice, so every task's
# hard time limit must stay below it (asserted by a test).
CELERY_BROKER_VISIBILITY_TIMEOUT = 3600
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": 3,
    "socket_timeout": 5,
}
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_RESULT_BACKEND = "django-db"
# Celery's Django fix-up closes every database connection before and after each task unless
# this many tasks may reuse it; a count it never reaches turns that off, and
# `assessment_engine.celery` applies Django's own rule between tasks instead (CONN_MAX_AGE,
# broken or mid-transaction connections closed), as Django does between web requests.
CELERY_DB_REUSE_MAX = sys.maxsize
CELERY_RESULT_EXTENDED = True
CELERY_RESULT_EXPIRES = timedelta(days=7)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_SEND_SENT_EVENT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Threads of an AI worker (generation, evaluation: I/O-bound calls). The maintenance worker
# passes its own --concurrency.
AI_WORKER_CONCURRENCY = env.int("AI_WORKER_CONCURRENCY", default=20)
CELERY_WORKER_CONCURRENCY = AI_WORKER_CONCURRENCY
CELERY_TIMEZONE = "UTC"
# Queues: generation and evaluation call the AI (I/O-bound), maintenance runs periodic work.
TASK_QUEUES = ("generation", "evaluation", "maintenance")
CELERY_TASK_DEFAULT_QUEUE = "maintenance"
# Routing is by task name prefix: a task called "generation.*" runs on the generation queue.
CELERY_TASK_ROUTES = {f"{queue}.*": {"queue": queue} for queue in TASK_QUEUES}
CELERY_BEAT_SCHEDULE = {
    "sweep-jobs": {
        "task": "maintenance.sweep_jobs",
        "schedule": timedelta(seconds=MAINTENANCE_INTERVAL_SECONDS),
    },
    "sweep-sessions": {
        "task": "maintenance.sweep_sessions",
        "schedule": timedelta(seconds=MAINTENANCE_INTERVAL_SECONDS),
    },
    "purge-idempotency-keys": {
        "task": "maintenance.purge_idempotency_keys",
        "schedule": timedelta(hours=1),
    },
    "purge-expired-auth-tokens": {
        "task": "maintenance.purge_expired_auth_tokens",
        "schedule": timedelta(hours=1),
    },
}

# --- Logging ---------------------------------------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOG_FORMAT = "text"  # production.py switches to "json"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "assessment_engine.logging.RequestIdFilter"}},
    "formatters": {
        "text": {
            "()": "assessment_engine.logging.EscapingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Our request line replaces Django's own request/server logs.
        "django.request": {"level": "ERROR", "handlers": [], "propagate": False},
        "django.server": {"level": "ERROR", "handlers": [], "propagate": False},
    },
}

# --- `make run` bootstrap ----------------------------------------------------------------------
DJANGO_SUPERUSER_USERNAME = env("DJANGO_SUPERUSER_USERNAME", default="admin")
DJANGO_SUPERUSER_PASSWORD = env("DJANGO_SUPERUSER_PASSWORD", default=None)

# --- Syllabus extraction sandbox (child process limits) -------------------------------------
SYLLABUS_PARSE_TIMEOUT_SECONDS = env.float("SYLLABUS_PARSE_TIMEOUT_SECONDS", default=30.0)
SYLLABUS_PARSE_MEMORY_BYTES = env.int("SYLLABUS_PARSE_MEMORY_BYTES", default=1 << 30)

# --- AI calls and retries ----------------------------------------------------------------------
AI_REQUEST_TIMEOUT_SECONDS = env.float("AI_REQUEST_TIMEOUT_SECONDS", default=60.0)
# Retry n waits a random time in [0.5, 1] x base x 2^(n-1) seconds, capped (full-ish jitter).
AI_RETRY_BACKOFF_SECONDS = env.float("AI_RETRY_BACKOFF_SECONDS", default=2.0)
AI_RETRY_BACKOFF_MAX_SECONDS = env.float("AI_RETRY_BACKOFF_MAX_SECONDS", default=300.0)
# Shared by every worker (state in Redis): after N consecutive transient provider failures the
# breaker opens for T seconds, then lets one probe through.
AI_BREAKER_FAILURE_THRESHOLD = env.int("AI_BREAKER_FAILURE_THRESHOLD", default=5)
AI_BREAKER_OPEN_SECONDS = env.float("AI_BREAKER_OPEN_SECONDS", default=30.0)
# Provider calls per minute across all workers and queues (0 = unlimited).
AI_REQUESTS_PER_MINUTE = env.int("AI_REQUESTS_PER_MINUTE", default=0)
