"""Celery tasks of referrals: thin, idempotent, calling the services.

`mark_overdue_referrals` runs from beat (settings.CELERY_BEAT_SCHEDULE);
`send_referral_email` (defined in referrals/emails.py, re-exported here) is
enqueued after commit by the services' notifications. This module imports the
services; the services never import it.
"""

from __future__ import annotations

import logging

from celery import shared_task

from referrals.emails import send_referral_email
from referrals.services import sla

__all__ = ["mark_overdue_referrals", "send_referral_email"]

logger = logging.getLogger(__name__)


@shared_task(name="referrals.tasks.mark_overdue_referrals", soft_time_limit=240, time_limit=300)
def mark_overdue_referrals() -> int:
    marked = sla.mark_overdue_referrals()
    if marked:
        logger.info("marked %d overdue referrals", marked)
    return marked
