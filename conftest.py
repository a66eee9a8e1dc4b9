"""Suite-wide set-up: named personas, the CI rule that nothing is skipped, and
Playwright's Chromium. App tests use the personas from here:

    alice   caseworker, Dinas Sosial Kota Samarinda
    amir    second caseworker, Dinas Sosial Kota Samarinda
    bob     caseworker, Dinas Sosial Kota Balikpapan
    sari    supervisor, Dinas Sosial Kota Samarinda (office supervisor)
    budi    supervisor, Dinas Sosial Kota Balikpapan
    prov    supervisor, Dinas Sosial Provinsi (province-wide, read-only)
    agnes   agency staff, RSUD (partner agency in Samarinda)
    adam    agency staff, UPTD PPA Balikpapan (another agency)
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM
# refuses that unless told the thread is only used synchronously.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The password-hash slots (accounts/hashers.py) are machine-wide lock files: a
# suite of its own, so two runs side by side (CI's two stacks, a developer's) never
# wait for each other's logins.
# Under pytest-xdist each worker takes its own (they inherit the controller's).
if os.environ.get("PYTEST_XDIST_WORKER") or "PASSWORD_HASH_LOCK_DIR" not in os.environ:
    os.environ["PASSWORD_HASH_LOCK_DIR"] = tempfile.mkdtemp(prefix="pmks-hash-slots-")

IN_CI = os.environ.get("CI", "") not in ("", "0", "false", "False")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


# PMKS_FAKE_NOW (ISO 8601 with offset) runs the whole session as if the clock
# started at that instant (it keeps ticking); tests that freeze their own clock
# still win. .ci/run uses it to run the calendar-sensitive modules at a month's
# first and last minutes and at WITA midnight.
_FAKE_NOW = os.environ.get("PMKS_FAKE_NOW", "")
_traveller = None


def pytest_configure(config: pytest.Config) -> None:
    global _traveller
    from django.conf import settings

    settings.PASSWORD_HASH_LOCK_DIR = os.environ["PASSWORD_HASH_LOCK_DIR"]
    if _FAKE_NOW:
        import datetime as dt

        import time_machine

        _traveller = time_machine.travel(dt.datetime.fromisoformat(_FAKE_NOW), tick=True)
        _traveller.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    if _traveller is not None:
        _traveller.stop()


def pytest_report_header(config: pytest.Config) -> str | None:
    return f"PMKS_FAKE_NOW={_FAKE_NOW}: the clock starts there" if _FAKE_NOW else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect (visibly) what the configured stack cannot run.

    Tests marked `postgres` need PostgreSQL; tests marked `celery_worker` need
    Redis. They are deselected, with a line in the report saying how many and
    why, on a run without them; .ci/run runs the suite on both stacks.
    """
    from django.conf import settings

    reasons = []
    if not settings.IS_POSTGRES:
        reasons.append(("postgres", "needs PostgreSQL (DATABASE_URL)"))
    if not settings.REDIS_URL:
        reasons.append(("celery_worker", "needs Redis (REDIS_URL) and a worker"))
    deselected = []
    for marker, why in reasons:
        for item in items:
            if item.get_closest_marker(marker) and item not in deselected:
                deselected.append(item)
                item.user_properties.append(("deselected", why))
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]
        config._pmks_deselected = [  # type: ignore[attr-defined]
            f"{item.nodeid}: {dict(item.user_properties)['deselected']}" for item in deselected
        ]


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    lines = getattr(config, "_pmks_deselected", [])
    if lines:
        terminalreporter.write_sep("-", f"{len(lines)} tests not for this stack (ran elsewhere)")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:  # type: ignore[no-untyped-def]
    """pytest-xdist: a worker's deselections, for the controller's summary above
    (each worker collects the whole suite, so they all say the same)."""
    lines = node.workeroutput.get("pmks_deselected", [])
    known = getattr(node.config, "_pmks_deselected", [])
    node.config._pmks_deselected = known + [line for line in lines if line not in known]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failure: nothing may be skipped silently."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: tell the controller
        workeroutput["pmks_deselected"] = getattr(session.config, "_pmks_deselected", [])
    if not IN_CI:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    skipped = reporter.stats.get("skipped", [])
    if skipped:
        reporter.write_sep("!", f"CI: {len(skipped)} skipped tests count as failures")
        for report in skipped:
            reporter.write_line(f"SKIPPED in CI: {report.nodeid}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():  # type: ignore[no-untyped-def]
    """Tests create many users; the production hasher (PBKDF2) would dominate the run."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():  # type: ignore[no-untyped-def]
    """Each test starts in the default language: a request that switched to English
    leaves it active in the thread, and service messages would follow it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache():  # type: ignore[no-untyped-def]
    """Each test starts with an empty cache: rate-limit counters (the login throttle,
    the API throttle) and cached pages of one test must not reach the next. On the
    Postgres+Redis run this is the suite's own Redis database (REDIS_URL)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _outbox_kicks_resumed():  # type: ignore[no-untyped-def]
    """A test that stopped the broker paused this process's kicks: the next starts clean."""
    from outbox.services import resume_kicks

    resume_kicks()
    yield
    resume_kicks()


@pytest.fixture(autouse=True)
def _outbound_to_local_receivers(settings):  # type: ignore[no-untyped-def]
    """Webhook tests post to receivers on http://127.0.0.1 (api.testing.WebhookReceiver):
    OUTBOUND_ALLOW_PRIVATE=True for them, as in development. The SSRF tests
    (tests/test_security_ssrf.py) turn it off again, as in production."""
    settings.OUTBOUND_ALLOW_PRIVATE = True


# --- reference data after transactional tests ------------------------------------


# The rows the data migrations ship, as the migrated test database holds them.
REFERENCE_MODELS = ("regions.Region", "cases.PmksCategory", "cases.ServiceType")
_reference_rows: dict[str, list[dict[str, Any]]] = {}


def _take_reference_rows() -> None:
    """The shipped rows, read once per process, at its first transactional test
    (before anything could flush them; a run with no database test reads none)."""
    from django.apps import apps

    for label in REFERENCE_MODELS:
        model = apps.get_model(label)
        _reference_rows[label] = list(model.objects.order_by("pk").values())


def _restore_reference_data() -> None:
    """Put back the rows the data migrations ship (regions, PMKS categories, service
    types) with their own primary keys: a transactional test (live server, Celery
    worker) ends by flushing every table, and the tests after it expect that data,
    the same ids included (the per-regency partial indexes name regency ids)."""
    from django.apps import apps

    for label in REFERENCE_MODELS:
        model = apps.get_model(label)
        model.objects.bulk_create(
            [model(**row) for row in _reference_rows[label]], batch_size=500, ignore_conflicts=True
        )


@pytest.fixture(autouse=True)
def _reference_data_survives_flush(request):  # type: ignore[no-untyped-def]
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        if not _reference_rows:
            _take_reference_rows()
        # For pytest_runtest_teardown below, which puts the rows back after the flush.
        request.node.stash[_FLUSHED_BLOCKER] = request.getfixturevalue("django_db_blocker")
    yield


_FLUSHED_BLOCKER = pytest.StashKey[Any]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):  # type: ignore[no-untyped-def]
    """After a transactional test's teardown (its database flushed: pytest-django's
    helper is torn down after every fixture of ours), the shipped rows go back at
    once, for whatever test this process runs next: under pytest-xdist that may be
    a plain `db` test, whose own transaction would roll a restore back."""
    try:
        return (yield)
    finally:  # a teardown that failed has flushed all the same
        blocker = item.stash.get(_FLUSHED_BLOCKER, None)
        # No next test: the session's fixtures are gone too, test databases dropped.
        if blocker is not None and nextitem is not None:
            with blocker.unblock():
                _restore_reference_data()


