"""Category and age must agree (issue 15; the rule table is cases/age_rules.py).

The clock is frozen: ages are counted on 03/12/2026, WITA.
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from api.testing import client_for
from cases.age_rules import category_age_problems
from cases.factories import BeneficiaryFactory, CaseFactory
from cases.models import Case, PmksCategory
from cases.services import opening
from cases.testing import fast_password_hashing_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 12, 3, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Makassar"))


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(TODAY, tick=False):
        yield


def born(years_ago: int, *, estimated: bool = False, org=None):
    """A person who turned `years_ago` yesterday."""
    birth = dt.date(2026 - years_ago, 12, 2)
    return BeneficiaryFactory(
        birth_date=birth,
        birth_date_estimated=estimated,
        **({"registered_by_org": org} if org else {}),
    )


def category(code: str) -> PmksCategory:
    return PmksCategory.objects.get(code=code)


@pytest.mark.parametrize(
    ("code", "age", "hard", "soft"),
    [
        ("PMKS02", 17, 0, 0),  # Anak Telantar at 17
        ("PMKS02", 18, 1, 0),  # an adult is no "anak": refused
        ("PMKS02", 4, 0, 1),  # a toddler: Anak Balita Telantar fits better
        ("PMKS01", 7, 0, 1),
        ("PMKS08", 60, 0, 0),  # Lanjut Usia Telantar from 60
        ("PMKS08", 59, 1, 0),
        ("PMKS11", 15, 0, 1),  # a child on the street: Anak Jalanan fits better
        ("PMKS23", 60, 0, 1),
        ("PMKS24", 30, 0, 0),  # Fakir Miskin: any age
    ],
)
def test_the_rule_table(db, code, age, hard, soft):
    found = category_age_problems(
        [category(code)],
        birth_date=dt.date(2026 - age, 12, 2),
        estimated=False,
        day=TODAY.date(),
    )
    assert (len(found[0]), len(found[1])) == (hard, soft)


def test_an_estimated_birth_date_only_warns(db):
    hard, soft = category_age_problems(
        [category("PMKS08")], birth_date=dt.date(1976, 1, 1), estimated=True, day=TODAY.date()
    )
    assert (hard, len(soft)) == ([], 1)


def test_the_age_counts_the_birthday_itself(db):
    # Born 03/12/1966: 60 today, so Lanjut Usia Telantar fits.
    assert category_age_problems(
        [category("PMKS08")], birth_date=dt.date(1966, 12, 3), estimated=False, day=TODAY.date()
    ) == ([], [])


def test_opening_a_lansia_case_for_a_younger_person_is_refused(orgs, alice):
    person = born(45, org=orgs["samarinda"])
    with pytest.raises(ValidationError) as error:
        opening.case_open(actor=alice, beneficiary=person, primary_category=category("PMKS08"))
    assert error.value.message_dict["primary_category"] == [
        "Kategori Lanjut Usia Telantar untuk usia 60 tahun ke atas; orang ini berusia 45."
    ]
    assert not Case.objects.exists()


def test_a_soft_mismatch_is_kept_once_confirmed(orgs, alice):
    person = born(15, org=orgs["samarinda"])
    with pytest.raises(ValidationError) as error:
        opening.case_open(actor=alice, beneficiary=person, primary_category=category("PMKS11"))
    assert "age_mismatch_confirmed" in error.value.message_dict
    case = opening.case_open(
        actor=alice,
        beneficiary=person,
        primary_category=category("PMKS11"),
        age_mismatch_confirmed=True,
    )
    assert case.primary_category.code == "PMKS11"


def test_the_case_page_refuses_and_then_warns(client, orgs, alice):
    client.force_login(alice)
    person = born(15, org=orgs["samarinda"])
    url = reverse("cases:case_create_for", args=[person.pk])
    refused = client.post(url, {"primary_category": category("PMKS08").pk, "priority": "normal"})
    assert "untuk usia 60 tahun ke atas; orang ini berusia 15" in refused.text
    warned = client.post(url, {"primary_category": category("PMKS11").pk, "priority": "normal"})
    assert 'data-testid="age-warning"' in warned.text
    assert "Periksa kembali kategori" in warned.text
    assert not Case.objects.exists()
    kept = client.post(
        url,
        {
            "primary_category": category("PMKS11").pk,
            "priority": "normal",
            "age_mismatch_confirmed": "on",
        },
    )
    assert kept.status_code == 302
    assert Case.objects.get().primary_category.code == "PMKS11"


def test_the_open_form_hides_the_confirmation_until_the_warning(client, orgs, alice):
    client.force_login(alice)
    person = born(30, org=orgs["samarinda"])
    page = client.get(reverse("cases:case_create_for", args=[person.pk]))
    assert "age_mismatch_confirmed" not in page.text


def test_changing_the_category_on_edit_is_checked(client, orgs, alice):
    client.force_login(alice)
    case = CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice, beneficiary=born(30))
    response = client.post(
        reverse("cases:case_edit", args=[case.pk]),
        {"primary_category": category("PMKS02").pk, "priority": "normal", "version": case.version},
    )
    assert "untuk usia sampai 17 tahun; orang ini berusia 30" in response.text
    case.refresh_from_db()
    assert case.primary_category.code == "PMKS11"


def test_an_edit_that_keeps_the_categories_is_not_checked_again(orgs, alice):
    # A child case whose person has grown up since: the priority may still change.
    case = CaseFactory(
        owner_org=orgs["samarinda"], beneficiary=born(19), primary_category=category("PMKS02")
    )
    opening.case_update(
        actor=alice, case=case, expected_version=case.version, data={"priority": "urgent"}
    )
    case.refresh_from_db()
    assert case.priority == "urgent"


def test_the_api_refuses_and_warns(orgs):
    api = client_for(orgs["samarinda"])
    person = born(15, org=orgs["samarinda"])
    hard = api.post(
        "/api/v1/cases/",
        {"beneficiary": person.pk, "primary_category": "PMKS08"},
        "application/json",
    )
    assert hard.status_code == 400
    assert "primary_category" in hard.json()["error"]["fields"]
    soft = api.post(
        "/api/v1/cases/",
        {"beneficiary": person.pk, "primary_category": "PMKS11"},
        "application/json",
    )
    assert soft.status_code == 400
    assert "age_mismatch_confirmed" in soft.json()["error"]["fields"]
    confirmed = api.post(
        "/api/v1/cases/",
        {"beneficiary": person.pk, "primary_category": "PMKS11", "age_mismatch_confirmed": True},
        "application/json",
    )
    assert confirmed.status_code == 201, confirmed.json()


def test_the_api_checks_a_category_change(orgs):
    api = client_for(orgs["samarinda"])
    case = CaseFactory(owner_org=orgs["samarinda"], beneficiary=born(30))
    etag = api.get(f"/api/v1/cases/{case.pk}/")["ETag"]
    response = api.patch(
        f"/api/v1/cases/{case.pk}/",
        {"primary_category": "PMKS04"},
        "application/json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 400
    assert "primary_category" in response.json()["error"]["fields"]
