"""The outbox: rows written in the change's transaction, a dispatcher that claims
due shard heads, backs off with jitter, marks dead after N, and never sends a
sent row again."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from api.testing import celery_inline
from outbox import dispatch
from outbox.dispatch import GiveUp, RetryLater, backoff_seconds
from outbox.models import OutboxEvent
from outbox.selectors import lag_seconds, status_counts
from outbox.services import outbox_resend, outbox_write, outbox_write_once

pytestmark = pytest.mark.django_db

SENT: list[tuple[str, str]] = []  # (shard, event id) in the order the handler saw them
FAILING_SHARDS: set[str] = set()


def record(event: OutboxEvent) -> None:
    """The test kind's handler: fails for the shards in FAILING_SHARDS."""
    if event.shard in FAILING_SHARDS:
        raise ConnectionRefusedError(f"{event.shard} is down")
    SENT.append((event.shard, str(event.event_id)))


def slow_record(event: OutboxEvent) -> None:
    time.sleep(0.01)
    SENT.append((event.shard, str(event.event_id)))


def hopeless(event: OutboxEvent) -> None:
    raise GiveUp("the endpoint is gone")


def later(event: OutboxEvent) -> None:
    raise RetryLater("HTTP 503", delay=100)


@pytest.fixture(autouse=True)
def handlers(settings):
    SENT.clear()
    FAILING_SHARDS.clear()
    settings.OUTBOX_HANDLERS = {
        **settings.OUTBOX_HANDLERS,
        "test": "tests.test_outbox.record",
        "slow": "tests.test_outbox.slow_record",
        "hopeless": "tests.test_outbox.hopeless",
        "later": "tests.test_outbox.later",
    }
    settings.OUTBOX_RETRY_BASE_SECONDS = 10
    settings.OUTBOX_RETRY_MAX_SECONDS = 1000
    settings.OUTBOX_MAX_ATTEMPTS = 4


def write(shard: str = "a", kind: str = "test", **payload) -> OutboxEvent:
    with transaction.atomic():
        return outbox_write(kind=kind, shard=shard, payload=payload)


def make_all_due() -> None:
    OutboxEvent.objects.update(available_at=timezone.now() - dt.timedelta(seconds=1))


def test_a_row_is_written_only_with_its_change():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        outbox_write(kind="test", shard="a", payload={"n": 1})
        raise ZeroDivisionError  # the change fails: its effect goes with it
    assert not OutboxEvent.objects.exists()
    write(n=2)
    assert list(OutboxEvent.objects.values_list("payload", flat=True)) == [{"n": 2}]


def test_writing_outside_a_transaction_is_refused(transactional_db):
    assert not connection.in_atomic_block
    with pytest.raises(RuntimeError, match="inside the change's transaction"):
        outbox_write(kind="test", shard="a", payload={})


def test_a_dirty_mark_is_written_once_per_transaction_and_again_in_the_next(transactional_db):
    with celery_inline(), transaction.atomic():
        assert outbox_write_once(kind="test", shard="once", payload={}) is not None
        assert outbox_write_once(kind="test", shard="once", payload={}) is None
        outbox_write(kind="test", shard="a", payload={})
        assert len(connection.run_on_commit) == 1  # one kick per transaction
    assert len(SENT) == 2  # the kick ran the dispatcher inline after the commit
    with celery_inline(), transaction.atomic():
        assert outbox_write_once(kind="test", shard="once", payload={}) is not None
    assert OutboxEvent.objects.filter(shard="once").count() == 2
    assert len(SENT) == 3


