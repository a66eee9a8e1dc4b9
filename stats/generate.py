"""Bulk-generated cases, events, services and referrals for tests and for
measuring the rebuild at scale (`manage.py stats_generate --cases 100000`).

Rows are written with bulk_create in batches, straight into the live tables
(no services, no hooks): this is load, not a story. It uses the offices,
agencies and kecamatan that exist, and creates a minimal set when they do not.
The distribution is skewed like real data (the cities have most cases) and
includes the awkward ones: closed and reopened cases, cases owned outside the
beneficiary's regency (transfers), unknown birth dates, cancelled and overdue
referrals.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, OrganizationKind, Role, Sector, User
from cases.models import (
    Beneficiary,
    Case,
    CaseEvent,
    LegalBasis,
    PmksCategory,
    ServiceDelivery,
    ServiceType,
)
from referrals.models import Referral
from regions.models import Level, Region

# Relative size of each kabupaten/kota's caseload (the cities carry most of it).
REGENCY_WEIGHTS = {
    "64.72": 30,
    "64.71": 22,
    "64.02": 14,
    "64.74": 7,
    "64.01": 5,
    "64.03": 5,
    "64.08": 6,
    "64.09": 6,
    "64.07": 3,
    "64.11": 2,
}
STATUS_WEIGHTS = {
    "open": 14,
    "assessment": 12,
    "in_service": 18,
    "monitoring": 10,
    "closure_requested": 4,
    "closed": 42,
}
PRIORITY_WEIGHTS = {"low": 15, "normal": 60, "high": 18, "urgent": 7}
REFERRAL_STATUS_WEIGHTS = {
    "pending": 18,
    "accepted": 22,
    "declined": 10,
    "cancelled": 8,
    "completed": 42,
}
SLA_DAYS = {"urgent": 1, "high": 3, "normal": 7}


@dataclass
class Generated:
    beneficiaries: int = 0
    cases: int = 0
    events: int = 0
    services: int = 0
    referrals: int = 0
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _World:
    regencies: list[Region]
    weights: list[int]
    districts: dict[int, list[Region]]
    offices: dict[int, Organization]
    agencies: list[Organization]
    users: dict[int, User]
    categories: list[PmksCategory]
    service_types: list[ServiceType]


def _world() -> _World:
    regencies = list(Region.objects.filter(level=Level.REGENCY).order_by("code"))
    weights = [REGENCY_WEIGHTS.get(region.code, 3) for region in regencies]
    districts: dict[int, list[Region]] = {region.pk: [] for region in regencies}
    for district in Region.objects.filter(level=Level.DISTRICT, parent__in=regencies):
        districts[district.parent_id].append(district)  # type: ignore[index]
    offices: dict[int, Organization] = {}
    for office in Organization.objects.filter(
        kind=OrganizationKind.REGENCY_OFFICE, region__in=regencies
    ).order_by("pk"):
        offices.setdefault(office.region_id, office)
    for region in regencies:
        if region.pk not in offices:
            offices[region.pk] = Organization.objects.create(
                code=f"gen-dinsos-{region.code.replace('.', '-')}",
                name=f"Dinas Sosial {region.name}",
                kind=OrganizationKind.REGENCY_OFFICE,
                region=region,
            )
    agencies = list(Organization.objects.filter(kind=OrganizationKind.AGENCY).order_by("pk"))
    if not agencies:
        agencies = [
            Organization.objects.create(
                code="gen-rsud",
                name="RSUD Generator",
                kind=OrganizationKind.AGENCY,
                sector=Sector.HEALTH,
                region=regencies[0],
            )
        ]
    users: dict[int, User] = {}
    for office in offices.values():
        user = User.objects.filter(organization=office).order_by("pk").first()
        if user is None:
            user = User.objects.create(
                username=f"gen.{office.code}"[:150],
                organization=office,
                role=Role.CASEWORKER,
            )
        users[office.pk] = user
    return _World(
        regencies=regencies,
        weights=weights,
        districts=districts,
        offices=offices,
        agencies=agencies,
        users=users,
        categories=list(PmksCategory.objects.order_by("pk")),
        service_types=list(ServiceType.objects.order_by("pk")),
    )


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def generate(
    *,
    cases: int,
    seed: int = 1,
    now: dt.datetime | None = None,
    months: int = 30,
    batch_size: int = 2000,
    label: str = "GEN",
) -> Generated:
    """Create `cases` cases (with their beneficiaries, events, services and
    referrals) opened over the last `months` months. Deterministic for a seed."""
    rng = random.Random(seed)
    now = now or timezone.now()
    world = _world()
    result = Generated()
    done = 0
    while done < cases:
        size = min(batch_size, cases - done)
        with transaction.atomic():
            _generate_batch(rng, world, result, now, months, size, f"{label}/{seed}/{done}")
        done += size
    result.counts = {
        "beneficiaries": result.beneficiaries,
        "cases": result.cases,
        "events": result.events,
        "services": result.services,
        "referrals": result.referrals,
    }
    return result


def _generate_batch(
    rng: random.Random,
    world: _World,
    result: Generated,
    now: dt.datetime,
    months: int,
    size: int,
    prefix: str,
) -> None:
    """One batch: beneficiaries, their cases, then the cases' events, services
    and referrals, each bulk-created in that order (the random draws follow it)."""
    people = _beneficiary_rows(rng, world, now, size, prefix)
    Beneficiary.objects.bulk_create(people, batch_size=1000)
    result.beneficiaries += len(people)

    span = dt.timedelta(days=30 * months)
    case_rows = [
        _case_row(rng, world, person, now, span, f"{prefix}/{index}")
        for index, person in enumerate(people)
    ]
    Case.objects.bulk_create(case_rows, batch_size=1000)
    result.cases += len(case_rows)

    events: list[CaseEvent] = []
    services: list[ServiceDelivery] = []
    referrals: list[Referral] = []
    for index, case in enumerate(case_rows):
        events.extend(_case_events(rng, case, now))
        if rng.random() < 0.4:
            services.append(_service_row(rng, world, case))
        if rng.random() < 0.2:
            referrals.append(_referral(rng, world, case, now, f"{prefix}/R{index}"))
    CaseEvent.objects.bulk_create(events, batch_size=2000)
    Case.objects.bulk_update(
        [case for case in case_rows if case.reopened_count], ["reopened_count"], batch_size=1000
    )
    ServiceDelivery.objects.bulk_create(services, batch_size=2000)
    Referral.objects.bulk_create(referrals, batch_size=1000)
    result.events += len(events)
    result.services += len(services)
    result.referrals += len(referrals)


def _beneficiary_rows(
    rng: random.Random, world: _World, now: dt.datetime, size: int, prefix: str
) -> list[Beneficiary]:
    """`size` unsaved beneficiaries spread over the regencies by weight."""
    people = []
    for _ in range(size):
        regency = rng.choices(world.regencies, weights=world.weights)[0]
        districts = world.districts[regency.pk]
        district = rng.choice(districts) if districts else None
        office = world.offices[regency.pk]
        unknown_age = rng.random() < 0.06
        birth = None if unknown_age else now.date() - dt.timedelta(days=rng.randint(0, 90 * 365))
        people.append(
            Beneficiary(
                full_name=f"Penerima {prefix}",
                sex=rng.choice("MF"),
                birth_date=birth,
                region=district or regency,
                regency=regency,
                district=district,
                legal_basis=LegalBasis.PUBLIC_TASK,
                registered_by_org=office,
                registered_regency=regency,
                nik_absent_reason="not_registered",
            )
        )
    return people


def _case_row(
    rng: random.Random,
    world: _World,
    person: Beneficiary,
    now: dt.datetime,
    span: dt.timedelta,
    number: str,
) -> Case:
    """An unsaved case for `person`, opened within `span` before `now`; a few
    are owned outside the beneficiary's regency (transferred)."""
    owner_regency = person.regency
    if rng.random() < 0.05:  # owned elsewhere now: transferred
        owner_regency = rng.choices(world.regencies, weights=world.weights)[0]
    owner = world.offices[owner_regency.pk]
    opened = now - dt.timedelta(seconds=rng.randint(0, int(span.total_seconds())))
    status = _pick(rng, STATUS_WEIGHTS)
    closed_at = None
    if status == "closed":
        closed_at = opened + dt.timedelta(days=rng.randint(0, 240), hours=rng.randint(0, 23))
        if closed_at > now:  # would close in the future: still being worked on
            status, closed_at = "monitoring", None
    return Case(
        number=number,
        beneficiary=person,
        beneficiary_name=person.full_name,
        primary_category=rng.choice(world.categories),
        owner_org=owner,
        regency=owner_regency,
        district=person.district,
        assigned_to=world.users[owner.pk],
        priority=_pick(rng, PRIORITY_WEIGHTS),
        status=status,
        opened_at=opened,
        closed_at=closed_at,
        closure_reason="goals_met" if status == "closed" else "",
        created_by=world.users[owner.pk],
    )


