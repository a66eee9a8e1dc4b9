"""Celery tasks of the outbox: the kick after commit and beat's sweep.

Both only call outbox.dispatch.dispatch, which is idempotent: a sent row is never
claimed again, so a duplicate kick or a redelivered task sends nothing twice.
"""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.conf import settings

from outbox import dispatch

logger = logging.getLogger("pmks.outbox")

# The task limits; settings.CELERY_BROKER_TRANSPORT_OPTIONS' visibility_timeout
# stays a little above the longest limit of any task.
DISPATCH_SOFT_LIMIT = 120
DISPATCH_TIME_LIMIT = 150


def _in_callers_process(task: Task) -> bool:
    """Run with .apply() (the embedded default's kick) or called as a function (tests,
    shell), not by a worker. The task's own request says so; the app's
    task_always_eager setting does not: Celery reads it once per process."""
    return bool(task.request.is_eager or task.request.called_directly)


def _run(*, inline: bool) -> int:
    # Inline runs in the caller's own transaction: other threads would not see its rows.
    threads = 1 if inline else settings.OUTBOX_DISPATCH_THREADS
    outcomes = dispatch.dispatch(max_seconds=DISPATCH_SOFT_LIMIT - 30, threads=threads)
    if not inline:
        # Rows retrying before the next sweep get a kick of their own
        # (inline, the embedded default leaves them to the sweep).
        wait = dispatch.next_due_in()
        if wait is not None and 0 < wait < 60:
            try:
                dispatch_outbox.apply_async(countdown=wait)
            except Exception:  # the sweep comes anyway
                logger.warning("outbox re-kick failed", exc_info=True)
    return len(outcomes)


@shared_task(
    bind=True,
    name="outbox.tasks.dispatch_outbox",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=DISPATCH_SOFT_LIMIT,
    time_limit=DISPATCH_TIME_LIMIT,
)
def dispatch_outbox(self: Task) -> int:
    """Kicked after each commit that wrote outbox rows."""
    return _run(inline=_in_callers_process(self))


@shared_task(
    bind=True,
    name="outbox.tasks.sweep_outbox",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=DISPATCH_SOFT_LIMIT,
    time_limit=DISPATCH_TIME_LIMIT,
)
def sweep_outbox(self: Task) -> int:
    """Beat, every minute: sends what a lost kick left behind, and retries."""
    return _run(inline=_in_callers_process(self))
