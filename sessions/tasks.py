from celery import shared_task

from . import services


@shared_task(name="maintenance.expire_sessions", ignore_result=True)
def expire_sessions() -> int:
    return services.sessions_expire_inactive()
