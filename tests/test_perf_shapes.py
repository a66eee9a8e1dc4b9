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
