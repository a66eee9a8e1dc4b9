"""Beat deletes expired idempotency keys (settings CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import logging

from celery import shared_task

from idempotency.services import purge_expired

logger = logging.getLogger("pmks.idempotency")


@shared_task(ignore_result=True)
def purge_expired_idempotency_keys() -> int:
    deleted = purge_expired()
    if deleted:
        logger.info("deleted %d expired idempotency keys", deleted)
    return deleted
