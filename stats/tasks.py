"""Freshness of the statistics: the data-change hook and the Celery tasks.

- `mark_dirty` is listed in settings.DATA_CHANGE_HANDLERS; pmks.hooks calls it in the
  transaction that wrote a case, beneficiary, service or referral, and it writes a
  "stats" outbox row; after the commit the outbox calls `handle_dirty_mark`, which
  calls `request_refresh`.
  With a worker (Redis): the first change schedules `rebuild_statistics` in
  STATS_REFRESH_DEBOUNCE_SECONDS, or STATS_REFRESH_REST_FACTOR times the last
  rebuild's duration when that is longer (a slow rebuild is not run back to back),
  and marks it scheduled in the cache; further changes in the meantime are covered
  by that run. The task clears the mark as it
  starts, so a change made during a rebuild schedules the next one.
  Embedded default (tasks inline, no worker): the rebuild runs inline right away,
  unless the live tables have not changed since the last rebuild (several hooks
  fired by one commit rebuild once).
- `rebuild_statistics`: the beat safety net (settings.CELERY_BEAT_SCHEDULE) and the
  debounced refresh. Never two at once: when the lock is taken it tries again later.
- `take_daily_snapshot`: at midnight WITA, the counts at the end of the day.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, transaction

from stats import rollup
from stats.models import RebuildRun

logger = logging.getLogger(__name__)

SCHEDULED_KEY = "stats:refresh-scheduled"
# Inline (no worker), a write waits at most this long for a rebuild in progress.
INLINE_WAIT_SECONDS = 10


def mark_dirty(model: str | None = None, pk: int | None = None) -> None:
    """Hook for pmks.hooks.data_changed, in the writer's transaction: one "dirty"
    outbox row per transaction; the outbox calls handle_dirty_mark after commit."""
    from outbox.services import outbox_write_once

    outbox_write_once(kind="stats", shard="stats", payload={"model": model})


def handle_dirty_mark(event: Any) -> None:
    """Outbox handler of kind "stats" (settings.OUTBOX_HANDLERS). With a worker it
    enqueues the debounced rebuild (a broker or cache error raises: the outbox
    retries the mark). Inline, it rebuilds after the dispatcher's transaction: the
    rebuild takes its lock before its own transaction (stats.rollup), never inside one."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(_rebuild_inline)
        return
    schedule_refresh()


def _rebuild_inline() -> None:
    try:
        request_refresh()
    except Exception:  # inline there is no retry; the next change or the beat rebuild fixes it
        logger.exception("inline statistics rebuild (data-change hook, request_refresh) failed")


def request_refresh(model: str | None = None, pk: int | None = None) -> None:
    """Get the statistics refreshed soon: inline (no worker) a rebuild right away,
    unless nothing changed since the last one; with a worker a debounced task."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        rollup.rebuild(
            trigger="change", wait=True, wait_seconds=INLINE_WAIT_SECONDS, only_if_changed=True
        )
        return
    schedule_refresh()


def schedule_refresh() -> bool:
    """Enqueue one debounced rebuild unless one is already scheduled. True if enqueued."""
    debounce = refresh_countdown()
    # The mark outlives the countdown a little so a lost message is retried later.
    if not cache.add(SCHEDULED_KEY, "1", timeout=debounce + 60):
        return False
    rebuild_statistics.apply_async(kwargs={"trigger": "change"}, countdown=debounce)
    return True


def refresh_countdown() -> int:
    """Seconds until a change-triggered rebuild: the debounce, or the rest after the
    last rebuild (its duration × STATS_REFRESH_REST_FACTOR) when that is longer."""
    debounce = settings.STATS_REFRESH_DEBOUNCE_SECONDS
    factor = settings.STATS_REFRESH_REST_FACTOR
    if factor <= 0:
        return debounce
    last_ms = RebuildRun.objects.order_by("-pk").values_list("duration_ms", flat=True).first()
    return max(debounce, round((last_ms or 0) * factor / 1000))


@shared_task(
    name="stats.tasks.rebuild_statistics",
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    max_retries=3,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def rebuild_statistics(trigger: str = "periodic") -> dict[str, Any] | None:
    cache.delete(SCHEDULED_KEY)  # changes from now on schedule the next run
    inline = settings.CELERY_TASK_ALWAYS_EAGER
    result = rollup.rebuild(trigger=trigger, wait=inline, wait_seconds=INLINE_WAIT_SECONDS)
    if result is None:
        if not inline:
            # Another rebuild holds the lock; it may have started before the latest
            # changes, so come back after the debounce instead of losing them.
            logger.info("statistics rebuild busy, rescheduled")
            schedule_refresh()
        return None
    logger.info(
        "statistics rebuilt (%s): %s rows in %s ms",
        trigger,
        result.total_rows,
        result.duration_ms,
    )
    return {"run_id": result.run_id, "rows": result.total_rows, "ms": result.duration_ms}


@shared_task(
    name="stats.tasks.take_daily_snapshot",
    ignore_result=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def take_daily_snapshot(day: str | None = None) -> int:
    """Snapshot for `day` (ISO date), by default the day that just ended."""
    return rollup.take_snapshot(dt.date.fromisoformat(day) if day else None)
