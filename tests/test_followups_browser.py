"""In real Chromium: Tugas saya and the case page with follow-ups pass axe (no
serious or critical finding) at a phone's width without a CSP violation, a
follow-up is done in one step, and the "Ambil lokasi" button fills the visit's
location from the browser's geolocation only when pressed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import login
from followups.models import FollowUp, Visit
from referrals.testing import make_case
from tests.test_browser_a11y import AXE, PHONE, problems_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def case(orgs, alice):
    case = make_case(orgs["samarinda"], assigned_to=alice)
    today = timezone.localdate()
    for days in (-2, 0, 3):
        FollowUp.objects.create(
            case=case, kind="home_visit", due_date=today + dt.timedelta(days=days), assignee=alice
        )
    return case


def test_tugas_saya_and_the_case_page_pass_axe_on_a_phone(page, case, alice):
    page.set_viewport_size(PHONE)
    page.add_init_script(path=str(AXE))  # before the page's own scripts, on every load
    login(page, "alice")
    for url in (
        reverse("followups:my_work"),
        reverse("cases:case_detail", args=[case.pk]),
        reverse("followups:visit_add", args=[case.pk]),
    ):
        page.goto(url)
        assert problems_at(page, "phone") == []


def test_done_in_one_step_from_tugas_saya(page, case, alice):
    login(page, "alice")
    page.goto(reverse("followups:my_work"))
    bucket = page.locator("[data-testid=bucket-overdue]")
    bucket.get_by_label("Hasil").fill("Rumah dikunjungi, ibu sehat.")
    bucket.get_by_role("button", name="Selesai").click()
    page.wait_for_load_state()
    assert "selesai" in page.locator(".messages, .message").first.inner_text().lower()
    done = FollowUp.objects.get(done_at__isnull=False)
    assert done.result == "Rumah dikunjungi, ibu sehat."


def test_the_location_is_taken_only_when_the_button_is_pressed(page, case, alice):
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": -0.5021061, "longitude": 117.1537094})
    login(page, "alice")
    page.goto(reverse("followups:visit_add", args=[case.pk]))
    form = page.locator("form[data-geolocation]")
    form.get_by_label("Tanggal kunjungan").fill("10/03/2026")
    form.get_by_label("Tempat").fill("Rumah")
    form.get_by_label("Orang yang ditemui").fill("Ibu Siti")
    assert form.locator("input[name='visit-latitude']").input_value() == ""
    form.get_by_role("button", name="Simpan kunjungan").click()
    page.wait_for_load_state()
    page.wait_for_function("() => document.querySelector('[data-testid=case-visits]')")
    first = Visit.objects.get()
    assert first.latitude is None  # never asked for: not pressed

    page.goto(reverse("followups:visit_add", args=[case.pk]))
    form = page.locator("form[data-geolocation]")
    form.get_by_label("Tanggal kunjungan").fill("11/03/2026")
    form.get_by_label("Tempat").fill("Balai desa")
    form.get_by_label("Orang yang ditemui").fill("Ibu Siti")
    form.get_by_role("button", name="Ambil lokasi").click()
    page.wait_for_function(
        "() => document.querySelector(\"input[name='visit-latitude']\").value !== ''"
    )
    form.get_by_role("button", name="Simpan kunjungan").click()
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=case-visits] li').length == 2"
    )
    second = Visit.objects.exclude(pk=first.pk).get()
    assert (second.latitude, second.longitude) == (Decimal("-0.502106"), Decimal("117.153709"))
    assert second.location_legal_basis == "consent"
