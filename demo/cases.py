"""Demo beneficiaries and cases in every kabupaten/kota, made through the real
services (so NIKs are valid, numbers, timelines and history are real).

Idempotent (a second run finds its people and stops) and deterministic: one
`random.Random(seed)` and Faker id_ID seeded with the same seed. Dates are
relative to today. People are placed in real kecamatan/desa when the region
tree is loaded (`manage.py load_regions`), else at the kabupaten/kota.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from faker import Faker

from accounts.models import User
from cases.models import (
    Assessment,
    Beneficiary,
    Case,
    CaseEvent,
    CaseStatus,
    PmksCategory,
    ServiceType,
)
from cases.services import closure, delivery, opening, registration, timeline, workflow
from demo.organizations import REGENCY_SLUGS
from households.models import Aid, Relationship
from households.services import join_household
from regions.models import Level, Region

DEMO_MARK = "[demo]"
# The status each case is walked to, in turn; "reopened" = closed then reopened.
PLAN = (
    "open",
    "assessment",
    "in_service",
    "monitoring",
    "closure_requested",
    "closed",
    "in_service",
    "reopened",
    "assessment",
    "monitoring",
)
ADULT_CATEGORIES = ("PMKS11", "PMKS12", "PMKS13", "PMKS19", "PMKS20", "PMKS23", "PMKS24")
NOTES = (
    "Kunjungan rumah: keluarga bersedia bekerja sama.",
    "Ybs. ditemui di sekitar pasar, bersedia diantar ke kantor.",
    "Koordinasi dengan ketua RT setempat untuk memastikan alamat.",
    "Ybs. belum memiliki KTP; dijadwalkan perekaman di Disdukcapil.",
    "Dihubungi lewat telepon, kondisi stabil.",
    "Perlu pendampingan psikososial lanjutan.",
)
NO_NIK_REASONS = ("street", "documents_lost", "migrant", "not_registered")


@dataclass
class SeedResult:
    beneficiaries: int = 0
    cases: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    skipped: bool = False


def _nik(region_digits: str, birth: dt.date, female: bool, serial: int) -> str:
    return f"{region_digits}{birth.day + (40 if female else 0):02d}{birth:%m%y}{serial:04d}"


class _Seeder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fake = Faker("id_ID")
        self.fake.seed_instance(seed)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.serial = 100
        self.categories = {c.code: c for c in PmksCategory.objects.all()}
        self.service_types = list(ServiceType.objects.all())
        self.result = SeedResult()

    # -- people ---------------------------------------------------------------

    def place(self, regency: Region) -> Region:
        districts = list(Region.objects.filter(level=Level.DISTRICT, parent=regency))
        if not districts:
            return regency
        district = self.rng.choice(districts)
        villages = list(Region.objects.filter(level=Level.VILLAGE, parent=district))
        return self.rng.choice(villages) if villages else district

    def birth_date(self, min_age: int, max_age: int) -> dt.date:
        age_days = self.rng.randint(min_age * 365 + 30, max_age * 365 - 30)
        return self.today - dt.timedelta(days=age_days)

    def name(self, female: bool) -> str:
        if female:
            return f"{self.fake.first_name_female()} {self.fake.last_name_female()}"
        return f"{self.fake.first_name_male()} {self.fake.last_name_male()}"

    def register(
        self,
        actor: User,
        regency: Region,
        *,
        female: bool,
        birth: dt.date,
        with_nik: bool,
        name: str | None = None,
        no_kk: str = "",
        migrant: bool = False,
    ) -> Beneficiary:
        region = self.place(regency)
        segments = region.code.split(".")
        digits = "".join(segments[:3]) if len(segments) >= 3 else "".join(segments) + "01"
        if migrant:
            digits = self.rng.choice(("317105", "351501", "730101", "530101"))
        self.serial += 1
        data: dict[str, Any] = {
            "nik": _nik(digits, birth, female, self.serial) if with_nik else "",
            "nik_absent_reason": "" if with_nik else self.rng.choice(NO_NIK_REASONS),
            "no_kk": no_kk,
            "full_name": name or self.name(female),
            "sex": "F" if female else "M",
            "birth_date": birth,
            "birth_date_estimated": not with_nik,
            "birth_place": self.rng.choice(("Samarinda", "Balikpapan", "Tenggarong", "Makassar")),
            "address": self.fake.street_address(),
            "region": region,
            "phone": f"08{self.rng.randint(11, 59)}{self.rng.randint(10_000_000, 99_999_999)}",
            "has_disability": self.rng.random() < 0.15,
            "legal_basis": "consent",
            "consent_note": f"{DEMO_MARK} Persetujuan lisan ybs./wali saat asesmen awal.",
        }
        if data["has_disability"]:
            data["disability_note"] = self.rng.choice(("Disabilitas fisik", "Disabilitas netra"))
        person = registration.beneficiary_register(actor=actor, data=data, confirm_new=True)
        self.result.beneficiaries += 1
        return person

    # -- cases ----------------------------------------------------------------

    def open_and_walk(
        self,
        person: Beneficiary,
        worker: User,
        supervisor: User,
        target: str,
        category_code: str,
    ) -> Case:
        case = opening.case_open(
            actor=worker,
            beneficiary=person,
            primary_category=self.categories[category_code],
            priority=self.rng.choice(("normal", "normal", "high", "urgent", "low")),
            summary=f"Penanganan {self.categories[category_code].name.lower()}.",
        )
        timeline.case_add_note(actor=worker, case=case, text=self.rng.choice(NOTES))
        order = ("assessment", "in_service", "monitoring", "closure_requested", "closed")
        goal = "closed" if target == "reopened" else target
        reached = order.index(goal) if goal in order else -1
        if reached >= 0:
            needs = self.rng.sample(("shelter", "food", "health", "documentation", "employment"), 2)
            delivery.assessment_record(
                actor=worker,
                case=case,
                needs=needs,
                risk_level=self.rng.choice(("low", "medium", "high")),
                notes="Asesmen awal di kantor.",
            )
        if reached >= 1:
            kind = self.rng.choice(self.service_types)
            start = self.today - dt.timedelta(days=self.rng.randint(5, 60))
            delivery.service_delivery_add(
                actor=worker,
                case=case,
                service_type=kind,
                provider_org=worker.organization,
                status="ongoing",
                start_date=start,
            )
            workflow.case_transition(actor=worker, case=case, to_status=CaseStatus.IN_SERVICE)
        if reached >= 2:
            workflow.case_transition(actor=worker, case=case, to_status=CaseStatus.MONITORING)
            timeline.case_add_note(actor=worker, case=case, text=self.rng.choice(NOTES))
        if reached >= 3:
            closure.case_request_closure(
                actor=worker, case=case, closure_reason="goals_met", note="Tujuan layanan tercapai."
            )
        if reached >= 4:
            closure.case_approve_closure(actor=supervisor, case=case)
        if target == "reopened":
            workflow.case_reopen(
                actor=worker, case=case, reason="Ybs. kembali membutuhkan pendampingan."
            )
        self.spread_history(case, person)
        self.result.cases += 1
        status = Case.objects.values_list("status", flat=True).get(pk=case.pk)
        self.result.by_status[status] = self.result.by_status.get(status, 0) + 1
        return case

    def spread_history(self, case: Case, person: Beneficiary) -> None:
        """Spread the timeline written just now over the weeks before today."""
        start = self.now - dt.timedelta(
            days=self.rng.randint(20, 300), hours=self.rng.randint(0, 8)
        )
        events = list(CaseEvent.objects.filter(case=case).order_by("pk"))
        span = (self.now - dt.timedelta(hours=2)) - start
        for index, event in enumerate(events):
            event.created_at = start + span * (index / max(len(events), 1))
        CaseEvent.objects.bulk_update(events, ["created_at"])
        moments = {e.data.get("move"): e.created_at for e in events if e.kind == "status"}
        fields: dict[str, Any] = {"opened_at": start}
        if "request_closure" in moments:
            fields["closure_requested_at"] = moments["request_closure"]
        if "approve_closure" in moments:
            fields["closed_at"] = moments["approve_closure"]
        Case.objects.filter(pk=case.pk).exclude(status=CaseStatus.OPEN).update(**fields)
        Case.objects.filter(pk=case.pk, status=CaseStatus.OPEN).update(opened_at=start)
        assessed = next((e.created_at for e in events if e.kind == "assessment"), None)
        if assessed:
            Assessment.objects.filter(case=case).update(assessed_at=assessed)
        Beneficiary.objects.filter(pk=person.pk, created_at__gt=start).update(
            created_at=start - dt.timedelta(hours=1)
        )


@transaction.atomic
def seed_cases(seed: int = 7) -> SeedResult:
    """~23 people and their cases, two per kabupaten/kota plus a household in Samarinda."""
    if Beneficiary.objects.filter(consent_note__startswith=DEMO_MARK).exists():
        return SeedResult(skipped=True)
    seeder = _Seeder(seed)
    users = {u.username: u for u in User.objects.filter(username__contains=".")}
    for index, regency in enumerate(Region.objects.regencies()):
        slug = REGENCY_SLUGS.get(regency.code)
        worker = users.get(f"pekerja.{slug}")
        supervisor = users.get(f"supervisor.{slug}")
        if worker is None or supervisor is None:
            continue
        female = index % 2 == 0
        adult = seeder.register(
            worker, regency, female=female, birth=seeder.birth_date(22, 55), with_nik=True
        )
        seeder.open_and_walk(
            adult, worker, supervisor, PLAN[index % len(PLAN)], seeder.rng.choice(ADULT_CATEGORIES)
        )
        elderly_or_street = index % 3 == 0
        second = seeder.register(
            worker,
            regency,
            female=not female,
            birth=seeder.birth_date(62, 80) if elderly_or_street else seeder.birth_date(25, 45),
            with_nik=index % 2 == 1,
            migrant=index % 4 == 1,
        )
        seeder.open_and_walk(
            second,
            worker,
            supervisor,
            PLAN[(index + 5) % len(PLAN)],
            "PMKS08" if elderly_or_street else seeder.rng.choice(ADULT_CATEGORIES),
        )
        if slug == "samarinda":
            _samarinda_household(seeder, regency, worker, users.get("pekerja2.samarinda"))
    return seeder.result


def _samarinda_household(
    seeder: _Seeder, regency: Region, worker: User, second_worker: User | None
) -> None:
    """A mother and two children sharing a No. KK; one child is a street child."""
    issued = seeder.today - dt.timedelta(days=900)
    no_kk = f"647201{issued:%d%m%y}0{seeder.rng.randint(100, 999)}"
    family = seeder.fake.last_name_female()
    mother = seeder.register(
        worker,
        regency,
        female=True,
        birth=seeder.birth_date(30, 40),
        with_nik=True,
        name=f"{seeder.fake.first_name_female()} {family}",
        no_kk=no_kk,
    )
    child = seeder.register(
        worker,
        regency,
        female=False,
        birth=seeder.birth_date(9, 13),
        with_nik=True,
        name=f"{seeder.fake.first_name_male()} {family}",
        no_kk=no_kk,
    )
    younger = seeder.register(
        worker,
        regency,
        female=True,
        birth=seeder.birth_date(4, 7),
        with_nik=True,
        name=f"{seeder.fake.first_name_female()} {family}",
        no_kk=no_kk,
    )
    # Registration put them in one household; the KK says who is who, and the
    # office has checked DTSEN (desil 2) and the aid the family receives.
    join_household(
        mother,
        no_kk,
        Relationship.HEAD,
        actor=worker,
        dtsen=True,
        desil=2,
        aid=[Aid.PKH, Aid.PBI_JK],
    )
    for person in (child, younger):
        join_household(person, no_kk, Relationship.CHILD, actor=worker)
    supervisor = User.objects.get(username="supervisor.samarinda")
    seeder.open_and_walk(child, second_worker or worker, supervisor, "assessment", "PMKS04")
    seeder.open_and_walk(mother, worker, supervisor, "in_service", "PMKS23")