def _case_events(rng: random.Random, case: Case, now: dt.datetime) -> list[CaseEvent]:
    """The case's history: opened, its status change, and for a few a reopening
    (which also sets `case.reopened_count`)."""
    events = [CaseEvent(case=case, kind="created", text="Kasus dibuka", created_at=case.opened_at)]
    if case.status != "open":
        events.append(
            CaseEvent(
                case=case,
                kind="status",
                text="Status berubah",
                data={"from": "open", "to": case.status},
                created_at=case.closed_at or case.opened_at,
            )
        )
    if rng.random() < 0.04:  # closed once and reopened
        at = case.opened_at + (now - case.opened_at) * rng.random()
        events.append(
            CaseEvent(
                case=case,
                kind="status",
                text="Kasus dibuka kembali",
                data={"from": "closed", "to": "open", "reopen": True},
                created_at=at,
            )
        )
        case.reopened_count = 1
    return events


def _service_row(rng: random.Random, world: _World, case: Case) -> ServiceDelivery:
    """An unsaved service delivery by the case's owner."""
    return ServiceDelivery(
        case=case,
        service_type=rng.choice(world.service_types),
        provider_org=case.owner_org,
        status=rng.choice(["planned", "ongoing", "done", "done", "cancelled"]),
        created_by=case.assigned_to,
    )


