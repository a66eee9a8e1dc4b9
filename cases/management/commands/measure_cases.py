"""Figures for the README/issue: time of the duplicate check and query counts of
the case list and case page, on whatever database is configured.

    manage.py measure_cases                      # on the data there is (e.g. seed_demo)
    manage.py measure_cases --synthetic 100000   # plus N generated people, rolled back

Everything runs in a transaction that is rolled back: the synthetic people, the
sessions and the access-log rows the page requests write are not kept.
"""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role, User
from cases.models import Beneficiary, Case
from cases.selectors import beneficiary_find_matches


class Rollback(Exception):
    pass


def _typo(name: str, rng: random.Random) -> str:
    """The kind of spelling difference a second registration brings (one letter)."""
    letters = list(name)
    index = rng.randrange(1, len(letters)) if len(letters) > 1 else 0
    letters[index] = rng.choice("aeiouy")
    return "".join(letters)


class Command(BaseCommand):
    help = "Measure the duplicate check and the case pages' query counts (rolled back)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--synthetic", type=int, default=0, metavar="N")
        parser.add_argument("--runs", type=int, default=50)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with transaction.atomic():
                self.measure(options["synthetic"], options["runs"], options["seed"])
                raise Rollback
        except Rollback:
            pass

    def measure(self, synthetic: int, runs: int, seed: int) -> None:
        rng = random.Random(seed)
        if synthetic:
            self.add_people(synthetic, rng)
        people = list(Beneficiary.objects.select_related("regency").order_by("pk")[:200])
        if not people:
            raise CommandError("No beneficiaries: run `manage.py seed_demo` first.")
        total = Beneficiary.objects.count()
        self.stdout.write(f"database: {connection.vendor}, beneficiaries: {total}")

        for label, with_birth in (("name + birth date + regency", True), ("name + regency", False)):
            timings = []
            found = 0
            for _ in range(runs):
                person = rng.choice(people)
                start = time.perf_counter()
                matches = beneficiary_find_matches(
                    full_name=_typo(person.full_name, rng),
                    birth_date=person.birth_date if with_birth else None,
                    regency=person.regency,
                )
                timings.append((time.perf_counter() - start) * 1000)
                found += any(match.pk == person.pk for match in matches)
            timings.sort()
            self.stdout.write(
                f"duplicate check ({label}): median {statistics.median(timings):.1f} ms, "
                f"p95 {timings[int(len(timings) * 0.95) - 1]:.1f} ms, "
                f"max {timings[-1]:.1f} ms over {runs} runs; "
                f"the person was among the matches in {found}/{runs}"
            )
        self.query_counts()

    def add_people(self, count: int, rng: random.Random) -> None:
        from faker import Faker

        fake = Faker("id_ID")
        fake.seed_instance(rng.randrange(1 << 30))
        template = Beneficiary.objects.select_related("regency").first()
        if template is None:
            raise CommandError("Run `manage.py seed_demo` first (the people need an office).")
        if template.birth_date is None:
            raise CommandError(
                f"Person {template.pk} has no birth date for the new people to vary."
            )
        birth_date = template.birth_date
        regencies = list({b.regency for b in Beneficiary.objects.select_related("regency")})
        firsts = [fake.first_name() for _ in range(500)]
        lasts = [fake.last_name() for _ in range(500)]
        batch = []
        for number in range(count):
            regency = rng.choice(regencies)
            batch.append(
                Beneficiary(
                    full_name=f"{rng.choice(firsts)} {rng.choice(lasts)}",
                    sex=rng.choice("MF"),
                    birth_date=birth_date.replace(year=1940 + rng.randrange(80)),
                    region=regency,
                    regency=regency,
                    legal_basis="public_task",
                    nik_absent_reason="not_registered",
                    registered_by_org_id=template.registered_by_org_id,
                    registered_regency_id=template.registered_regency_id,
                )
            )
            if len(batch) == 5000 or number == count - 1:
                Beneficiary.objects.bulk_create(batch)
                batch = []
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE cases_beneficiary")
        self.stdout.write(f"added {count} synthetic people (rolled back at the end)")

    def query_counts(self) -> None:
        case = Case.objects.order_by("pk").first()
        if case is None:
            return
        for role in (Role.CASEWORKER, Role.SUPERVISOR):
            user = User.objects.filter(
                role=role, organization=case.owner_org, is_active=True
            ).first()
            if user is None:
                continue
            client = Client(HTTP_HOST="localhost")
            client.force_login(user)
            for name, url in (
                ("case list", reverse("cases:case_list")),
                ("case page", reverse("cases:case_detail", args=[case.pk])),
            ):
                client.get(url)  # warm per-process caches
                with CaptureQueriesContext(connection) as queries:
                    status = client.get(url).status_code
                self.stdout.write(
                    f"{name} as {role} ({user.username}): {len(queries)} queries (HTTP {status})"
                )
