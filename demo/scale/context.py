"""What exists before the generator runs: regions, offices, users, categories."""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import accumulate

from cases.models import PmksCategory, ServiceType
from demo.scale.distributions import REGENCY_POPULATION
from demo.scale.organizations import (
    Office,
    OrgRows,
    active_organizations,
    create_workers,
    load_offers,
    load_offices,
    load_org_rows,
)
from demo.scale.pools import Pools
from demo.scale.regions import PlacesByRegency, load_places
from regions.models import Region


@dataclass
class Context:
    offices: dict[str, Office]  # by regency code
    office_weights: list[float]
    places_by_regency: PlacesByRegency
    regency_codes: list[str]
    regency_cum: list[float]
    regency_names: dict[str, str]
    categories: dict[str, int]
    service_types: dict[str, int]
    orgs: OrgRows  # code → (org id, regency id, user ids)
    offers: dict[tuple[int, int], int]  # (org id, service type id) → offer id
    has_district_tree: bool


def staff_offices(
    offices: dict[str, Office],
    regency_codes: list[str],
    weights: list[float],
    beneficiaries: int,
    rng: random.Random,
    pools: Pools,
) -> None:
    """About one caseworker per 2,500 expected cases (2 to 120 per office)."""
    total_weight = sum(weights)
    for code, weight in zip(regency_codes, weights, strict=True):
        expected_cases = 1.2 * beneficiaries * weight / total_weight
        count = max(2, min(120, round(expected_cases / 2500)))
        create_workers(offices[code], count, rng, pools)


def load_context(beneficiaries: int, rng: random.Random, pools: Pools) -> Context:
    regencies = {r.code: r for r in Region.objects.regencies()}
    orgs_by_code = active_organizations()
    offices = load_offices(regencies, orgs_by_code)
    regency_codes = sorted(offices)
    weights = [float(REGENCY_POPULATION.get(code, 100)) for code in regency_codes]
    staff_offices(offices, regency_codes, weights, beneficiaries, rng, pools)
    places_by_regency, has_district_tree = load_places(regencies, regency_codes)
    return Context(
        offices=offices,
        office_weights=weights,
        places_by_regency=places_by_regency,
        regency_codes=regency_codes,
        regency_cum=list(accumulate(weights)),
        regency_names={code: regencies[code].name for code in regency_codes},
        categories=dict(PmksCategory.objects.values_list("code", "pk")),
        service_types=dict(ServiceType.objects.values_list("code", "pk")),
        orgs=load_org_rows(regencies, orgs_by_code, offices),
        offers=load_offers(),
        has_district_tree=has_district_tree,
    )
