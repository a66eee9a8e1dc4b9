"""The shapes of queries and settings chosen for province scale (docs/PERFORMANCE.md):
each guards a plan measured at 1M beneficiaries against a rewrite that would bring
the slow one back. What the queries return is tested with the pages."""

import pytest
from django.db import connection

from cases.models import Beneficiary

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_web_connections_run_without_jit():
    # JIT compilation added 150-200 ms to misestimated queries at 1M rows (G1).
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@pytest.mark.parametrize("persona", ["alice", "sari"])
def test_a_persons_visibility_checks_their_cases_with_exists_not_in(request, persona):
    # C3: `pk IN (visible cases)` inside the OR materialized 273k cases (~1 s at 1M);
    # a correlated EXISTS looks up the few cases of each person (~5 ms).
    user = request.getfixturevalue(persona)
    sql = str(Beneficiary.objects.visible_to(user).filter(pk__in=[1, 2]).query)
    assert "EXISTS(SELECT" in sql.replace("EXISTS (", "EXISTS(")
    assert '"cases_beneficiary"."id" IN (SELECT' not in sql


@pytest.mark.parametrize(
    ("q", "column"),
    [
        ("6472015705900001", '"nik"'),
        ("6472 0157 0590 0001", '"nik"'),
        ("6472/2026/00017", '"number"'),
        ("Siti Aminah", '"beneficiary_name"'),
    ],
)
def test_the_case_search_filters_one_column_per_kind_of_input(alice, q, column):
    # C2: an OR of a beneficiary column with cases_case.number could use neither
    # table's index (1.6-1.8 s at 1M); each kind of input now reads one column.
    # C7: a name is searched in the case's own copy, which the list's index holds.
    from cases import selectors

    where = str(selectors.case_list(user=alice, filters={"q": q}).query).split(" WHERE ", 1)[1]
    kinds = ('"nik"', '"number"', '"full_name"', '"beneficiary_name"')
    assert [c for c in kinds if c in where] == [column]


@pytest.mark.postgres
def test_the_name_search_as_django_writes_it_uses_the_upper_trigram_index():
    # C2: `icontains` is UPPER(full_name::text) LIKE UPPER(%s); the index of
    # migration 0006 must be on that very expression (340 ms -> 10-18 ms at 1M).
    from django.db import transaction

    sql, params = (
        Beneficiary.objects.filter(full_name__icontains="Siti Amin")
        .values("pk")
        .query.sql_with_params()
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "benef_name_upper_trgm_idx" in plan


@pytest.mark.postgres
def test_the_person_list_newest_first_can_walk_an_index(alice):
    # The person list of a caseworker sorted every visible person (2.6 s at 1M);
    # walking (created_at, id) and checking visibility row by row takes 2 ms.
    from django.db import transaction

    queryset = Beneficiary.objects.visible_to(alice).order_by("-created_at", "-pk")[:26]
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "benef_created_idx" in plan
