from django.db.models import Prefetch

from .models import AIJob, AIJobAttempt


def job_with_attempts(*, job_id) -> AIJob:
    """Raises AIJob.DoesNotExist. Two queries whatever the number of attempts."""
    attempts = AIJobAttempt.objects.order_by("number")
    return AIJob.objects.prefetch_related(Prefetch("attempts", queryset=attempts)).get(pk=job_id)
