"""Fair delivery with the real parts: Postgres, Redis, a real Celery worker (solo pool,
the least parallel there is) and two real HTTP receivers.

Endpoint A never answers within the read timeout (WEBHOOK_TIMEOUT_SECONDS, 10 s) and
has 1,000 deliveries queued, retried as fast as the backoff allows (1 s), so a
timing-out attempt is almost always in flight. Endpoint B answers 200 at once. Every
event for B still arrives within 10 s of its commit (the figure is printed: `-s`
shows it). With `OUTBOX_DISPATCH_THREADS=1` in the environment the worker sends one
row at a time and this test fails: B waits for A's timeout.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from api.models import WebhookDelivery
from api.services import webhook_endpoint_create
from api.testing import key_admin
from cases.factories import CaseFactory
from outbox.models import OutboxEvent
from outbox.services import kick
from pmks.testing import celery_worker_process
from referrals.testing import send

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

QUEUED_FOR_A = 1000
EVENTS_FOR_B = 4
READ_TIMEOUT = settings.WEBHOOK_TIMEOUT_SECONDS  # the worker's too; A sleeps longer


@contextmanager
def receiver(*, hang: bool) -> Iterator[dict[str, Any]]:
    """A receiver on 127.0.0.1. hang=True: reads the request, then sleeps past the read
    timeout. Otherwise answers 200 and records when each event id arrived."""
    state: dict[str, Any] = {"arrived": {}, "requests": 0, "in_flight": 0}
    lock = threading.Lock()
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                state["requests"] += 1
                state["arrived"].setdefault(self.headers["X-PMKS-Event-Id"], time.monotonic())
            if hang:
                with lock:
                    state["in_flight"] += 1
                stop.wait(READ_TIMEOUT * 3)
                with lock:
                    state["in_flight"] -= 1
            try:
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:  # the sender gave up long ago
                pass

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["url"] = f"http://127.0.0.1:{server.server_port}/hook"
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}).start()
    try:
        yield state
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


def queue_for(endpoint: Any, count: int) -> None:
    """`count` deliveries to `endpoint`, queued in its outbox shard, all due now."""
    ids = [uuid.uuid4() for _ in range(count)]
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            delivery_id=ids[index],
            event_id=ids[index],  # a first delivery (bulk_create skips save())
            endpoint=endpoint,
            organization_id=endpoint.organization_id,
            event="new_referral",
            payload={"event": "new_referral", "referral": {"id": index}},
        )
        for index in range(count)
    )
    OutboxEvent.objects.bulk_create(
        OutboxEvent(
            kind="webhook",
            shard=f"webhook:{endpoint.pk}",
            payload={"delivery_id": delivery.pk},
            organization_id=endpoint.organization_id,
            event_id=delivery.delivery_id,
        )
        for delivery in deliveries
    )


def wait_for(predicate: Any, seconds: float, message: Any) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(message())


def test_a_timing_out_endpoint_with_1000_queued_deliveries_does_not_delay_another(orgs, alice):
    cases = [CaseFactory(owner_org=orgs["samarinda"]) for _ in range(EVENTS_FOR_B)]
    with (  # the receivers stop first: A's last attempt ends, and the worker stops at once
        celery_worker_process(WEBHOOK_RETRY_BASE_SECONDS="1") as output,
        receiver(hang=True) as slow,
        receiver(hang=False) as healthy,
    ):
        a, _ = webhook_endpoint_create(
            actor=key_admin(), organization=orgs["rsud"], url=slow["url"], events=["new_referral"]
        )
        webhook_endpoint_create(
            actor=key_admin(), organization=orgs["ppa"], url=healthy["url"], events=["new_referral"]
        )
        queue_for(a, QUEUED_FOR_A)
        kick()
        wait_for(
            lambda: slow["in_flight"], 30, lambda: "A was never tried\n" + "".join(output[-30:])
        )

        latencies: list[float] = []
        overlapped = 0
        for case in cases:
            overlapped += bool(slow["in_flight"])
            referral = send(alice, case, orgs["ppa"])  # commits, then kicks
            sent_at = time.monotonic()
            event_id = str(WebhookDelivery.objects.get(referral_id=referral.pk).delivery_id)
            wait_for(
                lambda event_id=event_id: event_id in healthy["arrived"],
                20,
                lambda: "B's event never arrived\n" + "".join(output[-30:]),
            )
            latencies.append(healthy["arrived"][event_id] - sent_at)
            time.sleep(1.5)  # let A's next attempt start
        a_requests = slow["requests"]
        # A's backlog is dropped, so the worker's dispatch ends and it stops at once
        OutboxEvent.objects.filter(shard=f"webhook:{a.pk}").update(dead_at=timezone.now())

    print(  # noqa: T201 (the figure this test exists for)
        f"\nfair delivery: B's {len(latencies)} events arrived in "
        f"max {max(latencies):.2f} s (mean {sum(latencies) / len(latencies):.2f} s) while A "
        f"timed out {a_requests} times with {QUEUED_FOR_A} queued"
    )
    assert overlapped >= len(cases) - 1  # A's attempt was in flight while B's events came
    assert max(latencies) < 10, latencies
    # A is retried one row at a time (its shard), not 1,000 at once
    assert a_requests < 20
