"""Test data for the statistics: rows written directly (cases.factories and the
ORM), plus the awkward cases the rollup must get right."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.db.models import F
from django.utils import timezone

from accounts.models import Organization, User
from cases.factories import BeneficiaryFactory, CaseFactory
from cases.models import Case, CaseEvent, PmksCategory, ServiceDelivery, ServiceType
from cases.services.transfer import case_transfer_ownership
from referrals.models import Referral
from regions.models import Level, Region

DISTRICTS = {
    "64.72.01": ("Palaran", "64.72"),
    "64.72.02": ("Samarinda Seberang", "64.72"),
    "64.71.01": ("Balikpapan Timur", "64.71"),
}
WITA = dt.timezone(dt.timedelta(hours=8))


def ensure_districts() -> dict[str, Region]:
    """A few kecamatan (the shipped regions stop at kabupaten/kota)."""
    found = {}
    for code, (name, parent_code) in DISTRICTS.items():
        found[code], _ = Region.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "level": Level.DISTRICT,
                "parent": Region.objects.get(code=parent_code),
            },
        )
    return found


def make_case(
    owner_org: Organization,
    *,
    category: str = "PMKS11",
    status: str = "open",
    priority: str = "normal",
    opened_at: dt.datetime | None = None,
    closed_at: dt.datetime | None = None,
    district: Region | None = None,
    sex: str = "F",
    birth_date: dt.date | None = dt.date(1990, 5, 17),
) -> Case:
    beneficiary = BeneficiaryFactory(
        registered_by_org=owner_org,
        sex=sex,
        birth_date=birth_date,
        district=district,
        region=district or owner_org.region,
    )
    case = cast(
        Case,
        CaseFactory(
            owner_org=owner_org,
            beneficiary=beneficiary,
            primary_category=PmksCategory.objects.get(code=category),
            status=status,
            priority=priority,
            opened_at=opened_at or timezone.now(),
            closed_at=closed_at,
            district=district,
        ),
    )
    return case


def reopen_case(case: Case, *, at: dt.datetime) -> None:
    """A closed case opened again, as cases.services records it."""
    CaseEvent.objects.create(
        case=case,
        kind="status",
        text="Kasus dibuka kembali",
        data={"from": "closed", "to": "open", "reopen": True},
        created_at=at,
    )
    Case.objects.filter(pk=case.pk).update(
        status="open", closed_at=None, reopened_count=F("reopened_count") + 1
    )


def make_referral(
    case: Case,
    to_org: Organization,
    *,
    created_by: User,
    status: str = "pending",
    kind: str = "service",
    created_at: dt.datetime | None = None,
    decided_at: dt.datetime | None = None,
    due_in: dt.timedelta = dt.timedelta(days=7),
    is_overdue: bool = False,
) -> Referral:
    created_at = created_at or timezone.now()
    case.refresh_from_db()
    return Referral.objects.create(
        number=f"RJK/{Referral.objects.count() + 1:05d}/{case.pk}",
        kind=kind,
        case=case,
        from_org=case.owner_org,
        to_org=to_org,
        from_regency_id=case.regency_id,
        to_regency_id=to_org.region_id,
        reason="Perlu layanan",
        shared_summary="Ringkasan",
        legal_basis="consent",
        status=status,
        created_by=created_by,
        created_at=created_at,
        due_at=created_at + due_in,
        decided_at=decided_at,
        is_overdue=is_overdue,
    )


def add_service(case: Case, *, code: str = "shelter", status: str = "done") -> ServiceDelivery:
    return ServiceDelivery.objects.create(
        case=case, service_type=ServiceType.objects.get(code=code), status=status
    )


def edge_cases(orgs: dict[str, Organization], actor: User) -> dict[str, Any]:
    """The cases a rollup gets wrong first. Returns them by name."""
    districts = ensure_districts()
    now = timezone.now()
    made: dict[str, Any] = dict(_edge_ownership_cases(orgs, districts, actor, now))
    made.update(_edge_age_cases(orgs, now))
    made.update(_edge_referrals(orgs, made, actor, now))
    add_service(made["transferred"], code="shelter", status="ongoing")
    add_service(made["reopened"], code="health", status="done")
    return made


def _edge_ownership_cases(
    orgs: dict[str, Organization], districts: dict[str, Region], actor: User, now: dt.datetime
) -> dict[str, Case]:
    """A reopened case, a transferred one and one opened on the month's WITA edge."""
    samarinda, balikpapan = orgs["samarinda"], orgs["balikpapan"]
    made: dict[str, Case] = {}

    # Reopened: closed last month, opened again this month.
    made["reopened"] = make_case(
        samarinda,
        status="closed",
        closed_at=now - dt.timedelta(days=40),
        district=districts["64.72.01"],
    )
    reopen_case(made["reopened"], at=now - dt.timedelta(minutes=5))

    # Transferred: opened in Samarinda (beneficiary in Palaran), now owned by Balikpapan.
    made["transferred"] = make_case(samarinda, district=districts["64.72.01"], category="PMKS19")
    case_transfer_ownership(
        case=made["transferred"], to_org=balikpapan, assigned_to=None, actor=actor
    )

    # Opened 30 minutes into this month in WITA: still the previous month in UTC.
    today = timezone.localdate(now)
    month_start = dt.datetime.combine(today.replace(day=1), dt.time(0, 30), tzinfo=WITA)
    made["month_edge"] = make_case(
        balikpapan, opened_at=min(month_start, now), district=districts["64.71.01"]
    )
    return made


