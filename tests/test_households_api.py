"""Households through the API: read-only, scoped like beneficiaries (a foreign
household is 404), and the beneficiary shows its household and relationship."""

from __future__ import annotations

import pytest
from django.test import Client

from api.testing import client_for, error_of
from cases.factories import BeneficiaryFactory
from cases.testing import fast_password_hashing_fixture  # noqa: F401
from households.models import Relationship
from households.services import join_household

pytestmark = pytest.mark.django_db

KK = "6472012003150007"
BALIKPAPAN_KK = "6471021201190001"


@pytest.fixture
def family(orgs, alice, bob):  # type: ignore[no-untyped-def]
    head = BeneficiaryFactory(registered_by_org=orgs["samarinda"])
    wife = BeneficiaryFactory(registered_by_org=orgs["samarinda"])
    far = BeneficiaryFactory(registered_by_org=orgs["balikpapan"])
    member = join_household(
        head, KK, Relationship.HEAD, actor=alice, dtsen=True, desil=3, aid=["pkh", "blt"]
    )
    join_household(wife, KK, Relationship.WIFE, actor=alice)
    join_household(far, KK, Relationship.OTHER_RELATIVE, actor=alice)
    assert member is not None
    foreign = join_household(
        BeneficiaryFactory(registered_by_org=orgs["balikpapan"]), BALIKPAPAN_KK, actor=bob
    )
    assert foreign is not None
    return member.household, foreign.household, head, wife, far


def test_an_office_reads_its_household_with_dtsen_desil_aid_and_members(orgs, family):
    household, _foreign, head, wife, _far = family
    response = client_for(orgs["samarinda"]).get(f"/api/v1/households/{household.pk}/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["no_kk"] == KK
    assert (body["in_dtsen"], body["desil"], body["aid"]) == (True, 3, ["pkh", "blt"])
    assert body["head"] == head.pk
    assert body["regency"] == "64.72"
    assert body["members"] == [
        {"beneficiary": head.pk, "relationship": "kepala"},
        {"beneficiary": wife.pk, "relationship": "istri"},
        {"beneficiary": None, "relationship": "famili_lain"},  # of another regency
    ]


def test_a_foreign_household_answers_404(orgs, family):
    _household, foreign, *_ = family
    response = client_for(orgs["samarinda"]).get(f"/api/v1/households/{foreign.pk}/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_the_list_holds_only_households_with_a_member_in_reach(orgs, family):
    household, foreign, *_ = family
    ids = {
        row["id"]
        for row in client_for(orgs["samarinda"]).get("/api/v1/households/").json()["results"]
    }
    assert ids == {household.pk}
    # Balikpapan sees both: the shared KK has one of its people in it
    ids = {
        row["id"]
        for row in client_for(orgs["balikpapan"]).get("/api/v1/households/").json()["results"]
    }
    assert ids == {household.pk, foreign.pk}
    one = client_for(orgs["samarinda"]).get("/api/v1/households/", {"no_kk": "6472 0120 0315 0007"})
    assert [row["id"] for row in one.json()["results"]] == [household.pk]


def test_a_partner_agency_gets_403_and_no_key_401(orgs, family):
    household, *_ = family
    assert client_for(orgs["rsud"]).get(f"/api/v1/households/{household.pk}/").status_code == 403
    assert Client().get("/api/v1/households/").status_code == 401


def test_the_beneficiary_shows_its_household_and_relationship(orgs, family):
    household, _foreign, _head, wife, _far = family
    client = client_for(orgs["samarinda"])
    detail = client.get(f"/api/v1/beneficiaries/{wife.pk}/").json()
    assert (detail["household"], detail["household_relationship"]) == (household.pk, "istri")
    rows = {row["id"]: row for row in client.get("/api/v1/beneficiaries/").json()["results"]}
    assert rows[wife.pk]["household"] == household.pk
    alone = BeneficiaryFactory(registered_by_org=orgs["samarinda"])
    detail = client.get(f"/api/v1/beneficiaries/{alone.pk}/").json()
    assert (detail["household"], detail["household_relationship"]) == (None, None)
