"""Production: secure defaults, JSON logs, and no start with the development secret."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import AI_ALLOW_OFFLINE, AI_PROVIDER, DEVELOPMENT_SECRET_KEY, LOGGING, SECRET_KEY, env

DEBUG = False
if not SECRET_KEY or SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a real secret in production "
        "(the development key is public), or DJANGO_SECRET_KEY_FILE to a file that keeps "
        "a generated one."
    )
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 characters long.")
# The offline provider writes and grades by fixed rules, not with a model: a deployment whose
# key went missing must fail at start, not quietly grade candidates that way.
if AI_PROVIDER == "offline" and not AI_ALLOW_OFFLINE:
    raise ImproperlyConfigured(
        "The AI provider is offline (no GEMINI_API_KEY, or AI_PROVIDER=offline): set "
        "GEMINI_API_KEY, or AI_ALLOW_OFFLINE=true to run the offline provider on purpose."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Health probes come from the orchestrator over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

LOG_FORMAT = "json"
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT
