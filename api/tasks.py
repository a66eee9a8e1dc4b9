"""Celery tasks of the api app: thin, take ids, idempotent."""

from __future__ import annotations

from celery import shared_task

from api import webhooks
from api.models import DeliveryStatus


@shared_task(bind=True, acks_late=True, max_retries=None, ignore_result=True)
def deliver_webhook(self, delivery_id: int) -> str:  # type: ignore[no-untyped-def]
    """POST one delivery; on failure retry with exponential backoff until
    WEBHOOK_MAX_ATTEMPTS attempts (recorded on the delivery), then give up."""
    delivery = webhooks.attempt_delivery(delivery_id)
    if delivery is None:
        return "skipped"
    if delivery.status == DeliveryStatus.RETRYING:
        raise self.retry(countdown=webhooks.backoff_seconds(delivery.attempts))
    return delivery.status


@shared_task(ignore_result=True)
def retry_due_webhooks() -> int:
    """Beat, every few minutes: re-enqueue retries whose countdown was lost."""
    pks = webhooks.due_for_retry()
    for pk in pks:
        webhooks.enqueue(pk)
    return len(pks)