def test_a_rolled_back_savepoint_forgets_its_dirty_mark(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(), transaction.atomic():
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            outbox_write_once(kind="stats", shard="stats", payload={})
            raise ZeroDivisionError
        assert outbox_write_once(kind="stats", shard="stats", payload={}) is not None
    assert OutboxEvent.objects.filter(kind="stats").count() == 1


def test_the_commit_kicks_the_dispatcher_inline_in_the_embedded_default(
    django_capture_on_commit_callbacks,
):
    with celery_inline(), django_capture_on_commit_callbacks(execute=True):
        event = write(n=1)
    assert [("a", str(event.event_id))] == SENT
    event.refresh_from_db()
    assert (event.state, event.attempts, event.last_error) == ("sent", 1, "")


def test_dispatching_twice_sends_nothing_twice():
    events = [write(shard="a"), write(shard="b"), write(shard="a")]
    assert [o.state for o in dispatch.dispatch()] == ["sent"] * 3
    assert dispatch.dispatch() == []
    assert [
        ("a", str(events[0].event_id)),
        ("b", str(events[1].event_id)),
        ("a", str(events[2].event_id)),
    ] == SENT
    assert OutboxEvent.objects.filter(sent_at__isnull=False).count() == 3


def test_a_failure_backs_off_exponentially_with_jitter():
    rng = random.Random(7)
    assert [
        round(backoff_seconds(n, rng=random.Random(0)) / (10 * 2 ** (n - 1)), 3) for n in (1, 2, 3)
    ] == [round(random.Random(0).uniform(0.75, 1.25), 3)] * 3
    delays = [backoff_seconds(5, rng=rng) for _ in range(50)]
    assert min(delays) >= 160 * 0.75 and max(delays) <= 160 * 1.25
    assert len({round(d) for d in delays}) > 10  # spread out, not all at once
    assert backoff_seconds(20, rng=rng) <= 1000 * 1.25  # capped

    FAILING_SHARDS.add("a")
    event = write(shard="a")
    before = timezone.now()
    [outcome] = dispatch.dispatch()
    event.refresh_from_db()
    assert (outcome.state, event.attempts, event.sent_at) == ("retrying", 1, None)
    assert "ConnectionRefusedError: a is down" in event.last_error
    wait = (event.available_at - before).total_seconds()
    assert 10 * 0.75 - 1 <= wait <= 10 * 1.25 + 1
    assert dispatch.dispatch() == []  # not due yet


def test_a_handler_may_name_its_own_delay_or_give_up():
    waiting, gone = write(kind="later", shard="x"), write(kind="hopeless", shard="y")
    dispatch.dispatch()
    waiting.refresh_from_db()
    gone.refresh_from_db()
    assert waiting.state == "retrying" and waiting.last_error == "HTTP 503"
    assert 99 <= (waiting.available_at - timezone.now()).total_seconds() <= 121
    assert gone.state == "dead" and gone.attempts == 1


def test_a_row_is_dead_after_the_maximum_attempts_and_resend_revives_it():
    FAILING_SHARDS.add("a")
    event = write(shard="a")
    states = []
    for _ in range(6):
        states += [outcome.state for outcome in dispatch.dispatch()]
        make_all_due()
    assert states == ["retrying", "retrying", "retrying", "dead"]
    event.refresh_from_db()
    assert event.dead_at is not None and event.attempts == 4
    assert status_counts() == {("test", "dead"): 1}

    FAILING_SHARDS.clear()
    assert outbox_resend(event_ids=[event.pk]) == 1
    assert [o.state for o in dispatch.dispatch()] == ["sent"]
    assert [("a", str(event.event_id))] == SENT


def test_a_shard_is_sent_in_order_and_a_failing_shard_delays_no_other():
    FAILING_SHARDS.add("webhook:1")
    first, second = write(shard="webhook:1"), write(shard="webhook:1")
    other = [write(shard="webhook:2") for _ in range(3)]
    dispatch.dispatch()
    assert [("webhook:2", str(e.event_id)) for e in other] == SENT
    second.refresh_from_db()
    assert second.attempts == 0  # row N+1 waits while row N retries
    make_all_due()
    FAILING_SHARDS.clear()
    dispatch.dispatch()
    assert SENT[3:] == [("webhook:1", str(first.event_id)), ("webhook:1", str(second.event_id))]


def test_a_dead_row_no_longer_holds_its_shard():
    settings_attempts = 1
    FAILING_SHARDS.add("a")
    first = write(shard="a")
    OutboxEvent.objects.filter(pk=first.pk).update(attempts=4 - settings_attempts)
    dispatch.dispatch()
    first.refresh_from_db()
    assert first.state == "dead"
    FAILING_SHARDS.clear()
    second = write(shard="a")
    dispatch.dispatch()
    assert [("a", str(second.event_id))] == SENT


def test_the_lag_is_the_age_of_the_oldest_due_row():
    assert lag_seconds() is None
    event = write()
    OutboxEvent.objects.filter(pk=event.pk).update(
        available_at=timezone.now() - dt.timedelta(seconds=90)
    )
    write()  # younger
    assert 89 <= lag_seconds() <= 95
    OutboxEvent.objects.update(available_at=timezone.now() + dt.timedelta(minutes=5))
    assert lag_seconds() is None  # retrying later is not lag
    OutboxEvent.objects.update(
        sent_at=timezone.now(), available_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert lag_seconds() is None  # sent rows are not lag


def test_outbox_status_prints_counts_per_kind_and_state_and_the_lag():
    FAILING_SHARDS.add("a")
    write(shard="a")
    write(shard="b")
    write(kind="hopeless", shard="c")
    dispatch.dispatch()
    write(shard="d")
    out = StringIO()
    call_command("outbox_status", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["kind", "pending", "retrying", "sent", "dead"]
    assert lines[1].split() == ["hopeless", "0", "0", "0", "1"]
    assert lines[2].split() == ["test", "1", "1", "1", "0"]
    assert lines[3].startswith("lag: ")


def test_the_admin_lists_dead_rows_and_resends_them(admin_client):
    FAILING_SHARDS.add("c")
    event = write(shard="c")
    OutboxEvent.objects.filter(pk=event.pk).update(attempts=3)
    dispatch.dispatch()
    alive = write(shard="d")
    page = admin_client.get("/admin/outbox/outboxevent/?state=dead")
    assert page.status_code == 200
    listed = page.context["cl"].result_list
    assert [row.pk for row in listed] == [event.pk]  # only the dead one
    assert alive.pk not in [row.pk for row in listed]

    FAILING_SHARDS.clear()
    response = admin_client.post(
        "/admin/outbox/outboxevent/", {"action": "resend", "_selected_action": [event.pk]}
    )
    assert response.status_code == 302
    dispatch.dispatch()  # (the kick after the action ran already where tasks are inline)
    event.refresh_from_db()
    assert (event.state, event.attempts, event.dead_at) == ("sent", 1, None)
    assert ("c", str(event.event_id)) in SENT


# --- Postgres: two dispatchers at once ------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_never_send_a_row_twice():
    with transaction.atomic():
        for index in range(60):
            outbox_write(kind="slow", shard=f"s{index % 6}", payload={"n": index})
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            dispatch.dispatch()
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    ids = [event_id for _shard, event_id in SENT]
    assert len(ids) == 60 and len(set(ids)) == 60
    # each shard in order
    order = {str(e.event_id): e.pk for e in OutboxEvent.objects.all()}
    for shard in {shard for shard, _ in SENT}:
        pks = [order[event_id] for s, event_id in SENT if s == shard]
        assert pks == sorted(pks)


def test_a_referral_email_waits_in_the_outbox_while_the_mail_server_is_down(
    orgs, alice, agnes, settings, mailoutbox
):
    from cases.factories import CaseFactory
    from outbox.testing import drain_outbox
    from referrals.testing import send

    agnes.email = "agnes@rsud.invalid"
    agnes.save()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    send(alice, CaseFactory(owner_org=orgs["samarinda"]), orgs["rsud"])
    [email] = OutboxEvent.objects.filter(kind="email")
    assert email.shard == "email" and email.payload["user_ids"] == [agnes.pk]
    assert [o.state for o in dispatch.dispatch() if o.kind == "email"] == ["retrying"]
    email.refresh_from_db()
    assert "ConnectionRefusedError" in email.last_error  # internal, on the admin page only

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # it is back
    drain_outbox()
    assert [m.to for m in mailoutbox] == [["agnes@rsud.invalid"]]
    drain_outbox()
    assert len(mailoutbox) == 1  # sent rows are never sent again
