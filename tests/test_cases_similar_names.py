"""The similar-name warning at registration tells the people apart (issue 15):
age, desa, masked NIK and No. KK, the office and date of the last case; its
buttons say what they do. A person the worker may not see shows only the office."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from cases.factories import BeneficiaryFactory, CaseFactory
from cases.models import Beneficiary
from cases.nik import mask_number
from cases.testing import fast_password_hashing_fixture  # noqa: F401
from regions.models import Region

pytestmark = pytest.mark.django_db

WITA = zoneinfo.ZoneInfo("Asia/Makassar")
NIK = "6472011701800007"
NO_KK = "6472012003150042"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(dt.datetime(2026, 12, 3, 10, 0, tzinfo=WITA), tick=False):
        yield


@pytest.fixture
def existing(orgs, amir):
    village = Region.objects.get(code="64.72.01.1001")
    person = BeneficiaryFactory(
        full_name="Rudi Hartono",
        sex="M",
        birth_date=dt.date(1980, 1, 17),
        nik=NIK,
        nik_absent_reason="",
        no_kk=NO_KK,
        region=village,
        registered_by_org=orgs["samarinda"],
    )
    CaseFactory(
        beneficiary=person,
        owner_org=orgs["samarinda"],
        opened_at=dt.datetime(2025, 3, 4, 9, 0, tzinfo=WITA),
    )
    CaseFactory(
        beneficiary=person,
        owner_org=orgs["samarinda"],
        opened_at=dt.datetime(2026, 8, 21, 9, 0, tzinfo=WITA),
    )
    return person


def register(client, regions, **overrides):
    data = {
        "nik_absent_reason": "street",
        "full_name": "Rudi Hartono",
        "sex": "M",
        "birth_date": "03/03/1981",
        "regency": regions["64.72"].pk,
        "legal_basis": "consent",
        "consent_note": "Ybs., lisan",
        **overrides,
    }
    return client.post(reverse("cases:beneficiary_register"), data)


def test_mask_number_keeps_the_regency_and_the_serial():
    assert mask_number(NIK) == "6472 •••• •••• 0007"
    assert mask_number("") == ""


def test_the_warning_tells_the_people_apart(client, alice, regions, existing):
    client.force_login(alice)
    response = register(client, regions)
    text = response.text
    assert 'data-testid="likely-matches"' in text
    assert "46 tahun" in text  # born 17/01/1980, on 03/12/2026
    assert "Rawa Makmur" in text  # the desa
    assert "6472 •••• •••• 0007" in text and NIK not in text
    assert "6472 •••• •••• 0042" in text and NO_KK not in text
    assert f"{existing.registered_by_org.name}, 21/08/2026" in text  # the last case, not the first
    assert "04/03/2025" not in text
    assert Beneficiary.objects.count() == 1


def test_each_button_says_what_it_does(client, alice, regions, existing):
    client.force_login(alice)
    text = register(client, regions).text
    assert "Daftarkan sebagai orang baru" in text
    assert "Buka data yang ada" in text
    assert reverse("cases:beneficiary_detail", args=[existing.pk]) in text
    assert ">Simpan<" not in text
    confirmed = register(client, regions, confirm_new="1")
    assert confirmed.status_code == 302
    assert Beneficiary.objects.count() == 2


def test_a_person_the_worker_may_not_see_shows_only_the_office(client, alice, regions, orgs):
    # Lives in Samarinda, registered by the Balikpapan office: alice may not see them.
    BeneficiaryFactory(
        full_name="Rudi Hartono",
        birth_date=dt.date(1980, 1, 17),
        nik=NIK,
        nik_absent_reason="",
        no_kk=NO_KK,
        region=regions["64.72"],
        regency=regions["64.72"],
        registered_by_org=orgs["balikpapan"],
    )
    client.force_login(alice)
    text = register(client, regions).text
    assert 'data-testid="likely-matches"' in text
    assert orgs["balikpapan"].name in text
    assert "•••• 0007" not in text and "•••• 0042" not in text
    assert "46 tahun" not in text
    assert 'data-testid="match-last-case"' not in text


def test_the_api_409_tells_the_people_apart_too(orgs, existing):
    from api.testing import client_for, error_of

    api = client_for(orgs["samarinda"])
    response = api.post(
        "/api/v1/beneficiaries/",
        {
            "nik_absent_reason": "street",
            "full_name": "Rudi Hartono",
            "sex": "M",
            "birth_date": "1981-03-03",
            "region": "64.72",
            "legal_basis": "public_task",
        },
        "application/json",
    )
    assert response.status_code == 409
    match = error_of(response)["details"]["matches"][0]["beneficiary"]
    assert (match["age"], match["place"]) == (46, "Rawa Makmur")
    assert (match["nik_masked"], match["no_kk_masked"]) == (
        "6472 •••• •••• 0007",
        "6472 •••• •••• 0042",
    )
    assert match["last_case"] == {"office": orgs["samarinda"].name, "opened_on": "2026-08-21"}
