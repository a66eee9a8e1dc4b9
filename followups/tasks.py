"""Beat's jobs of the follow-ups (thin: they call the service)."""

from __future__ import annotations

from celery import shared_task

from followups import services


@shared_task(name="followups.tasks.mark_overdue_followups")
def mark_overdue_followups() -> int:
    """Flag open follow-ups whose due date (WITA) has passed; idempotent."""
    return services.followups_mark_overdue()
