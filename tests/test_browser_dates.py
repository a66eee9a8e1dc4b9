"""In an en-US Chromium (the usual office install) the registration's birth date
is shown and typed as dd/mm/yyyy, not the browser's mm/dd/yyyy (issue 15)."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from cases.models import Beneficiary
from cases.testing import fast_password_hashing_fixture  # noqa: F401
from conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def en_us_page(chromium, live_server):
    context = chromium.new_context(
        base_url=live_server.url, locale="en-US", timezone_id="America/New_York"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    page.wait_for_load_state("networkidle")
    context.close()


def test_the_birth_date_is_typed_day_first_in_an_en_us_browser(en_us_page, alice, regions):
    page = en_us_page
    login(page, "alice")
    page.goto(f"{page.base_url}/kasus/penerima/daftar/")
    birth_date = page.locator("#id_birth_date")
    expect(birth_date).to_have_attribute("type", "text")
    expect(birth_date).to_have_attribute("placeholder", "dd/mm/yyyy")
    expect(birth_date).to_have_attribute("inputmode", "numeric")

    page.select_option("#id_nik_absent_reason", "not_registered")
    page.fill("#id_full_name", "Rahmat Hidayat")
    page.select_option("#id_sex", "M")
    birth_date.fill("03/12/2016")
    expect(birth_date).to_have_value("03/12/2016")  # the browser keeps what was typed
    page.select_option("#id_legal_basis", "consent")
    page.fill("#id_consent_note", "Ybs., lisan")
    page.get_by_role("button", name="Simpan", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Buka kasus untuk Rahmat Hidayat")
    assert Beneficiary.objects.get().birth_date == dt.date(2016, 12, 3)  # 3 Dec, not 12 Mar

    # A month-first date is refused with the Indonesian message, the typed text kept.
    page.goto(f"{page.base_url}/kasus/penerima/daftar/")
    page.select_option("#id_nik_absent_reason", "not_registered")
    page.fill("#id_full_name", "Budi Santoso")
    page.select_option("#id_sex", "M")
    page.fill("#id_birth_date", "12/31/2016")
    page.select_option("#id_legal_basis", "consent")
    page.get_by_role("button", name="Simpan", exact=True).click()
    expect(page.get_by_text("Tulis tanggal sebagai dd/mm/yyyy")).to_be_visible()
    expect(page.locator("#id_birth_date")).to_have_value("12/31/2016")