def _birthday(today: dt.date, years: int, days: int = 0) -> dt.date:
    """The date `years` years before `today` (28 February for 29 February), plus `days`."""
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return day + dt.timedelta(days=days)


def _edge_age_cases(orgs: dict[str, Organization], now: dt.datetime) -> dict[str, Case]:
    """Ages on the band edges, and no birth date at all."""
    today = timezone.localdate(now)
    samarinda, balikpapan = orgs["samarinda"], orgs["balikpapan"]
    return {
        "age_5_today": make_case(
            samarinda, birth_date=_birthday(today, 5), sex="M", category="PMKS01"
        ),
        "age_4": make_case(
            samarinda, birth_date=_birthday(today, 5, 1), sex="M", category="PMKS01"
        ),
        "age_60": make_case(balikpapan, birth_date=_birthday(today, 60), category="PMKS08"),
        "no_birth_date": make_case(balikpapan, birth_date=None, status="closed", closed_at=now),
    }


def _edge_referrals(
    orgs: dict[str, Organization], made: dict[str, Case], actor: User, now: dt.datetime
) -> dict[str, Referral]:
    """Referrals: cancelled (with a decision time set: must not count as decided),
    pending past due without the overdue flag, decided exactly at the due time,
    decided late, and one from long ago."""
    sent = now - dt.timedelta(days=10)
    referrals: dict[str, Referral] = {}
    referrals["cancelled"] = make_referral(
        made["reopened"],
        orgs["rsud"],
        created_by=actor,
        status="cancelled",
        created_at=sent,
        decided_at=sent + dt.timedelta(hours=2),
    )
    referrals["overdue"] = make_referral(
        made["age_4"],
        orgs["rsud"],
        created_by=actor,
        status="pending",
        created_at=sent,
        due_in=dt.timedelta(days=1),
    )
    referrals["on_due"] = make_referral(
        made["age_60"],
        orgs["samarinda"],
        created_by=actor,
        status="accepted",
        kind="transfer",
        created_at=sent,
        decided_at=sent + dt.timedelta(days=3),
        due_in=dt.timedelta(days=3),
    )
    referrals["late"] = make_referral(
        made["month_edge"],
        orgs["ppa"],
        created_by=actor,
        status="declined",
        created_at=sent,
        decided_at=sent + dt.timedelta(days=8, minutes=7),
    )
    referrals["old"] = make_referral(
        made["no_birth_date"],
        orgs["rsud"],
        created_by=actor,
        status="completed",
        created_at=now - dt.timedelta(days=500),
        decided_at=now - dt.timedelta(days=499),
    )
    return referrals
