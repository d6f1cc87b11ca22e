"""Celery tasks of the jobs infrastructure."""

from celery import current_task, shared_task
from django.conf import settings


def _make_ping(queue: str):
    @shared_task(name=f"{queue}.ping")
    def ping() -> dict:
        """Round-trip check of a queue's workers (`manage.py ping_queues`)."""
        return {"queue": queue, "worker": current_task.request.hostname}

    return ping


pings = {queue: _make_ping(queue) for queue in settings.TASK_QUEUES}