# --- personas ------------------------------------------------------------------


@pytest.fixture
def regions(db):  # type: ignore[no-untyped-def]
    from regions.models import Region

    return {
        region.code: region for region in Region.objects.filter(level__in=["province", "regency"])
    }


@pytest.fixture
def orgs(regions):  # type: ignore[no-untyped-def]
    from accounts.factories import OrganizationFactory
    from accounts.models import OrganizationKind, Sector

    return {
        "province": OrganizationFactory(
            code="dinsos-kaltim",
            name="Dinas Sosial Provinsi Kalimantan Timur",
            kind=OrganizationKind.PROVINCE_OFFICE,
            region=regions["64"],
        ),
        "samarinda": OrganizationFactory(
            code="dinsos-samarinda",
            name="Dinas Sosial Kota Samarinda",
            kind=OrganizationKind.REGENCY_OFFICE,
            region=regions["64.72"],
        ),
        "balikpapan": OrganizationFactory(
            code="dinsos-balikpapan",
            name="Dinas Sosial Kota Balikpapan",
            kind=OrganizationKind.REGENCY_OFFICE,
            region=regions["64.71"],
        ),
        "rsud": OrganizationFactory(
            code="rsud-aws",
            name="RSUD Abdul Wahab Sjahranie",
            kind=OrganizationKind.AGENCY,
            sector=Sector.HEALTH,
            region=regions["64.72"],
        ),
        "ppa": OrganizationFactory(
            code="uptd-ppa-balikpapan",
            name="UPTD PPA Kota Balikpapan",
            kind=OrganizationKind.AGENCY,
            sector=Sector.WOMEN_CHILDREN,
            region=regions["64.71"],
        ),
    }


