"""Celery tasks of the api app: thin, take ids, idempotent.

Webhooks go through the outbox (api.webhooks.handle_outbox_delivery);
`deliver_webhook` (defined in api/webhooks.py, named "api.tasks.deliver_webhook")
only drains messages queued before the outbox. This module imports webhooks,
never the reverse.
"""

from __future__ import annotations

from api.webhooks import deliver_webhook

__all__ = ["deliver_webhook"]
