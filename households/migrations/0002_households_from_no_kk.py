"""Existing beneficiaries grouped by their No. KK become households.

Set-based, two statements whatever the table's size (1M beneficiaries: seconds
on PostgreSQL, not a round trip per person), on PostgreSQL and SQLite alike:

1. one household per distinct non-blank `no_kk`, its address, desa, regency and
   registering office taken from the first person registered with it (lowest id);
2. one membership per such person; the relationship is "kepala" when the person
   is alone on the KK (and the household's head, set in step 1), else "lainnya"
   (the old data does not say who heads it).

Reverse: the households (and their members) are deleted; beneficiaries keep
their `no_kk`, so running forward again rebuilds the same grouping. The SQL is
kept here, frozen with the schema of 0001, rather than imported from the app.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.utils import timezone

HOUSEHOLDS = """
INSERT INTO households_household (
    no_kk, address, village_id, regency_id, head_id, in_dtsen, desil, aid,
    registered_by_org_id, registered_regency_id, registered_by_id,
    created_at, updated_at, version
)
SELECT g.no_kk, b.address,
       CASE WHEN r.level = 'village' THEN b.region_id END,
       b.regency_id,
       CASE WHEN g.n = 1 THEN b.id END,
       NULL, NULL, {empty_list},
       b.registered_by_org_id, b.registered_regency_id, b.registered_by_id,
       %s, %s, 1
FROM (
    SELECT no_kk, MIN(id) AS first_id, COUNT(*) AS n
    FROM cases_beneficiary
    WHERE no_kk <> ''
    GROUP BY no_kk
) g
JOIN cases_beneficiary b ON b.id = g.first_id
JOIN regions_region r ON r.id = b.region_id
"""

MEMBERS = """
INSERT INTO households_householdmember (household_id, beneficiary_id, relationship, created_at)
SELECT h.id, b.id,
       CASE WHEN h.head_id = b.id THEN 'kepala' ELSE 'lainnya' END,
       %s
FROM cases_beneficiary b
JOIN households_household h ON h.no_kk = b.no_kk
WHERE b.no_kk <> ''
"""


def forward(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    empty_list = "CAST('[]' AS jsonb)" if connection.vendor == "postgresql" else "'[]'"
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(HOUSEHOLDS.format(empty_list=empty_list), [now, now])
        cursor.execute(MEMBERS, [now])


def backward(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DELETE FROM households_householdmember")
        cursor.execute("DELETE FROM households_household")


class Migration(migrations.Migration):
    dependencies = [("households", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=True)]
