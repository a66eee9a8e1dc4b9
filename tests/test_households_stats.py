"""Households reached (distinct households with a case) in the statistics: the
summary table, the dashboards' headline and table, the API summary."""

from __future__ import annotations

import pytest
from django.utils import timezone

from cases.factories import BeneficiaryFactory, CaseFactory
from cases.testing import fast_password_hashing_fixture  # noqa: F401
from households.models import Relationship
from households.services import join_household
from stats.models import HouseholdReach
from stats.rollup import rebuild
from stats.selectors import summary_for

pytestmark = pytest.mark.django_db

KK = "6472012003150007"
BALIKPAPAN_KK = "6471021201190001"
QUIET_KK = "6472011505200003"


@pytest.fixture
def reached(orgs, alice, bob):  # type: ignore[no-untyped-def]
    samarinda, balikpapan = orgs["samarinda"], orgs["balikpapan"]
    mother, child, grandma = (BeneficiaryFactory(registered_by_org=samarinda) for _ in range(3))
    join_household(mother, KK, Relationship.HEAD, actor=alice, dtsen=True, desil=1, aid=["pkh"])
    join_household(child, KK, Relationship.CHILD, actor=alice)
    join_household(grandma, KK, Relationship.PARENT, actor=alice)
    # two cases in the household (one closed) and one in Balikpapan: one household
    CaseFactory(owner_org=samarinda, beneficiary=mother)
    CaseFactory(owner_org=samarinda, beneficiary=child, status="closed", closed_at=timezone.now())
    CaseFactory(owner_org=balikpapan, beneficiary=grandma)
    far = BeneficiaryFactory(registered_by_org=balikpapan)
    join_household(far, BALIKPAPAN_KK, actor=bob, aid=["bpnt", "blt"])
    CaseFactory(owner_org=balikpapan, beneficiary=far, status="closed", closed_at=timezone.now())
    quiet = BeneficiaryFactory(registered_by_org=samarinda)
    join_household(quiet, QUIET_KK, actor=alice)  # a household without a case
    CaseFactory(owner_org=samarinda)  # a case of a person without a household
    rebuild(trigger="test")


def _row(level, regency=None):  # type: ignore[no-untyped-def]
    row = HouseholdReach.objects.get(level=level, regency=regency, district=None)
    return (
        row.reached_total,
        row.open_total,
        row.in_dtsen_total,
        row.pkh_total,
        row.bpnt_total,
        row.pbi_jk_total,
        row.blt_total,
    )


def test_each_household_with_a_case_is_counted_once_per_level(regions, reached):
    assert _row("province") == (2, 1, 1, 1, 1, 0, 1)
    assert _row("regency", regions["64.72"]) == (1, 1, 1, 1, 0, 0, 0)
    # the Samarinda household has a case owned in Balikpapan too: reached there as well
    assert _row("regency", regions["64.71"]) == (2, 1, 1, 1, 1, 0, 1)


def test_the_province_dashboard_shows_the_households_reached(client, prov, reached):
    client.force_login(prov)
    response = client.get("/statistik/provinsi/")
    text = response.content.decode()
    assert 'data-testid="headline-households_reached"' in text
    assert response.context["summary"]["headline"]["households_reached"] == 2
    table = next(t for t in response.context["summary"]["tables"] if t["key"] == "households")
    by_code = {row[0]: row[2:] for row in table["rows"]}
    assert by_code["64.72"] == [1, 1, 1, 1, 0, 0, 0]
    assert by_code["64.71"] == [2, 1, 1, 1, 1, 0, 1]
    assert sum(row[2] for row in table["rows"]) == 3  # areas overlap; the headline does not


def test_a_regency_dashboard_counts_its_own_households(sari, regions, reached):
    summary = summary_for(sari)
    assert summary["headline"]["households_reached"] == 1


def test_the_api_summary_carries_the_households_reached(orgs, reached):
    from api.testing import issue_key, key_client

    _key, clear = issue_key(orgs["province"])
    body = key_client(clear).get("/api/v1/stats/summary/").json()
    assert body["headline"]["households_reached"] == 2
