"""Celery tasks of the api app: thin, take ids, idempotent.

`deliver_webhook` is defined in api/webhooks.py (which enqueues it) under the
name "api.tasks.deliver_webhook"; this module imports webhooks, never the reverse.
"""

from __future__ import annotations

from celery import shared_task

from api import webhooks
from api.webhooks import deliver_webhook

__all__ = ["deliver_webhook", "retry_due_webhooks"]


@shared_task(ignore_result=True)
def retry_due_webhooks() -> int:
    """Beat, every few minutes: re-enqueue retries whose countdown was lost."""
    pks = webhooks.due_for_retry()
    for pk in pks:
        webhooks.enqueue(pk)
    return len(pks)
