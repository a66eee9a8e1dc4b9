"""Faults with the real parts: our own redis-server (never the shared one), a real
Celery worker subprocess, Postgres, and a real HTTP receiver that records event ids.

(a) The broker is down while an agency accepts referrals: every request succeeds,
    the webhooks wait in the outbox; with the broker back, beat's sweep sends each
    exactly once.
(b) The worker is killed with -9 during a burst of deliveries and started again:
    every event arrives; a duplicate only ever repeats an event id, so a receiver
    that deduplicates by event id sees each event once.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from api.models import WebhookDelivery
from api.services import webhook_endpoint_create
from api.testing import client_for, key_admin
from cases.factories import CaseFactory
from outbox.models import OutboxEvent
from pmks.celery import app as celery_app
from pmks.testing import ROOT, WORKER_QUEUES, env_for_test_database
from referrals.models import Referral, ReferralStatus
from referrals.testing import send

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


# --- the parts ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """Our own redis-server on a free loopback port, stopped and started at will."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tempfile.mkdtemp(prefix="pmks-redis-")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@contextmanager
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def broker(url: str) -> Iterator[None]:
    """This test process publishes its kicks to `url` (the worker listens there)."""
    before = celery_app.conf.broker_url

    def reset() -> None:
        celery_app._pool = None  # noqa: SLF001 (Celery keeps the connection pool here)
        celery_app.amqp._producer_pool = None  # noqa: SLF001

    celery_app.conf.broker_url = url
    reset()
    try:
        yield
    finally:
        celery_app.conf.broker_url = before
        reset()


class Worker:
    """A real `celery -A pmks worker` (solo pool) on every queue, against `redis_url`."""

    def __init__(self, redis_url: str, **extra_env: str) -> None:
        self.env = env_for_test_database(REDIS_URL=redis_url, **extra_env)
        self.lines: list[str] = []
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "celery", "-A", "pmks", "worker", "-l", "info"]
            + ["--pool", "solo", "--without-heartbeat", "--without-gossip", "--without-mingle"]
            + ["-Q", ",".join(WORKER_QUEUES)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        ready = threading.Event()

        def read() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                self.lines.append(line)
                if " ready." in line:
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        self.process = process
        assert ready.wait(60), self.tail()

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def tail(self) -> str:
        return "".join(line for line in self.lines if "/MainProcess]" in line)[-4000:]


class Receiver:
    """A partner's webhook receiver on 127.0.0.1: records every event id it is sent,
    and keeps the ones it has processed (deduplicating by event id, as docs/api.md
    tells partners to). `delay` slows each answer, to have deliveries in flight."""

    def __init__(self, delay: float = 0.0) -> None:
        self.received: list[str] = []
        self.processed: list[str] = []
        self.delay = delay
        receiver = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                event_id = self.headers["X-PMKS-Event-Id"]
                assert json.loads(body)["event_id"] == event_id
                with lock:
                    receiver.received.append(event_id)
                    if event_id not in receiver.processed:
                        receiver.processed.append(event_id)
                time.sleep(receiver.delay)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def __enter__(self) -> Receiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def wait_until(predicate: Any, seconds: float, message: Any = "") -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(message() if callable(message) else message)


def webhook_ids() -> set[str]:
    return {
        str(e)
        for e in OutboxEvent.objects.filter(kind="webhook").values_list("event_id", flat=True)
    }


def unsent_webhooks() -> int:
    return OutboxEvent.objects.filter(kind="webhook", sent_at__isnull=True).count()


def sweep() -> None:
    """What beat does every minute (settings.CELERY_BEAT_SCHEDULE, outbox-sweep)."""
    celery_app.send_task("outbox.tasks.sweep_outbox")


# --- (a) broker down during accepts ------------------------------------------------------------


def test_accepts_succeed_while_the_broker_is_down_and_each_webhook_arrives_once_later(
    orgs, alice, caplog
):
    cases = [CaseFactory(owner_org=orgs["samarinda"]) for _ in range(8)]
    with own_redis() as redis, broker(redis.url), Receiver() as receiver:
        worker = Worker(redis.url)
        worker.start()
        try:
            webhook_endpoint_create(
                actor=key_admin(), organization=orgs["rsud"], url=receiver.url, events=["decision"]
            )
            referrals = [send(alice, case, orgs["rsud"]) for case in cases]
            rsud = client_for(orgs["rsud"])
            # The sends' effects are out and their dispatch has ended: a dispatch still
            # running when the broker stops would (rightly) send an accept's row at once.
            wait_until(
                lambda: not OutboxEvent.objects.filter(sent_at__isnull=True).exists(),
                30,
                lambda: worker.tail(),
            )
            time.sleep(1.0)

            redis.stop()  # the broker goes down
            started = time.monotonic()
            answers = [
                rsud.post(f"/api/v1/referrals/{r.pk}/accept/", {}, "application/json").status_code
                for r in referrals
            ]
            accept_seconds = time.monotonic() - started
            assert answers == [200] * 8
            assert all(r.status == ReferralStatus.ACCEPTED for r in Referral.objects.all())
            assert "outbox kick failed" in caplog.text  # logged, not raised
            # One failed connection, then the process pauses its kicks (the sweep sends).
            assert caplog.text.count("outbox kick failed") == 1
            assert unsent_webhooks() == 8  # they wait in the outbox
            assert receiver.received == []

            redis.start()  # the broker is back (empty: it kept nothing)
            sweep()
            deadline = time.monotonic() + 40
            while unsent_webhooks() and time.monotonic() < deadline:
                if worker.process is not None and worker.process.poll() is not None:
                    # Celery 5.7's solo worker may exit on the lost broker ("Unrecoverable
                    # error"), at once or only once it reconnects; the service manager
                    # (compose: restart) starts it again.
                    Path("/tmp/pmks-worker-broker-loss.log").write_text("".join(worker.lines))
                    worker.process = None
                    worker = Worker(redis.url)
                    worker.start()
                    sweep()
                time.sleep(0.2)
            assert unsent_webhooks() == 0, f"{unsent_webhooks()} unsent\n{worker.tail()}"
        finally:
            worker.stop()
    assert sorted(receiver.received) == sorted(webhook_ids())  # every one, exactly once
    assert len(receiver.received) == 8
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}
    assert accept_seconds < 8 * 2  # a down broker costs each request little


