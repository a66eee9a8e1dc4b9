"""The real path: a Celery worker on Redis refreshes the dashboards after a case
is opened through the web; and a rebuild killed halfway leaves the old figures.

These start real processes against the test database (pytest-django's
test_<name>), so they commit (transaction=True) and need Postgres and Redis.
"""

import signal
import subprocess
import sys
import time

import pytest
from django.core.cache import cache
from django.db import connection

from cases.factories import BeneficiaryFactory
from cases.models import Case, PmksCategory
from pmks.testing import ROOT, celery_worker_process, env_for_test_database
from stats import tasks
from stats.factories import make_case
from stats.models import CaseFact, RebuildRun
from stats.rollup import CACHE_LOCK_KEY, rebuild

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def worker(settings):
    """A real worker that refreshes the dashboards 1 s after a change; yields its
    output lines."""
    settings.STATS_REFRESH_DEBOUNCE_SECONDS = 1
    cache.delete_many([tasks.SCHEDULED_KEY, CACHE_LOCK_KEY])
    with celery_worker_process(STATS_REFRESH_DEBOUNCE_SECONDS="1") as lines:
        yield lines
    cache.delete_many([tasks.SCHEDULED_KEY, CACHE_LOCK_KEY])


def log(lines: list[str]) -> str:
    """The worker's last lines, for a failure report."""
    return "".join(lines[-40:])


def open_cases_on_dashboard(client) -> int:
    return client.get("/statistik/provinsi/").context["summary"]["headline"]["open_cases"]


def wait_for(predicate, seconds: float = 20.0) -> float:
    """Poll until predicate() is true; return how long it took."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s")


def open_case_through_the_web(client, orgs) -> None:
    person = BeneficiaryFactory.create(registered_by_org=orgs["samarinda"])
    category = PmksCategory.objects.get(code="PMKS11")
    response = client.post(
        f"/kasus/baru/{person.pk}/", {"primary_category": category.pk, "priority": "normal"}
    )
    assert response.status_code == 302, response.content[:500]


def test_a_case_opened_through_the_web_reaches_the_dashboard_within_seconds(
    worker, orgs, alice, prov, client, record_property
):
    from django.test import Client

    rebuild(trigger="test")
    dashboard = Client()
    dashboard.force_login(prov)
    assert open_cases_on_dashboard(dashboard) == 0

    client.force_login(alice)
    open_case_through_the_web(client, orgs)
    assert Case.objects.count() == 1
    delay = wait_for(lambda: open_cases_on_dashboard(dashboard) == 1)
    record_property("change_to_dashboard_seconds", round(delay, 2))
    assert delay < 10, log(worker)
    runs = RebuildRun.objects.filter(trigger="change").count()
    assert runs == 1, log(worker)

    # A burst of changes inside the debounce window: one more rebuild, not three.
    for _ in range(3):
        open_case_through_the_web(client, orgs)
    wait_for(lambda: open_cases_on_dashboard(dashboard) == 4)
    time.sleep(1.5)  # anything else queued would have run by now
    assert RebuildRun.objects.filter(trigger="change").count() == runs + 1, log(worker)


def test_a_rebuild_killed_halfway_leaves_the_old_figures(orgs):
    import psycopg2

    make_case(orgs["samarinda"])
    make_case(orgs["samarinda"])
    rebuild(trigger="test")
    make_case(orgs["samarinda"])  # the new figure would be 3

    # Another session holds the table the rebuild reads last, so it stops there
    # with every other summary already emptied and rewritten inside its transaction.
    blocker = psycopg2.connect(**connection.get_connection_params())
    with blocker.cursor() as cursor:
        cursor.execute("LOCK TABLE cases_servicedelivery IN ACCESS EXCLUSIVE MODE")
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "rebuild_stats"],
        cwd=ROOT,
        env=env_for_test_database(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with blocker.cursor() as cursor:

            def rebuild_is_waiting() -> bool:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                    "WHERE NOT l.granted AND c.relname = 'cases_servicedelivery'"
                )
                return cursor.fetchone()[0] == 1

            wait_for(rebuild_is_waiting, 30)
        # Mid-rebuild: readers still see the committed figures.
        assert sum(CaseFact.objects.values_list("total", flat=True)) == 2
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        blocker.rollback()
        blocker.close()
        if process.poll() is None:
            process.kill()

    assert sum(CaseFact.objects.values_list("total", flat=True)) == 2
    assert RebuildRun.objects.count() == 1
    # The lock died with the killed session: the next rebuild gets it and counts 3.
    assert rebuild(trigger="test", wait=True, wait_seconds=30) is not None
    assert sum(CaseFact.objects.values_list("total", flat=True)) == 3
