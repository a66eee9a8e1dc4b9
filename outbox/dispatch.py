"""The dispatcher: claim due rows, call the handler of their kind, record the outcome.

Only the head of a shard (its oldest pending row) is ever claimed, so rows of one
shard go out in order and a failing shard waits alone; other shards keep moving.

Fairness. A run serves the shards in rounds: a shard served in this round is
skipped until every other due shard had its turn, so a shard with a long backlog
(an endpoint catching up) takes one row per round, not the whole batch. A worker
on Postgres runs `OUTBOX_DISPATCH_THREADS` claims at once (threads, each with its
own connection; SKIP LOCKED keeps them on different shards), so an endpoint that
times out holds one thread for at most its timeout while the others carry on; an
idle thread keeps polling while another is in flight, so a row committed during a
slow attempt goes out at once.

Claim. Postgres: one short transaction per row, `SELECT … FOR UPDATE SKIP LOCKED`
on the due heads; the handler runs and the row is marked inside that transaction,
so two dispatchers never hold the same row, and a dispatcher that dies mid-way
(kill -9) releases it at once (the row is sent again later, with the same event id:
at least once). SQLite has no SKIP LOCKED: a conditional update sets a lease
(`locked_until`), and the handler runs outside any transaction.

Outcome. Return: sent. `GiveUp`: dead now. `RetryLater(delay)` or any other
exception: attempts + 1, due again after the delay (or exponential backoff with
jitter), dead after OUTBOX_MAX_ATTEMPTS. The handler's writes stand when it raises
GiveUp or RetryLater (it recorded an attempt), and roll back on any other exception.

Handlers come from settings.OUTBOX_HANDLERS = {"kind": "dotted.path"}; a handler
takes the OutboxEvent and may be called twice for one event (at least once).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.query import QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from outbox.models import PENDING, OutboxEvent

logger = logging.getLogger("pmks.outbox")


class GiveUp(Exception):  # noqa: N818 (an instruction, not an error)
    """Raised by a handler: this event can never be sent; mark it dead now."""


class RetryLater(Exception):  # noqa: N818
    """Raised by a handler: not sent; try again after `delay` seconds."""

    def __init__(self, message: str = "", *, delay: float | None = None) -> None:
        super().__init__(message)
        self.delay = delay


@dataclass(frozen=True)
class Outcome:
    event_id: str
    kind: str
    state: str  # sent, retrying, dead
    shard: str = ""


def handler_for(kind: str) -> Callable[[OutboxEvent], Any]:
    try:
        path = settings.OUTBOX_HANDLERS[kind]
    except KeyError:
        raise GiveUp(f"no handler for kind {kind!r} in OUTBOX_HANDLERS") from None
    return _import(path)


@cache
def _import(path: str) -> Callable[[OutboxEvent], Any]:
    return import_string(path)


def backoff_seconds(attempts: int, *, rng: random.Random | None = None) -> float:
    """Exponential (base × 2^(attempts-1), capped) with ±25 % jitter, so rows that
    failed together do not come back together."""
    base = settings.OUTBOX_RETRY_BASE_SECONDS
    delay = min(base * (2 ** max(attempts - 1, 0)), settings.OUTBOX_RETRY_MAX_SECONDS)
    return delay * (rng or random).uniform(0.75, 1.25)


def due_heads(now: dt.datetime) -> QuerySet[OutboxEvent]:
    """Pending rows that are due and have no older pending row in their shard."""
    older_pending = OutboxEvent.objects.filter(
        PENDING, shard=OuterRef("shard"), pk__lt=OuterRef("pk")
    )
    return (
        OutboxEvent.objects.filter(PENDING, available_at__lte=now)
        .filter(~Exists(older_pending))
        .order_by("available_at", "pk")
    )


def dispatch(*, max_seconds: float = 50.0, max_rows: int = 1000, threads: int = 1) -> list[Outcome]:
    """Send due rows until none is left, `max_rows` were handled or `max_seconds`
    passed, shards in rounds; `threads` > 1 handles that many shards at once
    (Postgres only; SQLite runs one). Safe to run in any number of processes at once."""
    run = _Run(max_seconds=max_seconds, max_rows=max_rows)
    if threads <= 1 or not connection.features.has_select_for_update_skip_locked:
        run.drain()
        return run.outcomes
    with ThreadPoolExecutor(threads, thread_name_prefix="outbox") as pool:
        for future in [pool.submit(run.drain_in_thread) for _ in range(threads)]:
            future.result()
    return run.outcomes


# A round forgets its shards past this many (the NOT IN list stays short).
ROUND_MAX_SHARDS = 200
IDLE_POLL_SECONDS = 0.2


class _Run:
    """One dispatch run: its budget, its outcomes and the shards served this round."""

    def __init__(self, *, max_seconds: float, max_rows: int) -> None:
        self.deadline = time.monotonic() + max_seconds
        self.max_rows = max_rows
        self.outcomes: list[Outcome] = []
        self.served: set[str] = set()
        self.in_flight = 0
        self.lock = threading.Lock()

    def _more(self) -> bool:
        return len(self.outcomes) < self.max_rows and time.monotonic() < self.deadline

    def drain(self, *, poll_while_busy: bool = False) -> None:
        while self._more():
            with self.lock:
                skip = frozenset(self.served)
            outcome = self._one(skip)
            with self.lock:
                if outcome is not None:
                    self.outcomes.append(outcome)
                    self.served.add(outcome.shard)
                    if len(self.served) >= ROUND_MAX_SHARDS:
                        self.served.clear()
                    continue
                if skip:  # only shards served this round are due: the next round
                    self.served -= skip
                    continue
                others_busy = self.in_flight > 0
            if not (poll_while_busy and others_busy):
                return
            time.sleep(IDLE_POLL_SECONDS)  # a slow attempt elsewhere: new rows may come

    def _one(self, skip: frozenset[str]) -> Outcome | None:
        """dispatch_one, counted in `in_flight` from the claim (idle threads keep polling
        while a row is handled, not while another idle thread merely looks)."""
        claimed: list[bool] = []

        def on_claim() -> None:
            with self.lock:
                self.in_flight += 1
            claimed.append(True)

        try:
            return dispatch_one(skip_shards=skip, on_claim=on_claim)
        finally:
            if claimed:
                with self.lock:
                    self.in_flight -= 1

    def drain_in_thread(self) -> None:
        try:
            self.drain(poll_while_busy=True)
        finally:
            connections.close_all()  # this thread's own connection


def dispatch_one(
    now: dt.datetime | None = None,
    *,
    skip_shards: Collection[str] = (),
    on_claim: Callable[[], None] | None = None,
) -> Outcome | None:
    """Claim and handle one due head row (not of `skip_shards`; `on_claim` is called
    once it is claimed). None when nothing is due."""
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            event = (
                _heads(now or timezone.now(), skip_shards)
                .select_for_update(skip_locked=True, of=("self",))
                .first()
            )
            if event is None:
                return None
            if on_claim:
                on_claim()
            return _handle(event)
    event = _claim_with_lease(now or timezone.now(), skip_shards)
    if event is None:
        return None
    if on_claim:
        on_claim()
    return _handle(event)


def _heads(now: dt.datetime, skip_shards: Collection[str]) -> QuerySet[OutboxEvent]:
    heads = due_heads(now)
    return heads.exclude(shard__in=list(skip_shards)) if skip_shards else heads


def _claim_with_lease(now: dt.datetime, skip_shards: Collection[str]) -> OutboxEvent | None:
    unleased = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    lease = now + dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    for pk in _heads(now, skip_shards).filter(unleased).values_list("pk", flat=True)[:20]:
        claimed = OutboxEvent.objects.filter(PENDING, unleased, pk=pk).update(locked_until=lease)
        if claimed:
            return OutboxEvent.objects.get(pk=pk)
    return None


def _handle(event: OutboxEvent) -> Outcome:
    error = ""
    delay: float | None = None
    give_up = False
    signal: GiveUp | RetryLater | None = None
    try:
        # A crashing handler's writes roll back (and leave the claim intact); a
        # handler that says GiveUp or RetryLater keeps what it recorded (an attempt).
        with transaction.atomic():
            try:
                handler_for(event.kind)(event)
            except (GiveUp, RetryLater) as exc:
                signal = exc
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        logger.warning("outbox %s %s failed", event.kind, event.event_id, exc_info=True)
    if isinstance(signal, GiveUp):
        error, give_up = str(signal) or "gave up", True
    elif isinstance(signal, RetryLater):
        error, delay = str(signal) or "retry later", signal.delay
    now = timezone.now()
    attempts = event.attempts + 1
    fields: dict[str, Any] = {"attempts": attempts, "locked_until": None}
    if not error:
        fields.update(sent_at=now, last_error="")
        state = "sent"
    elif give_up or attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        fields.update(dead_at=now, last_error=error[:2000])
        state = "dead"
    else:
        wait = backoff_seconds(attempts) if delay is None else delay * random.uniform(1.0, 1.2)
        fields.update(available_at=now + dt.timedelta(seconds=wait), last_error=error[:2000])
        state = "retrying"
    OutboxEvent.objects.filter(pk=event.pk).update(**fields)
    log = logger.info if state == "sent" else logger.warning
    log(
        "outbox %s %s [%s] %s (attempt %s) %s",
        event.kind,
        event.event_id,
        event.shard,
        state,
        attempts,
        error,
    )
    return Outcome(str(event.event_id), event.kind, state, event.shard)


def next_due_in(now: dt.datetime | None = None) -> float | None:
    """Seconds until the earliest pending row is due (0 if one is due), None if none."""
    now = now or timezone.now()
    first = (
        OutboxEvent.objects.filter(PENDING)
        .order_by("available_at")
        .values_list("available_at", flat=True)
        .first()
    )
    if first is None:
        return None
    return max((first - now).total_seconds(), 0.0)
