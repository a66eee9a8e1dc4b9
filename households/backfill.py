"""Households for beneficiaries that have a No. KK but no household yet, in two
set-based statements (PostgreSQL and SQLite): what migration 0002 did once, for
rows written around the services since (the scale generator's bulk load).

A new household takes its address, desa, regency and registering office from the
first such person (lowest id); a person alone on a new KK heads it; everyone else
is "lainnya" (the data does not say who is who). Idempotent.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils import timezone

from cases.models import Beneficiary
from households.models import Household, HouseholdMember, Relationship
from regions.models import Level, Region

B = Beneficiary._meta.db_table
H = Household._meta.db_table
M = HouseholdMember._meta.db_table
R = Region._meta.db_table

_UNGROUPED = f"b.no_kk <> '' AND NOT EXISTS (SELECT 1 FROM {M} x WHERE x.beneficiary_id = b.id)"

HOUSEHOLDS = f"""
INSERT INTO {H} (
    no_kk, address, village_id, regency_id, head_id, in_dtsen, desil, aid,
    registered_by_org_id, registered_regency_id, registered_by_id,
    created_at, updated_at, version
)
SELECT g.no_kk, b.address,
       CASE WHEN r.level = '{Level.VILLAGE}' THEN b.region_id END,
       b.regency_id, CASE WHEN g.n = 1 THEN b.id END, NULL, NULL, {{empty_list}},
       b.registered_by_org_id, b.registered_regency_id, b.registered_by_id, %s, %s, 1
FROM (
    SELECT b.no_kk, MIN(b.id) AS first_id, COUNT(*) AS n FROM {B} b
    WHERE {_UNGROUPED}
      AND NOT EXISTS (SELECT 1 FROM {H} e WHERE e.no_kk = b.no_kk)
    GROUP BY b.no_kk
) g
JOIN {B} b ON b.id = g.first_id
JOIN {R} r ON r.id = b.region_id
"""

MEMBERS = f"""
INSERT INTO {M} (household_id, beneficiary_id, relationship, created_at)
SELECT h.id, b.id,
       CASE WHEN h.head_id = b.id THEN '{Relationship.HEAD}' ELSE '{Relationship.OTHER}' END, %s
FROM {B} b JOIN {H} h ON h.no_kk = b.no_kk
WHERE {_UNGROUPED}
"""


def households_from_no_kk(cursor: Any | None = None) -> tuple[int, int]:
    """Group the ungrouped; returns (households created, members added)."""
    empty_list = "CAST('[]' AS jsonb)" if connection.vendor == "postgresql" else "'[]'"
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    if cursor is None:
        with connection.cursor() as own:
            return households_from_no_kk(own)
    cursor.execute(HOUSEHOLDS.format(empty_list=empty_list), [now, now])
    households = max(cursor.rowcount, 0)
    cursor.execute(MEMBERS, [now])
    return households, max(cursor.rowcount, 0)
