"""Who works: the Dinsos office of each regency with its caseworkers (created
here for realistic caseloads), the other organizations' users, and the offers."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured

from accounts.models import Organization, OrganizationKind, Role, User
from demo.organizations import DEMO_PASSWORD, REGENCY_SLUGS
from demo.scale.pools import Pools
from referrals.models import ServiceOffer
from regions.models import Region

# organization code → (org id, regency id, user ids)
OrgRows = dict[str, tuple[int, int, list[int]]]


@dataclass
class Office:
    org_id: int
    regency_id: int
    regency_code: str
    slug: str
    workers: list[int] = field(default_factory=list)


def active_organizations() -> dict[str, Organization]:
    return {org.code: org for org in Organization.objects.filter(is_active=True)}


def load_offices(
    regencies: dict[str, Region], orgs_by_code: dict[str, Organization]
) -> dict[str, Office]:
    """The Dinsos office of each regency, by regency code."""
    offices: dict[str, Office] = {}
    for code, regency in regencies.items():
        slug = REGENCY_SLUGS.get(code, code.replace(".", "-"))
        org = orgs_by_code.get(f"dinsos-{slug}")
        if org is None:
            raise ImproperlyConfigured(f"no Dinsos office dinsos-{slug}: run seed_organizations")
        offices[code] = Office(org.pk, regency.pk, code, slug)
    return offices


def _new_worker(office: Office, username: str, password: str, rng: random.Random, pools: Pools):  # type: ignore[no-untyped-def]
    male = rng.random() < 0.45
    first = rng.choice(pools.male if male else pools.female)
    return User(
        username=username,
        first_name=first,
        last_name=rng.choice(pools.last),
        email=f"{username}@demo.pmks.invalid",
        organization_id=office.org_id,
        role=Role.CASEWORKER,
        password=password,
    )


def create_workers(office: Office, count: int, rng: random.Random, pools: Pools) -> None:
    """Caseworkers of an office, so that cases spread over realistic caseloads."""
    existing = set(
        User.objects.filter(organization_id=office.org_id, role=Role.CASEWORKER).values_list(
            "username", flat=True
        )
    )
    password = make_password(DEMO_PASSWORD)
    new = []
    for i in range(1, count + 1):
        username = f"pekerja{i:03d}.{office.slug}"
        if username not in existing:
            new.append(_new_worker(office, username, password, rng, pools))
    User.objects.bulk_create(new, batch_size=500)
    office.workers = list(
        User.objects.filter(organization_id=office.org_id, role=Role.CASEWORKER, is_active=True)
        .order_by("username")
        .values_list("pk", flat=True)
    )


def _users_by_org() -> dict[int, list[int]]:
    users_by_org: dict[int, list[int]] = defaultdict(list)
    for pk, org_id in (
        User.objects.filter(is_active=True, organization__isnull=False)
        .order_by("pk")
        .values_list("pk", "organization_id")
    ):
        users_by_org[org_id].append(pk)
    return users_by_org


def load_org_rows(
    regencies: dict[str, Region],
    orgs_by_code: dict[str, Organization],
    offices: dict[str, Office],
) -> OrgRows:
    """Every organization with users: its id, its regency and the users who act for it
    (for a Dinsos office, its caseworkers)."""
    users_by_org = _users_by_org()
    region_regency = {r.pk: r.pk for r in regencies.values()}
    org_rows: OrgRows = {}
    for code, org in orgs_by_code.items():
        regency_id = region_regency.get(org.region_id)
        if regency_id is None:  # a provincial organization: Samarinda is the capital
            regency_id = regencies["64.72"].pk if "64.72" in regencies else org.region_id
        if org.kind == OrganizationKind.REGENCY_OFFICE and org.region_id in region_regency:
            office = next(o for o in offices.values() if o.org_id == org.pk)
            users = office.workers
        else:
            users = users_by_org.get(org.pk, [])
        if users:
            org_rows[code] = (org.pk, regency_id, users)
    return org_rows


def load_offers() -> dict[tuple[int, int], int]:
    """(org id, service type id) → offer id."""
    return {
        (org_id, type_id): pk
        for pk, org_id, type_id in ServiceOffer.objects.filter(is_active=True)
        .order_by("pk")
        .values_list("pk", "organization_id", "service_type_id")
    }
