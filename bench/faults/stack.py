"""The stack under test: private Postgres + own Redis + `make serve/worker/beat`,
migrated and seeded with the demo data, and the webhook endpoints and API keys
that the traffic uses. Django is set up in this process (against the private
cluster) only to prepare the keys and to read the outbox."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.faults.parts import (
    ROOT,
    PrivatePostgres,
    Receiver,
    RedisServer,
    Service,
    free_port,
    http_ok,
)

DATABASE = "pmks_faults"
# collectstatic (make serve) copies only what changed into a root kept between runs
STATIC_ROOT = str(Path(tempfile.gettempdir()) / "pmks-bench-static")


@dataclass
class Keys:
    office: str
    agency: str
    cases: list[int]
    pages: dict[str, list[str]]


@dataclass
class Stack:
    postgres: PrivatePostgres
    redis: RedisServer
    receiver: Receiver
    env: dict[str, str]
    base: str
    tmp: Path
    services: dict[str, Service] = field(default_factory=dict)
    keys: Keys | None = None
    _supervising: threading.Event = field(default_factory=threading.Event)

    @property
    def web(self) -> Service:
        return self.services["web"]

    @property
    def worker(self) -> Service:
        return self.services["worker"]

    def supervise(self) -> None:
        """Restart a part that exited on its own (compose: restart: unless-stopped)."""

        def loop() -> None:
            while not self._supervising.wait(1):
                for service in self.services.values():
                    service.supervise_once()

        threading.Thread(target=loop, daemon=True).start()

    def close(self) -> None:
        self._supervising.set()
        for service in self.services.values():
            service.stop()
        self.receiver.close()
        self.redis.destroy()
        self.postgres.destroy()


def build(sweep_seconds: int, case_pool: int, log: Callable[[str], None]) -> Stack:
    tmp = Path(tempfile.mkdtemp(prefix="pmks-faults-"))
    postgres, redis = PrivatePostgres(), RedisServer()
    log(f"private Postgres on port {postgres.port}, redis-server on port {redis.port}")
    postgres.init(DATABASE)
    redis.start()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": postgres.url(DATABASE),
        "REDIS_URL": redis.url,
        "SECRET_KEY": "faults-only-not-secret",
        "DEBUG": "False",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": STATIC_ROOT,
        "MEDIA_ROOT": str(tmp / "media"),
        "BEAT_SCHEDULE": str(tmp / "celerybeat-schedule"),
        "OUTBOX_SWEEP_SECONDS": str(sweep_seconds),
        "OUTBOUND_ALLOW_PRIVATE": "True",  # the receiver is on loopback, plain http
        "SITE_URL": f"http://127.0.0.1:{port}",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    stack = Stack(postgres, redis, Receiver(), env, f"http://127.0.0.1:{port}", tmp)
    try:
        log("migrate + seed_demo")
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "seed_demo", "--i-know-this-is-not-production", "--quiet-logins")
        os.environ.update({k: v for k, v in env.items() if k != "PORT"})
        log(f"webhook endpoints, API keys, {case_pool} cases for the office's referrals")
        stack.keys = prepare(stack.receiver.base_url, case_pool)
        log("make serve, make worker, make beat")
        start_services(stack)
    except BaseException:
        stack.close()
        raise
    return stack


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


def start_services(stack: Stack) -> None:
    def said(text: str) -> Callable[[Service], bool]:
        return lambda service: text in service.output_since_start()

    def web_ready(service: Service) -> bool:
        return http_ok(stack.base + "/healthz/live")

    ready = {"web": web_ready, "worker": said(" ready."), "beat": said("beat: Starting")}
    for name, target in (("web", "serve"), ("worker", "worker"), ("beat", "beat")):
        service = Service(name, [target], stack.env, stack.tmp / f"{name}.log", ready[name])
        stack.services[name] = service
        service.start(wait=300)
    stack.supervise()


def prepare(hooks: str, case_pool: int) -> Keys:
    """API keys and webhook endpoints: RSUD hears new referrals and decisions, the
    Samarinda office hears decisions."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmks.settings")
    django.setup()
    from accounts.models import Organization, Role, User
    from api.services import api_key_create, webhook_endpoint_create
    from cases.factories import CaseFactory
    from cases.models import ACTIVE_STATUSES, Case, CaseStatus

    admin, _created = User.objects.get_or_create(
        username="faults-admin", defaults={"role": Role.ADMIN, "is_staff": True}
    )
    office = Organization.objects.get(code="dinsos-samarinda")
    rsud = Organization.objects.get(code="rsud-aws")
    expiry = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    webhook_endpoint_create(
        actor=admin, organization=rsud, url=f"{hooks}/rsud", events=["new_referral", "decision"]
    )
    webhook_endpoint_create(
        actor=admin, organization=office, url=f"{hooks}/samarinda", events=["decision"]
    )
    _key, office_key = api_key_create(
        actor=admin, organization=office, name="faults", expiry_date=expiry
    )
    _key, agency_key = api_key_create(
        actor=admin, organization=rsud, name="faults", expiry_date=expiry
    )
    seeded = list(
        Case.objects.filter(owner_org=office, status__in=ACTIVE_STATUSES).values_list(
            "pk", flat=True
        )
    )
    # One pending referral per case, organization and service: each referral the
    # office sends is for a case of its own, made here.
    made = CaseFactory.create_batch(case_pool, owner_org=office, status=CaseStatus.OPEN)
    cases = [case.pk for case in made]
    return Keys(office_key, agency_key, cases, page_paths(seeded or cases))


def page_paths(cases: list[int]) -> dict[str, list[str]]:
    caseworker = ["/", "/kasus/", "/kasus/?q=a", "/kasus/penerima/", "/rujukan/"]
    caseworker += ["/rujukan/keluar/", "/rujukan/notifikasi/"]
    caseworker += [f"/kasus/{pk}/" for pk in cases[:5]]
    return {
        "pekerja.samarinda": caseworker,
        "supervisor.samarinda": ["/statistik/kabupaten/64.72/", "/kasus/persetujuan/", "/kasus/"],
        "supervisor.provinsi": ["/statistik/provinsi/", "/statistik/kabupaten/64.71/"],
        "staf.rsud": ["/rujukan/", "/rujukan/notifikasi/"],
    }


def with_db_retry(function: Callable[[], Any], seconds: float = 60) -> Any:
    """Run an ORM read, reconnecting while Postgres is restarting."""
    from django.db import OperationalError, connection

    deadline = time.monotonic() + seconds
    while True:
        try:
            return function()
        except OperationalError:
            connection.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
