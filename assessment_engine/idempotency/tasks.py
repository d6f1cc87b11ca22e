from celery import shared_task

from . import services


@shared_task(name="maintenance.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys() -> int:
    return services.idempotency_purge_expired()
