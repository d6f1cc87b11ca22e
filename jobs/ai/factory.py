"""The AI provider named by `settings.AI_PROVIDER` (validated by the settings at start)."""

from __future__ import annotations

import functools
import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from .base import AIProvider, AIRequest, AIResponse
from .gemini import GeminiProvider
from .guard import guarded_complete
from .offline import OfflineProvider

DEFAULT_TIMEOUT_SECONDS = 60.0


def get_provider() -> AIProvider:
    if settings.AI_PROVIDER == "offline":
        return OfflineProvider()
    api_key = (settings.GEMINI_API_KEY or "").strip()
    if not api_key:
        raise ImproperlyConfigured("AI_PROVIDER=gemini needs GEMINI_API_KEY.")
    return _shared_gemini_provider(
        api_key,
        settings.GEMINI_MODEL,
        getattr(settings, "GEMINI_API_BASE_URL", None) or None,
        float(getattr(settings, "AI_REQUEST_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)),
        os.getpid(),
    )


@functools.lru_cache(maxsize=8)
def _shared_gemini_provider(
    api_key: str, model: str, base_url: str | None, timeout_seconds: float, pid: int
) -> GeminiProvider:
    """One provider, and so one google-genai client and connection pool, per configuration.

    Worker threads share it: the SDK builds every request's state afresh and sends it through
    one httpx2.Client, which is documented as shareable between threads (its connection pool
    locks). `pid` is in the key so a forked worker process (Celery prefork) builds its own client
    instead of reusing sockets inherited from its parent. lru_cache keeps its own bookkeeping
    thread-safe; two threads racing on a miss may each build a provider, and one is dropped.
    """
    return GeminiProvider(
        api_key=api_key, model=model, base_url=base_url, timeout_seconds=timeout_seconds
    )


def clear_provider_cache() -> None:
    """Forget shared providers (tests that change settings; after rotating the API key)."""
    _shared_gemini_provider.cache_clear()


def call_ai(request: AIRequest) -> AIResponse:
    """Call the configured provider, holding no database connection while waiting for it.

    An AI call can take seconds; a worker runs many at once. Closing this thread's connection
    first (it is reopened on the next query) means a worker's database connections scale with
    the jobs being recorded, not with the calls in flight.
    """
    provider = get_provider()
    if provider.name == OfflineProvider.name:
        return provider.complete(request)  # local and instant: keep the connection, no guards
    if not connection.in_atomic_block:  # never inside a transaction (conventions), but be safe
        connection.close()
    return guarded_complete(provider, request)
