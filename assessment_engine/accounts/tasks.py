import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="maintenance.purge_expired_auth_tokens")
def purge_expired_auth_tokens() -> int:
    deleted = services.auth_tokens_purge_expired()
    logger.info("Purged %d expired auth tokens", deleted)
    return deleted
