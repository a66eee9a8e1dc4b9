"""Households through registration, editing, the offline sync, the beneficiary page
and the searches: the person joins the household of their No. KK."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from cases.factories import BeneficiaryFactory, CaseFactory
from cases.services import registration
from cases.testing import (  # noqa: F401
    fast_password_hashing_fixture,
    make_nik,
    person_data,
    registration_form_data,
)
from households.models import Household, HouseholdMember, Relationship
from households.services import join_household

pytestmark = pytest.mark.django_db

KK = "6472012003150007"
OTHER_KK = "6472011505200003"


def _register(alice, regions, serial, **overrides):  # type: ignore[no-untyped-def]
    data = person_data(
        regions, nik=make_nik(female=True, serial=serial), full_name=f"Orang {serial}", **overrides
    )
    return registration.beneficiary_register(actor=alice, data=data, confirm_new=True)


def test_a_person_registered_with_a_kk_creates_its_household_and_heads_it(alice, regions):
    person = _register(alice, regions, 1, no_kk="6472 0120 0315 0007")
    membership = HouseholdMember.objects.select_related("household").get(beneficiary=person)
    assert membership.household.no_kk == KK
    assert membership.relationship == Relationship.HEAD
    assert membership.household.head == person
    assert membership.household.registered_by_org == alice.organization
    assert membership.household.address == "Jl. Pahlawan No. 3"


def test_the_next_person_with_the_same_kk_joins_that_household(alice, regions):
    first = _register(alice, regions, 1, no_kk=KK)
    second = _register(alice, regions, 2, no_kk=KK)
    household = Household.objects.get()
    assert set(household.members.values_list("beneficiary", flat=True)) == {first.pk, second.pk}


def test_a_person_registered_without_a_kk_has_no_household(alice, regions):
    _register(alice, regions, 1)
    assert not Household.objects.exists()


def test_editing_the_kk_moves_the_person_and_clearing_it_leaves(alice, regions):
    _register(alice, regions, 1, no_kk=KK)
    person = _register(alice, regions, 2, no_kk=KK)
    data = person_data(regions, nik=person.nik, full_name=person.full_name, no_kk=OTHER_KK)
    person = registration.beneficiary_update(
        actor=alice, beneficiary=person, expected_version=person.version, data=data
    )
    assert HouseholdMember.objects.get(beneficiary=person).household.no_kk == OTHER_KK
    assert Household.objects.get(no_kk=KK).members.count() == 1
    data["no_kk"] = ""
    registration.beneficiary_update(
        actor=alice, beneficiary=person, expected_version=person.version, data=data
    )
    assert not HouseholdMember.objects.filter(beneficiary=person).exists()
    assert not Household.objects.filter(no_kk=OTHER_KK).exists()


def test_a_person_registered_offline_joins_the_household_too(alice, regions):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.cookies["csrftoken"] = "a" * 32
    record = {
        "uuid": str(uuid.uuid4()),
        "kind": "beneficiary",
        "data": registration_form_data(regions, no_kk=KK),
    }
    response = client.post(
        "/luring/kirim/",
        json.dumps(record),
        content_type="application/json",
        headers={"X-CSRFToken": "a" * 32},
    )
    assert response.status_code == 201, response.content
    membership = HouseholdMember.objects.get(beneficiary_id=response.json()["id"])
    assert membership.household.no_kk == KK


# --- the beneficiary page --------------------------------------------------------------


@pytest.fixture
def family(orgs, alice):  # type: ignore[no-untyped-def]
    samarinda = orgs["samarinda"]
    head = BeneficiaryFactory(registered_by_org=samarinda, full_name="Bapak Kepala")
    child = BeneficiaryFactory(
        registered_by_org=samarinda, full_name="Anak Satu", birth_date=dt.date(2015, 1, 2)
    )
    far = BeneficiaryFactory(registered_by_org=orgs["balikpapan"], full_name="Kakak Jauh")
    join_household(head, KK, Relationship.HEAD, actor=alice, dtsen=True, desil=2, aid=["pkh"])
    join_household(child, KK, Relationship.CHILD, actor=alice)
    join_household(far, KK, Relationship.OTHER_RELATIVE, actor=alice)
    return head, child, far


def test_the_page_shows_the_household_its_dtsen_desil_aid_and_the_members(client, alice, family):
    head, child, far = family
    client.force_login(alice)
    text = client.get(reverse("cases:beneficiary_detail", args=[head.pk])).text
    assert 'data-testid="household"' in text
    assert KK in text  # in full, as the page shows the person's own No. KK
    assert "Kepala keluarga" in text
    assert "Terdaftar, desil 2" in text
    assert "PKH (Program Keluarga Harapan)" in text
    assert reverse("cases:beneficiary_detail", args=[child.pk]) in text
    assert "Anak Satu" in text and ">Anak<" in text


def test_a_member_the_viewer_may_not_see_is_listed_without_name_or_link(client, alice, family):
    head, _child, far = family
    client.force_login(alice)
    text = client.get(reverse("cases:beneficiary_detail", args=[head.pk])).text
    assert "Kakak Jauh" not in text
    assert reverse("cases:beneficiary_detail", args=[far.pk]) not in text
    assert text.count('data-testid="household-hidden"') == 1
    assert "Famili lain" in text


def test_the_page_of_a_person_without_household_row_keeps_the_same_kk_list(client, alice, orgs):
    person = BeneficiaryFactory(registered_by_org=orgs["samarinda"], no_kk=KK)
    BeneficiaryFactory(full_name="Anak Dua", registered_by_org=orgs["samarinda"], no_kk=KK)
    client.force_login(alice)
    text = client.get(reverse("cases:beneficiary_detail", args=[person.pk])).text
    assert 'data-testid="household"' not in text
    assert "Anak Dua" in text


# --- searches ---------------------------------------------------------------------------


def test_the_person_search_by_kk_finds_the_households_members(client, alice, family):
    head, child, far = family
    BeneficiaryFactory(registered_by_org=head.registered_by_org, full_name="Orang Lain")
    client.force_login(alice)
    page = client.get(reverse("cases:beneficiary_list"), {"q": "6472 0120 0315 0007"})
    names = {person.full_name for person in page.context["page"].rows}
    assert names == {"Bapak Kepala", "Anak Satu"}  # not the one of another regency


def test_the_case_search_by_kk_finds_the_cases_of_the_households_members(client, alice, family):
    head, child, _far = family
    mine = CaseFactory(owner_org=alice.organization, beneficiary=child)
    CaseFactory(owner_org=alice.organization)
    client.force_login(alice)
    rows = client.get(reverse("cases:case_list"), {"q": KK}).context["page"].rows
    assert [row.pk for row in rows] == [mine.pk]


def test_the_nik_search_still_finds_the_person(client, alice, orgs):
    person = BeneficiaryFactory(registered_by_org=orgs["samarinda"], nik=make_nik(serial=9))
    client.force_login(alice)
    page = client.get(reverse("cases:beneficiary_list"), {"q": person.nik})
    assert [p.pk for p in page.context["page"].rows] == [person.pk]


# --- demo data ---------------------------------------------------------------------------


def test_the_demo_family_is_one_household_with_its_head_children_dtsen_and_aid(settings):
    from demo.cases import seed_cases
    from demo.organizations import seed_organizations

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    seed_organizations()
    seed_cases()
    household = Household.objects.get()
    relationships = sorted(household.members.values_list("relationship", flat=True))
    assert relationships == [Relationship.CHILD, Relationship.CHILD, Relationship.HEAD]
    assert (household.in_dtsen, household.desil, household.aid) == (True, 2, ["pkh", "pbi_jk"])
    assert household.head is not None and household.head.sex == "F"
