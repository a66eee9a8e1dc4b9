"""Helpers for tests of effects that go through the outbox."""

from __future__ import annotations

from django.utils import timezone

from outbox import dispatch
from outbox.dispatch import Outcome
from outbox.models import PENDING, OutboxEvent


def drain_outbox(*, rounds: int = 20) -> list[Outcome]:
    """Send every pending row, retries included, as if their backoff had passed."""
    outcomes: list[Outcome] = []
    for _ in range(rounds):
        OutboxEvent.objects.filter(PENDING).update(available_at=timezone.now())
        batch = dispatch.dispatch()
        if not batch:
            break
        outcomes += batch
    return outcomes
