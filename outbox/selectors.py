"""Reads of the outbox: the lag (for /healthz/ready) and the status counts."""

from __future__ import annotations

from django.db.models import Count
from django.utils import timezone

from outbox.models import PENDING, OutboxEvent


def lag_seconds() -> float | None:
    """Age in seconds of the oldest due, unsent, not-dead row (how late the
    dispatcher is); None when no row is due. One indexed query."""
    now = timezone.now()
    oldest = (
        OutboxEvent.objects.filter(PENDING, available_at__lte=now)
        .order_by("available_at")
        .values_list("available_at", flat=True)
        .first()
    )
    return None if oldest is None else max((now - oldest).total_seconds(), 0.0)


def status_counts() -> dict[tuple[str, str], int]:
    """{(kind, state): count}, state one of pending, retrying, sent, dead."""
    counts: dict[tuple[str, str], int] = {}
    for state, queryset in {
        "pending": OutboxEvent.objects.filter(PENDING, attempts=0),
        "retrying": OutboxEvent.objects.filter(PENDING, attempts__gt=0),
        "sent": OutboxEvent.objects.filter(sent_at__isnull=False),
        "dead": OutboxEvent.objects.filter(dead_at__isnull=False),
    }.items():
        grouped = queryset.order_by().values("kind").annotate(n=Count("pk"))
        for kind, n in grouped.values_list("kind", "n"):
            counts[(kind, state)] = n
    return counts
