"""Referral journeys in Chromium: a transfer between regencies, and a service
referral declined by one agency, sent to another and completed."""

from __future__ import annotations

import re

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import Page, expect

from cases.models import Case
from conftest import login
from referrals.models import Referral
from referrals.testing import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def settle_at_the_end(page):
    """Let the page's last requests (the htmx notification badge) finish before the
    live server's database is flushed."""
    yield
    settle(page)


def settle(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1200)  # the badge loads 1 s after the page
    page.wait_for_load_state("networkidle")


def logout(page: Page) -> None:
    page.get_by_role("button", name="Keluar").click()
    page.wait_for_load_state()


def open_refer_page(page: Page, case: Case) -> None:
    """From the case page's "Rujuk" button when the cases pages exist, else directly."""
    try:
        case_url = reverse("cases:case_detail", args=[case.pk])
    except NoReverseMatch:
        case_url = None
    if case_url:
        page.goto(case_url)
        page.get_by_role("link", name="Rujuk", exact=True).click()
    else:
        page.goto(reverse("referrals:create", args=[case.pk]))
    expect(page.get_by_test_id("referral-form")).to_be_visible()


def fill_referral(page: Page, *, kind: str, to_org: str, service: str | None = None) -> None:
    form = page.get_by_test_id("referral-form")
    form.get_by_label("Pemindahan kasus" if kind == "transfer" else "Rujukan layanan").check()
    form.get_by_label("Organisasi tujuan").select_option(label=to_org)
    if service:
        form.get_by_label("Layanan yang diminta").select_option(label=service)
    form.get_by_label("Urgensi").select_option("high")
    form.get_by_label("Alasan rujukan").fill("Keluarga pindah dan butuh pendampingan lanjutan.")
    form.get_by_label("Ringkasan yang dibagikan kepada penerima").fill(
        "Ibu tunggal, dua anak, kehilangan tempat tinggal."
    )
    form.get_by_label("Dasar berbagi data pribadi (UU PDP)").select_option("consent")
    form.get_by_label("Keterangan persetujuan").fill("Persetujuan tertulis, 2 Maret.")
    form.get_by_role("button", name="Kirim rujukan").click()
    page.wait_for_load_state()


def open_from_inbox(page: Page, number: str) -> None:
    page.goto(reverse("referrals:inbox"))
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)


def test_a_samarinda_caseworker_transfers_a_case_to_balikpapan(page, orgs, alice, bob):
    case = make_case(orgs["samarinda"], assigned_to=alice)

    login(page, "alice")
    open_refer_page(page, case)
    fill_referral(page, kind="transfer", to_org="Dinas Sosial Kota Balikpapan")
    expect(page.get_by_test_id("referral-status")).to_have_text("Menunggu keputusan")
    settle(page)
    referral = Referral.objects.get(case=case)
    assert referral.kind == "transfer"
    logout(page)

    login(page, "bob")
    open_from_inbox(page, referral.number)
    expect(page.get_by_test_id("shared-summary")).to_contain_text("Ibu tunggal")
    page.get_by_test_id("accept-form").get_by_role("button", name="Terima").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("Diterima")
    settle(page)
    case.refresh_from_db()
    assert case.owner_org == orgs["balikpapan"]
    assert case.assigned_to == bob
    # bob now owns the case: its page opens for him (when the cases pages exist)
    try:
        case_url = reverse("cases:case_detail", args=[case.pk])
    except NoReverseMatch:
        return
    response = page.goto(case_url)
    assert response is not None and response.status == 200


def test_a_service_referral_is_declined_sent_elsewhere_and_completed(
    page, orgs, alice, agnes, adam
):
    case = make_case(orgs["samarinda"], assigned_to=alice)

    login(page, "alice")
    open_refer_page(page, case)
    fill_referral(
        page, kind="service", to_org="UPTD PPA Kota Balikpapan", service="Dukungan psikososial"
    )
    settle(page)
    first = Referral.objects.get(case=case)
    logout(page)

    login(page, "adam")
    open_from_inbox(page, first.number)
    decline = page.get_by_test_id("decline-form")
    decline.get_by_label("Alasan penolakan").fill("Di luar wilayah layanan kami.")
    decline.get_by_role("button", name="Tolak").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("Ditolak")
    expect(page.get_by_test_id("decision-reason")).to_have_text("Di luar wilayah layanan kami.")
    logout(page)

    login(page, "alice")
    page.goto(reverse("referrals:detail", args=[first.pk]))
    expect(page.get_by_test_id("decision-reason")).to_have_text("Di luar wilayah layanan kami.")
    open_refer_page(page, case)
    fill_referral(
        page,
        kind="service",
        to_org="RSUD Abdul Wahab Sjahranie",
        service="Akses layanan kesehatan (termasuk pendaftaran BPJS PBI)",
    )
    settle(page)
    second = Referral.objects.exclude(pk=first.pk).get(case=case)
    logout(page)

    login(page, "agnes")
    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    open_from_inbox(page, second.number)
    thread = page.get_by_test_id("thread")
    page.get_by_label("Pesan").fill("Pasien kami tunggu Senin pagi.")
    page.get_by_role("button", name="Kirim pesan").click()
    expect(thread).to_contain_text("Pasien kami tunggu Senin pagi.")  # appended by htmx
    expect(page.get_by_label("Pesan")).to_have_value("")  # reset by static/js/app.js
    page.get_by_test_id("accept-form").get_by_role("button", name="Terima").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("Diterima")
    complete = page.get_by_test_id("complete-form")
    complete.get_by_label("Hasil layanan").fill("Konsultasi jiwa selesai, kontrol bulanan.")
    complete.get_by_role("button", name="Selesaikan").click()
    expect(page.get_by_test_id("referral-status")).to_have_text("Selesai")
    logout(page)

    login(page, "alice")
    page.goto(reverse("referrals:outbox"))
    row = page.get_by_test_id("referral-table").get_by_role("row").filter(has_text=second.number)
    expect(row).to_contain_text("Selesai")
    page.get_by_role("link", name=second.number).click()
    expect(page.get_by_test_id("outcome")).to_have_text("Konsultasi jiwa selesai, kontrol bulanan.")
    expect(page.get_by_test_id("thread")).to_contain_text("Pasien kami tunggu Senin pagi.")
    page.get_by_test_id("letter-link").click()
    expect(page.get_by_test_id("letter-number")).to_have_text(second.number)
    assert re.search(r"SURAT RUJUKAN", page.content())
