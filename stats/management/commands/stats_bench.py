"""`manage.py stats_bench`: measure the statistics on the data that is there.

- rebuild time (several runs; the first one warms the caches),
- dashboard read time and query count (province and the biggest regency),
- with `--latency` and a worker running (Redis): the delay from opening a case
  (cases.services.case_open, which announces the change after commit) to the
  dashboard figures showing it. This writes one beneficiary and one case:
  use a throwaway database.
"""

from __future__ import annotations

import statistics
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from accounts.models import Role, User
from cases.models import Beneficiary, PmksCategory
from stats.models import CaseCount
from stats.rollup import rebuild
from stats.selectors import Scope, build_summary, latest_run_id


class Command(BaseCommand):
    help = "Measure rebuild time, dashboard read time and (--latency) change-to-dashboard delay."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument(
            "--latency",
            action="store_true",
            help="Also open a case and time until the dashboard shows it (needs a worker).",
        )

    def handle(self, *args: object, **options: object) -> None:
        runs = int(options["runs"])  # type: ignore[call-overload]
        timings = []
        result = None
        for _ in range(max(runs, 1)):
            started = time.monotonic()
            result = rebuild(trigger="bench")
            timings.append((time.monotonic() - started) * 1000)
        assert result is not None  # waits for the lock
        self.stdout.write(
            f"rebuild: {result.total_rows} summary rows; wall ms per run "
            f"{', '.join(f'{t:.0f}' for t in timings)} (median {statistics.median(timings):.0f})"
        )
        for name, count in result.row_counts.items():
            ms = result.timings_ms.get(name, 0)
            self.stdout.write(f"  {name:<18} {count:>8} rows {ms:>7} ms (last run)")

        biggest = (
            CaseCount.objects.filter(level="regency")
            .values("regency")
            .annotate(n=Sum("total"))
            .order_by("-n")
            .first()
        )
        scopes = [("province", Scope(regency=None))]
        if biggest:
            from regions.models import Region

            scopes.append(("regency", Scope(regency=Region.objects.get(pk=biggest["regency"]))))
        for label, scope in scopes:
            reads = []
            for _ in range(5):
                with CaptureQueriesContext(connection) as queries:
                    started = time.monotonic()
                    build_summary(scope, period="12m")
                    reads.append((time.monotonic() - started) * 1000)
            self.stdout.write(
                f"dashboard {label}: {len(queries)} queries, ms per read "
                f"{', '.join(f'{t:.0f}' for t in reads)} (median {statistics.median(reads):.0f})"
            )

        if options["latency"]:
            self.stdout.write(f"change → dashboard: {self.latency():.2f} s")

    def latency(self) -> float:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError("--latency needs REDIS_URL and a running worker.")
        from cases.services.opening import case_open

        actor = (
            User.objects.filter(role=Role.CASEWORKER, organization__kind="regency_office")
            .select_related("organization")
            .first()
        )
        if actor is None:
            raise CommandError("No caseworker of a regency office to open the case.")
        office = actor.organization
        assert office is not None
        scope = Scope(regency=None)
        before = build_summary(scope)["headline"]["open_cases"]
        with transaction.atomic():
            person = Beneficiary.objects.create(
                full_name="Uji Latensi Statistik",
                sex="F",
                region=office.region,
                regency=office.region,
                legal_basis="public_task",
                registered_by_org=office,
                registered_regency=office.region,
                nik_absent_reason="not_registered",
            )
            case_open(
                actor=actor,
                beneficiary=person,
                primary_category=PmksCategory.objects.order_by("pk")[0],
            )
        committed = time.monotonic()
        run_before = latest_run_id()
        while time.monotonic() - committed < 120:
            # One cheap query per poll; read the figures once a new rebuild committed.
            if latest_run_id() != run_before:
                run_before = latest_run_id()
                if build_summary(scope)["headline"]["open_cases"] > before:
                    return time.monotonic() - committed
            time.sleep(0.2)
        raise CommandError("The dashboard did not change within 120 s: is a worker running?")
