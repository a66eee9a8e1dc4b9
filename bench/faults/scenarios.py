"""The scenarios of issue 13 and their accounting.

Each scenario runs its traffic (bench/faults/traffic.py), breaks one part, brings it
back, stops the traffic and waits until the outbox has sent everything. Then:

- expected: the webhook effects the API confirmed (a 201 referral: RSUD hears
  new_referral; a 200 accept: RSUD and the Samarinda office hear decision);
- delivered: those the receiver processed (it deduplicates by X-PMKS-Event-Id);
- redelivered: POSTs repeating an event id already received (at least once; harmless);
- duplicated: one effect processed twice, i.e. under two different event ids;
- lost: expected but never processed (or its outbox row died).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from bench.faults.stack import Stack, with_db_retry
from bench.faults.traffic import AgencyApi, Crowd, OfficeApi, PageUser, Stoppable, Tally


@dataclass(frozen=True)
class Durations:
    redis: float
    broker: float
    postgres: float
    worker: float
    settle: float
    drain: float


FULL = Durations(redis=60, broker=30, postgres=3, worker=600, settle=10, drain=600)
QUICK = Durations(redis=10, broker=8, postgres=2, worker=20, settle=4, drain=180)


@dataclass
class Row:
    name: str
    requests: int
    errors: int
    errors_500: int
    unexpected: int
    expected: int
    delivered: int
    redelivered: int
    duplicated: int
    lost: int
    restarts: int
    drain_seconds: float
    allow_503: bool
    failures: list[str]

    @property
    def ok(self) -> bool:
        unexpected_5xx = 0 if self.allow_503 else self.errors
        failed = self.lost or self.errors_500 or self.duplicated or self.unexpected
        return not (failed or unexpected_5xx)


@dataclass(frozen=True)
class Scenario:
    name: str
    fault: Callable[[Stack, Durations], None]
    allow_503: bool = False  # only while Postgres is down: the short 503 page
    api_pause: float = 0.5
    receiver_delay: float = 0.0


def crowd(stack: Stack, tally: Tally, scenario: Scenario) -> Crowd:
    assert stack.keys is not None  # noqa: S101
    keys = stack.keys
    people: list[Stoppable] = [
        PageUser(stack.base, tally, username, paths) for username, paths in keys.pages.items()
    ]
    people.append(OfficeApi(stack.base, tally, keys.office, keys.cases, scenario.api_pause))
    people.append(AgencyApi(stack.base, tally, keys.agency, scenario.api_pause))
    return Crowd(people)


def redis_down(stack: Stack, d: Durations) -> None:
    time.sleep(d.settle)
    stack.redis.stop()
    time.sleep(d.redis)
    stack.redis.start()
    time.sleep(d.settle)


def broker_down(stack: Stack, d: Durations) -> None:
    time.sleep(d.settle)
    stack.redis.stop()
    time.sleep(d.broker)
    stack.redis.start()
    time.sleep(d.settle)


def worker_killed(stack: Stack, d: Durations) -> None:
    """kill -9 of the worker's whole process group while deliveries are in flight."""
    seen = len(stack.receiver.hits)
    deadline = time.monotonic() + 60
    while len(stack.receiver.hits) < seen + 8 and time.monotonic() < deadline:
        time.sleep(0.05)
    stack.worker.kill9()
    time.sleep(2)
    stack.worker.start()
    time.sleep(d.settle)


def postgres_restarted(stack: Stack, d: Durations) -> None:
    time.sleep(d.settle)
    stack.postgres.stop()
    time.sleep(d.postgres)
    stack.postgres.start()
    time.sleep(d.settle)


def worker_stopped(stack: Stack, d: Durations) -> None:
    time.sleep(d.settle)
    stack.worker.stop()
    time.sleep(d.worker)
    stack.worker.start()
    time.sleep(d.settle)


SCENARIOS = [
    Scenario("redis stopped", redis_down),
    Scenario("broker down during accepts", broker_down, api_pause=0.2),
    Scenario("worker kill -9 mid-burst", worker_killed, api_pause=0.1, receiver_delay=0.15),
    Scenario("postgres restarted", postgres_restarted, allow_503=True),
    Scenario("worker stopped", worker_stopped, api_pause=1.0),
]


def unsent() -> int:
    from outbox.models import OutboxEvent

    return int(
        with_db_retry(
            lambda: OutboxEvent.objects.filter(sent_at__isnull=True, dead_at__isnull=True).count()
        )
    )


def expected_effects(tally: Tally) -> set[tuple[str, str, int]]:
    return {("rsud", "new_referral", pk) for pk in tally.created} | {
        (end, "decision", pk) for pk in tally.accepted for end in ("rsud", "samarinda")
    }


def drain(stack: Stack, tally: Tally, seconds: float) -> float:
    """Wait until the receiver processed every expected effect and the outbox is empty."""
    started = time.monotonic()
    expected = expected_effects(tally)
    while time.monotonic() - started < seconds:
        with stack.receiver.lock:
            processed = {
                (h.endpoint, h.event, h.referral) for h in stack.receiver.processed.values()
            }
        if expected <= processed and unsent() == 0:
            break
        time.sleep(1)
    return time.monotonic() - started


def run(stack: Stack, scenario: Scenario, durations: Durations) -> Row:
    tally = Tally()
    stack.receiver.delay = scenario.receiver_delay
    restarts_before = sum(s.restarts for s in stack.services.values())
    first_hit = len(stack.receiver.hits)
    with crowd(stack, tally, scenario):
        scenario.fault(stack, durations)
    stack.receiver.delay = 0.0
    drained = drain(stack, tally, durations.drain)
    return account(stack, scenario, tally, first_hit, drained, restarts_before)


def account(
    stack: Stack, scenario: Scenario, tally: Tally, first_hit: int, drained: float, before: int
) -> Row:
    expected = expected_effects(tally)
    ids_per_effect: dict[tuple[str, str, int], set[str]] = defaultdict(set)
    with stack.receiver.lock:
        hits = list(stack.receiver.hits)
    for hit in hits:
        ids_per_effect[(hit.endpoint, hit.event, hit.referral)].add(hit.event_id)
    mine = [h for h in hits[first_hit:] if (h.endpoint, h.event, h.referral) in expected]
    delivered = {key for key in expected if ids_per_effect.get(key)}
    return Row(
        name=scenario.name,
        requests=tally.requests(),
        errors=tally.count(lambda status: status >= 500 or status == 0),
        errors_500=tally.count(lambda status: status == 500),
        unexpected=tally.unexpected(),
        expected=len(expected),
        delivered=len(delivered),
        redelivered=len(mine) - len({h.event_id for h in mine}),
        duplicated=sum(len(ids_per_effect[key]) - 1 for key in delivered),
        lost=len(expected - delivered),
        restarts=sum(s.restarts for s in stack.services.values()) - before,
        drain_seconds=drained,
        allow_503=scenario.allow_503,
        failures=tally.failures,
    )
