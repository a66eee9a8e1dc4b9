"""Writing effects: `outbox_write(...)` inside the transaction of the change.

    with transaction.atomic():
        referral.save()
        outbox_write(kind="email", shard="email", payload={...}, organization=org)

The row commits or rolls back with the change. After the commit a kick asks the
dispatcher to send it (a Celery task, or inline in the embedded default); the kick
never raises: a broker error is logged and beat's sweep sends the row later. After
a failed kick this process stops kicking for OUTBOX_KICK_PAUSE_SECONDS, so that a
broker outage costs one connection attempt, not one per request.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from accounts.models import Organization
from outbox.models import OutboxEvent

logger = logging.getLogger("pmks.outbox")


def outbox_write(
    *,
    kind: str,
    shard: str,
    payload: dict[str, Any],
    organization: Organization | int | None = None,
    event_id: uuid.UUID | None = None,
) -> OutboxEvent:
    """Record one effect in the caller's transaction (required: an effect written
    outside the change's transaction could outlive a rolled-back change)."""
    if not connection.in_atomic_block:
        raise RuntimeError("outbox_write must be called inside the change's transaction")
    organization_id = organization.pk if isinstance(organization, Organization) else organization
    event = OutboxEvent.objects.create(
        kind=kind,
        shard=shard,
        payload=payload,
        organization_id=organization_id,
        **({"event_id": event_id} if event_id else {}),
    )
    _kick_on_commit()
    return event


def outbox_write_once(*, kind: str, shard: str, payload: dict[str, Any]) -> OutboxEvent | None:
    """Like outbox_write, but at most one such row per transaction (a "dirty"
    mark: ten changes in one transaction need one refresh). None if already written."""
    if not connection.in_atomic_block:
        raise RuntimeError("outbox_write_once must be called inside the change's transaction")
    pending_kick = _current_kick()
    if pending_kick is not None and (kind, shard) in pending_kick.written_once:
        return None
    event = outbox_write(kind=kind, shard=shard, payload=payload)
    pending_kick = _current_kick()
    assert pending_kick is not None
    pending_kick.written_once.add((kind, shard))
    return event


class _Kick:
    """The on_commit callback of one transaction that wrote rows. It also remembers
    what was written once in that transaction: Django drops the callback (and so
    the memory) when the transaction, or the savepoint that registered it, rolls back."""

    def __init__(self) -> None:
        self.written_once: set[tuple[str, str]] = set()
        self.fired = False  # (a test's capture of on_commit callbacks runs it in place)

    def __call__(self) -> None:
        self.fired = True
        kick()


def _current_kick() -> _Kick | None:
    # The kick registered at this savepoint level (a nested atomic block gets its
    # own: Django drops it with the savepoint, and a test's capture of on_commit
    # callbacks around a service call sees it).
    level = set(connection.savepoint_ids)
    for entry in connection.run_on_commit:
        func = entry[1]
        if isinstance(func, _Kick) and not func.fired and set(entry[0]) == level:
            return func
    return None


def _kick_on_commit() -> None:
    """One kick per transaction, however many rows it wrote."""
    if _current_kick() is None:
        transaction.on_commit(_Kick())


_kicks_paused_until = 0.0  # time.monotonic() of this process; see resume_kicks()


def kick(countdown: float | None = None) -> None:
    """Ask for a dispatch now (or after `countdown`). Never raises."""
    from outbox.tasks import dispatch_outbox

    global _kicks_paused_until
    if settings.CELERY_TASK_ALWAYS_EAGER:  # the embedded default: inline, now
        try:
            dispatch_outbox.apply()
        except Exception:  # an inline dispatch failing: the sweep sends later
            logger.warning("outbox kick failed; the sweep will send the rows", exc_info=True)
        return
    if time.monotonic() < _kicks_paused_until:
        return  # the broker failed a moment ago: the sweep sends the rows
    try:
        dispatch_outbox.apply_async(countdown=countdown, retry=False)
    except Exception:  # broker down: do not try again on every request for a while
        _kicks_paused_until = time.monotonic() + settings.OUTBOX_KICK_PAUSE_SECONDS
        logger.warning(
            "outbox kick failed; kicks pause for %s s and the sweep will send the rows",
            settings.OUTBOX_KICK_PAUSE_SECONDS,
            exc_info=True,
        )


def resume_kicks() -> None:
    """Forget a failed kick (the broker is known to be back; tests start clean)."""
    global _kicks_paused_until
    _kicks_paused_until = 0.0


def outbox_resend(*, event_ids: list[int]) -> int:
    """Give dead (or any unsent) rows a new run: attempts from zero, due now."""
    from django.utils import timezone

    return OutboxEvent.objects.filter(pk__in=event_ids, sent_at__isnull=True).update(
        dead_at=None, attempts=0, available_at=timezone.now(), locked_until=None
    )