def _persona(username: str, org, role: str):  # type: ignore[no-untyped-def]
    from accounts.factories import UserFactory

    return UserFactory(username=username, first_name=username.title(), organization=org, role=role)


@pytest.fixture
def alice(orgs):  # type: ignore[no-untyped-def]
    return _persona("alice", orgs["samarinda"], "caseworker")


@pytest.fixture
def amir(orgs):  # type: ignore[no-untyped-def]
    return _persona("amir", orgs["samarinda"], "caseworker")


@pytest.fixture
def bob(orgs):  # type: ignore[no-untyped-def]
    return _persona("bob", orgs["balikpapan"], "caseworker")


@pytest.fixture
def sari(orgs):  # type: ignore[no-untyped-def]
    return _persona("sari", orgs["samarinda"], "supervisor")


@pytest.fixture
def budi(orgs):  # type: ignore[no-untyped-def]
    return _persona("budi", orgs["balikpapan"], "supervisor")


@pytest.fixture
def prov(orgs):  # type: ignore[no-untyped-def]
    return _persona("prov", orgs["province"], "supervisor")


@pytest.fixture
def agnes(orgs):  # type: ignore[no-untyped-def]
    return _persona("agnes", orgs["rsud"], "agency_staff")


@pytest.fixture
def adam(orgs):  # type: ignore[no-untyped-def]
    return _persona("adam", orgs["ppa"], "agency_staff")


# --- browser -------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium():  # type: ignore[no-untyped-def]
    """A real Chromium (Debian's), driven by Playwright. Fails in CI if missing."""
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):  # type: ignore[no-untyped-def]
    context = chromium.new_context(
        base_url=live_server.url,  # page.goto("/path/") is on the live server
        locale="id-ID",
        timezone_id="Asia/Makassar",
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base_url = live_server.url  # type: ignore[attr-defined]
    # Content-Security-Policy violations (Chromium logs them to the console) fail the
    # test: a blocked script or style is a broken page.
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.csp_violations = violations  # type: ignore[attr-defined]
    yield page
    # Let late requests (htmx badges, polling) finish before the live server's
    # database is flushed: a request still running then can break the flush.
    with contextlib.suppress(Exception):  # a page that never idles is still closed
        page.wait_for_load_state("networkidle", timeout=5_000)
    context.close()
    assert violations == [], f"Content-Security-Policy violations: {violations}"


def login(page, username: str, password: str = "pass-for-tests-1") -> None:  # type: ignore[no-untyped-def]
    """Log in through the real login form."""
    page.goto(f"{page.base_url}/akun/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