def _referral(
    rng: random.Random, world: _World, case: Case, now: dt.datetime, number: str
) -> Referral:
    kind = "transfer" if rng.random() < 0.3 else "service"
    if kind == "transfer":
        others = [office for office in world.offices.values() if office.pk != case.owner_org_id]
        to_org = rng.choice(others) if others else case.owner_org
    else:
        to_org = rng.choice(world.agencies + list(world.offices.values()))
    urgency = rng.choice(["urgent", "high", "normal", "normal"])
    created = case.opened_at + (now - case.opened_at) * rng.random()
    due = created + dt.timedelta(days=SLA_DAYS[urgency])
    status = _pick(rng, REFERRAL_STATUS_WEIGHTS)
    decided = None
    if status in ("accepted", "declined", "completed"):
        decided = min(now, created + dt.timedelta(minutes=rng.randint(10, 14 * 24 * 60)))
    return Referral(
        number=number,
        kind=kind,
        case=case,
        from_org=case.owner_org,
        to_org=to_org,
        from_regency=case.regency,
        to_regency_id=to_org.region_id,
        reason="Rujukan hasil generator",
        urgency=urgency,
        shared_summary="Ringkasan",
        legal_basis=LegalBasis.PUBLIC_TASK,
        status=status,
        due_at=due,
        is_overdue=status == "pending" and due < now and rng.random() < 0.7,
        created_by=case.created_by,
        created_at=created,
        decided_at=decided,
        completed_at=decided if status == "completed" else None,
    )
