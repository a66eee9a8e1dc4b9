"""A caseworker's day in Chromium: register a person (valid NIK), be stopped by a
duplicate NIK, open a case, record an assessment and a service, request closure;
the office supervisor approves it."""

import re

import pytest
from playwright.sync_api import expect

from cases.models import Beneficiary, Case, CaseStatus
from cases.testing import fast_password_hashing_fixture, make_nik  # noqa: F401
from conftest import login
from regions.models import Region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NIK = make_nik(female=True)  # 17 May 1990, a woman, Palaran


def register(page, *, name: str) -> None:
    page.goto(f"{page.base_url}/kasus/penerima/daftar/")
    page.fill("#id_nik", NIK)
    page.fill("#id_full_name", name)
    page.select_option("#id_legal_basis", "consent")
    page.fill("#id_consent_note", "Ybs., lisan, di kantor")


@pytest.fixture
def kecamatan(regions):
    Region.objects.get(code="64.72.01")
    Region.objects.get(code="64.72.01.1001")
    Region.objects.get(code="64.71.01")


def test_a_caseworker_works_a_case_to_closure_and_the_supervisor_approves(
    page, alice, sari, kecamatan
):
    login(page, "alice")

    # Register: sex and birth date are left to the NIK, which the page reads live;
    # the kecamatan and desa lists follow the chosen kabupaten/kota.
    register(page, name="Siti Rahmawati")
    page.select_option("#id_regency", label="Kota Balikpapan")
    expect(page.locator("#id_district")).to_contain_text("Balikpapan Timur")
    page.select_option("#id_regency", label="Kota Samarinda")
    expect(page.locator("#id_district")).to_contain_text("Palaran")
    page.select_option("#id_district", label="Palaran")
    expect(page.locator("#id_village")).to_contain_text("Rawa Makmur")
    page.select_option("#id_village", label="Rawa Makmur")
    expect(page.get_by_test_id("nik-info")).to_contain_text("perempuan, lahir 17/05/1990")
    page.get_by_role("button", name="Simpan", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Buka kasus untuk Siti Rahmawati")
    person = Beneficiary.objects.get(nik=NIK)
    assert (person.sex, str(person.birth_date)) == ("F", "1990-05-17")
    assert (person.region.name, person.district.name) == ("Rawa Makmur", "Palaran")

    # The same NIK again: stopped, with a link to the person.
    register(page, name="Siti R.")
    expect(page.get_by_test_id("nik-duplicate")).to_be_visible()  # live, before saving
    page.get_by_role("button", name="Simpan", exact=True).click()
    duplicate = page.get_by_test_id("nik-duplicate")
    expect(duplicate).to_contain_text("NIK ini sudah terdaftar")
    duplicate.get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text("Siti Rahmawati")
    assert Beneficiary.objects.count() == 1

    # Open a case from the person's page.
    page.get_by_role("link", name="Buka kasus").click()
    page.select_option("#id_primary_category", label="Perempuan Rawan Sosial Ekonomi")
    page.fill("#id_summary", "Ditinggal suami, tanpa penghasilan.")
    page.get_by_role("button", name="Buka kasus").click()
    expect(page.locator("h1")).to_contain_text("Kasus")
    case = Case.objects.get()
    expect(page.locator("#case-status")).to_contain_text("Baru dibuka")

    # Assessment.
    page.locator("#assessment-form summary").click()
    page.get_by_label("Tempat tinggal/shelter").check()
    page.get_by_label("Pekerjaan").check()
    page.locator("#assessment-form").get_by_label("Tinggi").check()
    page.get_by_role("button", name="Simpan asesmen").click()
    expect(page.locator("#case-status")).to_contain_text("Asesmen")
    expect(page.locator("#assessments")).to_contain_text("Tempat tinggal/shelter, Pekerjaan")

    # A service.
    page.locator("#service-form summary").click()
    page.select_option("#id_service-service_type", label="Tempat tinggal sementara (shelter)")
    page.select_option("#id_service-status", "ongoing")
    page.get_by_role("button", name="Simpan layanan").click()
    expect(page.locator("#services")).to_contain_text("Tempat tinggal sementara (shelter)")
    expect(page.get_by_test_id("timeline")).to_contain_text("Berjalan")

    # Request closure (in place, through htmx).
    page.locator("#case-status summary", has_text="Ajukan penutupan").click()
    page.locator("#case-status select[name=closure_reason]").select_option("goals_met")
    page.locator("#case-status textarea[name=reason]").fill(
        "Sudah bekerja dan punya tempat tinggal"
    )
    page.locator("#case-status button", has_text="Ajukan penutupan").click()
    expect(page.locator("#case-status")).to_contain_text("Menunggu persetujuan penutupan")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSURE_REQUESTED

    # The supervisor approves from the queue.
    page.get_by_role("button", name="Keluar").click()
    login(page, "sari")
    expect(page.get_by_test_id("pending-count")).to_have_text("1")
    page.get_by_role("link", name="Buka antrean persetujuan").click()
    row = page.get_by_test_id("approval-table").locator("tr", has_text=case.number)
    expect(row).to_contain_text("Sudah bekerja dan punya tempat tinggal")
    row.get_by_role("button", name="Setujui").click()
    expect(page.locator(".messages")).to_contain_text(re.compile(r"Ditutup"))
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.closed_at is not None
