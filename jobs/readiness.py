"""What `/readyz` tells about jobs (registered in `JobsConfig.ready`)."""

import redis

from .ai.factory import get_provider
from .ai.guard import provider_state
from .ai.offline import OfflineProvider
from .selectors import failed_job_count


def ai_provider_detail() -> dict:
    """The provider in use, and its circuit breaker's state (the offline provider has none)."""
    provider = get_provider()
    if provider.name == OfflineProvider.name:
        return {"name": provider.name}
    try:
        return provider_state(provider.name)  # its "name" is the provider's
    except redis.RedisError:
        return {"name": provider.name, "state": "UNKNOWN"}


def register() -> None:
    from assessment_engine.readiness import register_readiness_detail

    register_readiness_detail("failedJobs", failed_job_count)
    register_readiness_detail("aiProvider", ai_provider_detail)
