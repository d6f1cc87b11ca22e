"""What ops see of jobs: `/readyz` details (registered in `JobsConfig.ready`), the ops status."""

from datetime import timedelta

import redis
from django.utils import timezone

from .ai.factory import get_provider
from .ai.guard import provider_state
from .ai.offline import OfflineProvider
from .selectors import failed_job_count, failed_jobs_since, queue_depths


def ai_provider_detail() -> dict:
    """The provider in use, and its circuit breaker's state (the offline provider has none)."""
    provider = get_provider()
    if provider.name == OfflineProvider.name:
        return {"name": provider.name}
    try:
        return provider_state(provider.name)  # its "name" is the provider's
    except redis.RedisError:
        return {"name": provider.name, "state": "UNKNOWN"}


def ops_status() -> dict:
    """For `GET /api/v1/ops/status`: what ops alert on, beyond readiness."""
    return {
        "queues": queue_depths(),
        "failed_jobs_last_hour": failed_jobs_since(timezone.now() - timedelta(hours=1)),
        "ai_provider": ai_provider_detail(),
    }


def register() -> None:
    from assessment_engine.readiness import register_readiness_detail

    register_readiness_detail("failedJobs", failed_job_count)
    register_readiness_detail("aiProvider", ai_provider_detail)