# --- (b) worker killed with -9 during a delivery burst ---------------------------------------


def test_a_worker_killed_mid_burst_loses_nothing_and_repeats_only_event_ids(orgs, alice):
    cases = [CaseFactory(owner_org=orgs["samarinda"]) for _ in range(30)]
    with own_redis() as redis, broker(redis.url), Receiver(delay=0.1) as receiver:
        worker = Worker(redis.url)
        worker.start()
        try:
            for organization in (orgs["rsud"], orgs["ppa"]):  # two endpoints, two shards
                webhook_endpoint_create(
                    actor=key_admin(),
                    organization=organization,
                    url=receiver.url,
                    events=["new_referral"],
                )
            for index, case in enumerate(cases):
                send(alice, case, orgs["rsud"] if index % 2 else orgs["ppa"])
            expected = webhook_ids()
            assert len(expected) == 30

            wait_until(lambda: len(receiver.received) >= 6, 30, worker.tail)
            worker.kill()  # mid-burst: a delivery is in flight
            at_kill = len(receiver.received)
            assert at_kill < 30
            time.sleep(0.5)
            assert len(receiver.received) <= at_kill + 1  # nobody is sending now

            worker = Worker(redis.url)
            worker.start()
            sweep()  # beat's next sweep; the killed task itself comes back only after
            # the visibility timeout, and is harmless then (sent rows are never re-sent)
            wait_until(
                lambda: unsent_webhooks() == 0,
                45,
                lambda: f"{unsent_webhooks()} unsent\n{worker.tail()}",
            )
        finally:
            worker.stop()
    counts = Counter(receiver.received)
    assert set(counts) == expected  # every event arrived, none from elsewhere
    assert sorted(receiver.processed) == sorted(expected)  # deduplicated: each once
    assert sum(counts.values()) - len(counts) <= 2  # at most the in-flight one(s) again
    assert not OutboxEvent.objects.filter(dead_at__isnull=False).exists()
