"""Dates are typed and shown as dd/mm/yyyy, in WITA, in both languages (issue 15).

A browser's <input type="date"> follows the browser's locale (mm/dd/yyyy in an
en-US Chromium), so date fields are text inputs read by pmks/dates.py; the
display formats are pmks/formats/<lang>/formats.py.
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from api.forms import KeyCreateForm
from cases.factories import BeneficiaryFactory, CaseFactory
from cases.filters import CaseFilter
from cases.forms import BeneficiaryForm, ServiceForm
from cases.models import Case
from cases.testing import fast_password_hashing_fixture  # noqa: F401
from pmks.dates import parse_day_month_year

pytestmark = pytest.mark.django_db

WITA = zoneinfo.ZoneInfo("Asia/Makassar")
INDONESIAN_ERROR = "Tanggal tidak valid. Tulis tanggal sebagai dd/mm/yyyy, misalnya 03/12/2026."
ENGLISH_ERROR = "Invalid date. Write the date as dd/mm/yyyy, for example 03/12/2026."


def registration(regions, birth_date: str) -> BeneficiaryForm:
    return BeneficiaryForm(
        {
            "full_name": "Siti Rahmawati",
            "sex": "F",
            "birth_date": birth_date,
            "regency": regions["64.72"].pk,
            "legal_basis": "consent",
        }
    )


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_registration_form_reads_day_month_year(regions, language):
    with translation.override(language):
        form = registration(regions, "03/12/2026")
        assert form.is_valid(), form.errors
    assert form.cleaned_data["birth_date"] == dt.date(2026, 12, 3)  # 3 December, not 12 March


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_month_first_date_is_refused_in_the_users_language(regions, language):
    with translation.override(language):
        form = registration(regions, "12/31/2026")
        assert not form.is_valid()
        expected = INDONESIAN_ERROR if language == "id" else ENGLISH_ERROR
        assert form.errors["birth_date"] == [expected]


def test_iso_dates_still_work_for_old_clients(regions):
    form = registration(regions, "2026-12-03")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["birth_date"] == dt.date(2026, 12, 3)


def test_every_date_field_is_a_text_input_for_day_month_year(orgs, alice):
    fields = [
        BeneficiaryForm()["birth_date"],
        ServiceForm()["start_date"],
        ServiceForm()["end_date"],
        CaseFilter({}, queryset=Case.objects.none(), request=None).form["opened_after"],
        KeyCreateForm(organization=orgs["samarinda"])["expiry"],
    ]
    for field in fields:
        html = str(field)
        assert 'type="text"' in html, html
        assert 'type="date"' not in html
        assert 'inputmode="numeric"' in html
        assert 'placeholder="dd/mm/yyyy"' in html


def test_the_service_and_filter_fields_read_day_month_year(orgs):
    service = ServiceForm(
        {"service_type": "", "start_date": "03/12/2026", "end_date": "31/12/2026"}
    )
    service.is_valid()
    assert service.cleaned_data["start_date"] == dt.date(2026, 12, 3)
    assert service.cleaned_data["end_date"] == dt.date(2026, 12, 31)
    bad = ServiceForm({"start_date": "12/31/2026"})
    bad.is_valid()
    assert bad.errors["start_date"] == [INDONESIAN_ERROR]
    filters = CaseFilter({"opened_after": "03/12/2026"}, queryset=Case.objects.none())
    filters.form.is_valid()
    assert filters.form.cleaned_data["opened_after"] == dt.date(2026, 12, 3)


def test_the_live_nik_check_compares_a_typed_day_month_year(client, alice):
    client.force_login(alice)
    nik = "6472015705900003"  # a woman born 17/05/1990
    same = client.get(reverse("cases:nik_check"), {"nik": nik, "birth_date": "17/05/1990"})
    other = client.get(reverse("cases:nik_check"), {"nik": nik, "birth_date": "18/05/1990"})
    assert "Tidak sesuai" not in same.text
    assert "Tidak sesuai" in other.text


def test_parse_day_month_year():
    assert parse_day_month_year("3/12/2026") == dt.date(2026, 12, 3)
    assert parse_day_month_year("2026-12-03") == dt.date(2026, 12, 3)
    assert parse_day_month_year("31/02/2026") is None
    assert parse_day_month_year("") is None


@pytest.mark.parametrize("language", ["id", "en"])
def test_pages_show_day_month_year_and_times_in_wita(client, alice, orgs, language):
    # 23:30 UTC on 2 December is 07:30 WITA on 3 December.
    with time_machine.travel(dt.datetime(2026, 12, 2, 23, 30, tzinfo=dt.UTC), tick=False):
        person = BeneficiaryFactory(birth_date=dt.date(1990, 5, 7))
        case = CaseFactory(
            beneficiary=person,
            owner_org=orgs["samarinda"],
            assigned_to=alice,
            opened_at=dt.datetime(2026, 12, 3, 7, 30, tzinfo=WITA),
        )
    client.force_login(alice)
    client.cookies["django_language"] = language
    detail = client.get(reverse("cases:case_detail", args=[case.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert "03/12/2026 07:30 WITA" in detail.text
    listing = client.get(reverse("cases:case_list"), HTTP_ACCEPT_LANGUAGE=language)
    assert "03/12/2026" in listing.text
    person_page = client.get(reverse("cases:beneficiary_detail", args=[person.pk]))
    assert "07/05/1990" in person_page.text
    assert "12/03/2026" not in detail.text + listing.text
