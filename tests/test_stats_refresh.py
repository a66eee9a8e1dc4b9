"""Freshness: writes refresh the statistics after commit, debounced, never two
rebuilds at once, and a failing rebuild never fails the write."""

from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from cases.factories import BeneficiaryFactory
from cases.models import PmksCategory
from cases.services.opening import case_open
from cases.services.workflow import case_transition
from pmks.celery import app as celery_app
from pmks.hooks import data_changed
from stats import tasks
from stats.factories import make_case
from stats.models import CaseFact, RebuildRun
from stats.rollup import ADVISORY_LOCK_ID, CACHE_LOCK_KEY, rebuild

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_refresh_state():
    """The cache (Redis on the Postgres run) and the queue outlive a test: start clean."""
    keys = (tasks.SCHEDULED_KEY, CACHE_LOCK_KEY)
    cache.delete_many(keys)
    if settings.REDIS_URL:
        celery_app.control.purge()
    yield
    cache.delete_many(keys)
    if settings.REDIS_URL:
        celery_app.control.purge()


@pytest.fixture
def inline(settings):
    """The embedded default: tasks run inline (the SQLite run has it anyway)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return settings


@contextmanager
def lock_held_elsewhere():
    """Another process holds the rebuild lock: a second Postgres session, or the cache."""
    if connection.vendor == "postgresql":
        import psycopg2

        other = psycopg2.connect(**connection.get_connection_params())
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_ID])
        try:
            yield
        finally:
            # Unlock before closing: the server ends a closed session's locks only
            # once it has noticed the disconnect, which on a busy machine comes late.
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_ID])
            other.close()
    else:
        assert cache.add(CACHE_LOCK_KEY, "another-process", timeout=60)
        try:
            yield
        finally:
            cache.delete(CACHE_LOCK_KEY)


def redis_client():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


def queued_messages() -> int:
    return redis_client().llen(
        settings.CELERY_TASK_ROUTES["stats.tasks.rebuild_statistics"]["queue"]
    )


def test_the_refresh_is_registered_as_a_data_change_handler():
    assert "stats.tasks.mark_dirty" in settings.DATA_CHANGE_HANDLERS
    assert settings.OUTBOX_HANDLERS["stats"] == "stats.tasks.handle_dirty_mark"


def test_inline_two_refreshes_requested_together_rebuild_once(inline, orgs):
    make_case(orgs["samarinda"])
    tasks.request_refresh("case", 1)
    tasks.request_refresh("case", 1)
    assert RebuildRun.objects.count() == 1
    make_case(orgs["samarinda"])  # a real change: the next request rebuilds
    tasks.request_refresh("case", 2)
    assert RebuildRun.objects.count() == 2
    assert sum(CaseFact.objects.values_list("total", flat=True)) == 2


def test_a_case_opened_through_the_service_is_counted_after_commit(
    inline, orgs, alice, django_capture_on_commit_callbacks
):
    person = BeneficiaryFactory(registered_by_org=orgs["samarinda"])
    category = PmksCategory.objects.get(code="PMKS24")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        case = case_open(actor=alice, beneficiary=person, primary_category=category)
    assert callbacks  # the service announced its write
    assert CaseFact.objects.get(category=category).total == 1
    assert RebuildRun.objects.get().trigger == "change"

    # A reopen through the one transition table shows up too (after closing).
    case.refresh_from_db()
    case.status, case.closed_at = "closed", case.opened_at
    case.save()
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(actor=alice, case=case, to_status="open", reason="Kembali ke jalan")
    from stats.models import MonthlyCaseFlow

    reopened = MonthlyCaseFlow.objects.filter(level="regency").values_list(
        "reopened_total", flat=True
    )
    assert sum(reopened) == 1


def test_nothing_is_counted_before_the_commit(inline, orgs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = make_case(orgs["samarinda"])
        data_changed("case", case.pk)
    assert not RebuildRun.objects.exists()  # rolled back writes never trigger a rebuild
    assert len(callbacks) == 1


def test_a_failing_rebuild_does_not_fail_the_write(
    inline, orgs, alice, caplog, django_capture_on_commit_callbacks
):
    person = BeneficiaryFactory(registered_by_org=orgs["samarinda"])
    category = PmksCategory.objects.get(code="PMKS24")
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE stats_casefact RENAME TO stats_casefact_away")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            case = case_open(actor=alice, beneficiary=person, primary_category=category)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE stats_casefact_away RENAME TO stats_casefact")
    case.refresh_from_db()  # the write stands
    assert not RebuildRun.objects.exists()
    assert "hook" in caplog.text and "request_refresh" in caplog.text


def test_a_rebuild_does_not_start_while_another_holds_the_lock(orgs):
    make_case(orgs["samarinda"])
    with lock_held_elsewhere():
        assert rebuild(trigger="test", wait=False) is None
        assert rebuild(trigger="test", wait=True, wait_seconds=0.3) is None
    assert not RebuildRun.objects.exists()
    assert rebuild(trigger="test", wait=False) is not None


def test_inline_a_refresh_gives_up_waiting_and_the_next_one_counts_the_change(
    inline, orgs, monkeypatch
):
    # Held longer than a write may wait: the refresh gives up, the write is fine.
    make_case(orgs["samarinda"])
    monkeypatch.setattr(tasks, "INLINE_WAIT_SECONDS", 0.2)
    with lock_held_elsewhere():
        tasks.request_refresh("case", 1)
    assert not RebuildRun.objects.exists()
    tasks.request_refresh("case", 1)  # the lock is free: the change is counted now
    assert RebuildRun.objects.count() == 1


# --- with Redis: the debounced, queued refresh ----------------------------------------------


@pytest.mark.celery_worker
def test_many_changes_in_a_burst_enqueue_one_rebuild(orgs, settings):
    settings.STATS_REFRESH_DEBOUNCE_SECONDS = 5
    for _ in range(5):
        tasks.request_refresh("case", 1)
    assert queued_messages() == 1
    assert cache.get(tasks.SCHEDULED_KEY) == "1"
    ttl = redis_client().ttl(cache.make_key(tasks.SCHEDULED_KEY))
    assert 5 < ttl <= 65  # outlives the countdown, not much longer
    assert not RebuildRun.objects.exists()  # nothing ran inline


@pytest.mark.celery_worker
def test_a_change_after_the_rebuild_started_schedules_the_next_one(orgs):
    tasks.request_refresh("case", 1)
    assert queued_messages() == 1
    # The worker picks the task up: it clears the mark before rebuilding.
    tasks.rebuild_statistics(trigger="change")
    assert RebuildRun.objects.count() == 1
    assert cache.get(tasks.SCHEDULED_KEY) is None
    tasks.request_refresh("case", 2)
    assert queued_messages() == 2


@pytest.mark.celery_worker
def test_a_busy_rebuild_task_comes_back_later_instead_of_waiting(orgs):
    make_case(orgs["samarinda"])
    with lock_held_elsewhere():
        assert tasks.rebuild_statistics(trigger="change") is None
    assert not RebuildRun.objects.exists()
    assert queued_messages() == 1  # rescheduled after the debounce
    assert cache.get(tasks.SCHEDULED_KEY) == "1"


@pytest.mark.celery_worker
def test_after_a_slow_rebuild_the_next_one_waits_for_its_rest(orgs, settings):
    # A rebuild that took 4 s is not run again 5 s later but 3 × 4 s later, so a
    # steady stream of changes cannot keep the worker and the database rebuilding.
    settings.STATS_REFRESH_DEBOUNCE_SECONDS = 5
    settings.STATS_REFRESH_REST_FACTOR = 3
    assert tasks.refresh_countdown() == 5  # no rebuild yet: the debounce
    tasks.rebuild_statistics(trigger="change")
    RebuildRun.objects.update(duration_ms=4000)
    assert tasks.refresh_countdown() == 12
    tasks.request_refresh("case", 1)
    ttl = redis_client().ttl(cache.make_key(tasks.SCHEDULED_KEY))
    assert 12 < ttl <= 72  # the mark outlives the longer countdown
    settings.STATS_REFRESH_REST_FACTOR = 0
    assert tasks.refresh_countdown() == 5  # turned off: the debounce alone
    RebuildRun.objects.update(duration_ms=1000)
    settings.STATS_REFRESH_REST_FACTOR = 3
    assert tasks.refresh_countdown() == 5  # a quick rebuild: the debounce is longer
