"""Test settings: the real PostgreSQL and Redis, on a test database and a separate Redis db.

Celery is not eager here either: tests that need delivery start real workers.
"""

from .base import *  # noqa: F403
from .base import BASE_DIR, CACHES, DATABASES, REST_FRAMEWORK, env

# Keep test traffic away from a developer's `make run` data (Redis db 0).
REDIS_URL = env("TEST_REDIS_URL", default="redis://127.0.0.1:6379/15")
CACHES["default"]["LOCATION"] = REDIS_URL
CELERY_BROKER_URL = REDIS_URL

# A replica alias that mirrors the test database. It is used only by tests that turn on
# READ_REPLICA_ALIAS (and commit their data, since it is a separate connection).
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
READ_REPLICA_ALIAS = None

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
# Out of the way like the throttles; the slot tests set their own.
LOGIN_CONCURRENCY_PER_HOST = 64
LOGIN_SLOTS_DIR = str(BASE_DIR / ".run" / "test-login-slots")
MEDIA_ROOT = env.path("TEST_MEDIA_ROOT", default=str(BASE_DIR / ".run" / "test-media"))
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    # Every scope out of the way; the throttling tests set the rates they test.
    "DEFAULT_THROTTLE_RATES": dict.fromkeys(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "10000/min"),
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# No collectstatic in tests: WhiteNoise serves the apps' static files where they are.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
