"""Offline capture in Chromium (issue 15): the service worker keeps the app shell,
the forms fill from the reference data cached in IndexedDB, records made with no
connection wait in the outbox and reach the server once when it returns. A record
shows "terkirim" only after the server's 201; a refused one keeps its data and
its Indonesian field errors for correction under the same UUID; a NIK already
registered is brought to the worker to decide."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from cases.factories import BeneficiaryFactory, CaseFactory
from cases.models import Assessment, Beneficiary, CaseEvent, EventKind
from cases.testing import fast_password_hashing_fixture, make_nik  # noqa: F401
from conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NIK = make_nik(female=True)  # 17 May 1990, a woman, Palaran (Kota Samarinda)
SENT = "terkirim"
PENDING = "menunggu dikirim"
DUPLICATE = "mungkin data ganda, perlu keputusan"
SYNC_WAIT = 20_000  # ms: a sync on a busy machine (the server's answer, IndexedDB)


WORKER_STATE = (
    "navigator.serviceWorker.getRegistration().then(r => r ? [location.href, r.installing && "
    "r.installing.state, r.waiting && r.waiting.state, r.active && r.active.state] : 'none')"
)


def wait_until(page: Page, expression: str, timeout: float = 30.0) -> None:
    """Poll a JS expression with page.evaluate (wait_for_function evaluates a string,
    which the pages' Content-Security-Policy forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            state = page.evaluate(WORKER_STATE)
            raise AssertionError(f"still false after {timeout} s: {expression} ({state})")
        page.wait_for_timeout(200)


def open_shell_online(page: Page) -> None:
    """Visit /luring/ with a connection: the worker installs and controls the page,
    the shell is cached and the reference data is in IndexedDB."""
    page.goto("/luring/")
    wait_until(page, "navigator.serviceWorker.ready.then(() => true)", timeout=40)
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        # The page's navigation began before the worker was active (it installed from
        # the page before): the next load is controlled.
        page.reload()
    wait_until(page, "navigator.serviceWorker.controller !== null")
    wait_until(
        page,
        "caches.keys().then(ks => Promise.all(ks.map(k => caches.open(k)"
        ".then(c => Promise.all([c.match('/luring/'), c.match('/luring/antrian/')])))))"
        ".then(all => all.some(pair => pair[0] && pair[1]))",
    )
    expect(page.locator("#id_b_district option", has_text="Palaran")).to_have_count(1)


def go_offline(page: Page) -> None:
    page.context.set_offline(True)
    page.reload()  # from the service worker's cache
    expect(page.locator("h1")).to_have_text("Kerja luring")
    expect(page.locator("#id_b_district option", has_text="Palaran")).to_have_count(1)


def fill_registration(page: Page, *, nik: str, name: str) -> None:
    form = page.locator("#form-beneficiary")
    form.locator("#id_b_nik").fill(nik)
    form.locator("#id_b_full_name").fill(name)
    form.locator("#id_b_district").select_option(label="Palaran")
    form.locator("#id_b_village").select_option(label="Rawa Makmur")
    form.locator("#id_b_legal_basis").select_option("consent")
    form.locator("#id_b_consent_note").fill("Ybs., lisan, di lapangan")
    form.get_by_role("button", name="Simpan ke antrian").click()
    expect(page.get_by_test_id("offline-notice")).to_contain_text("Tersimpan di antrian")


def outbox(page: Page) -> list[dict[str, Any]]:
    return page.evaluate("PMKSOffline.all()")  # type: ignore[no-any-return]


def queue_item(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("outbox-item")


def test_a_registration_made_offline_waits_through_reloads_and_arrives_once(page, alice):
    login(page, "alice")
    open_shell_online(page)
    go_offline(page)

    fill_registration(page, nik=NIK, name="Siti Rahmawati")
    page.reload()
    expect(page.get_by_test_id("pending-count")).to_have_text("1")
    page.goto("/luring/antrian/")  # offline: the cached queue page
    expect(queue_item(page)).to_contain_text("Siti Rahmawati")
    expect(queue_item(page).get_by_test_id("outbox-status")).to_have_text(PENDING)
    page.reload()
    expect(queue_item(page).get_by_test_id("outbox-status")).to_have_text(PENDING)
    assert not Beneficiary.objects.exists()

    # The connection returns: the `online` event sends the outbox.
    page.context.set_offline(False)
    expect(queue_item(page).get_by_test_id("outbox-status")).to_have_text(SENT, timeout=SYNC_WAIT)
    person = Beneficiary.objects.get(nik=NIK)
    assert (person.full_name, person.region.name) == ("Siti Rahmawati", "Rawa Makmur")
    [record] = outbox(page)
    assert record["status"] == "sent" and record["id"] == person.pk
    assert "data" not in record  # a sent record keeps no form data on the device
    page.goto("/")
    expect(page.get_by_role("link", name="Antrian kirim")).to_be_visible()
    expect(page.get_by_test_id("nav-pending-count")).to_have_count(0)


def test_a_record_whose_answer_was_lost_stays_pending_and_a_resend_makes_one_person(page, alice):
    login(page, "alice")
    open_shell_online(page)
    go_offline(page)
    fill_registration(page, nik=NIK, name="Siti Rahmawati")

    # The server gets the record and answers 201, but the answer never arrives.
    lost: list[int] = []

    def lose_the_answer(route: Route) -> None:
        response = route.fetch()
        lost.append(response.status)
        route.abort("internetdisconnected")

    page.route("**/luring/kirim/", lose_the_answer)
    page.context.set_offline(False)
    wait_until(page, "navigator.onLine")
    page.evaluate("PMKSOffline.syncNow()")
    assert lost and set(lost) == {201}  # each try reached the server; no answer came back
    assert Beneficiary.objects.filter(nik=NIK).count() == 1
    [record] = outbox(page)
    assert record["status"] == "pending"  # never "sent" without the server's answer

    # Two syncs at once, then another: the same UUID, one person.
    page.unroute("**/luring/kirim/")
    first, second = page.evaluate("Promise.all([PMKSOffline.syncNow(), PMKSOffline.syncNow()])")
    assert (first["sent"], second["sent"], second["pending"]) == (1, 0, 0)
    page.evaluate("PMKSOffline.syncNow()")
    [record] = outbox(page)
    assert record["status"] == "sent"
    assert Beneficiary.objects.filter(nik=NIK).count() == 1
    assert page.evaluate("PMKSOffline.pendingCount()") == 0


def test_an_assessment_and_a_note_made_offline_on_an_own_case_arrive_once(page, alice, orgs):
    case = CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice)
    login(page, "alice")
    open_shell_online(page)
    go_offline(page)

    assessment = page.locator("#form-assessment")
    assessment.locator("select[name=case]").select_option(str(case.pk))
    assessment.get_by_label("Pangan").check()
    assessment.get_by_label("Tinggi").check()
    assessment.get_by_role("button", name="Simpan asesmen ke antrian").click()
    expect(page.get_by_test_id("offline-notice")).to_contain_text("Tersimpan di antrian")
    note = page.locator("#form-note")
    note.locator("select[name=case]").select_option(str(case.pk))
    note.locator("textarea[name=text]").fill("Kunjungan rumah tanpa sinyal.")
    note.get_by_role("button", name="Simpan catatan ke antrian").click()
    expect(page.get_by_test_id("pending-count")).to_have_text("2")

    page.goto("/luring/antrian/")
    page.context.set_offline(False)
    expect(queue_item(page).get_by_test_id("outbox-status")).to_have_text(
        [SENT, SENT], timeout=SYNC_WAIT
    )
    page.evaluate("PMKSOffline.syncNow()")  # once more: nothing is sent twice
    [made] = Assessment.objects.filter(case=case)
    assert made.needs == ["food"] and made.risk_level == "high"
    notes = CaseEvent.objects.filter(case=case, kind=EventKind.NOTE)
    assert [event.text for event in notes] == ["Kunjungan rumah tanpa sinyal."]


def test_a_refused_record_keeps_its_data_and_is_corrected_under_the_same_uuid(page, alice):
    login(page, "alice")
    open_shell_online(page)
    go_offline(page)
    fill_registration(page, nik="64720112", name="Siti Rahmawati")
    [queued] = outbox(page)

    page.goto("/luring/antrian/")
    page.context.set_offline(False)
    item = queue_item(page)
    expect(item.get_by_test_id("outbox-status")).to_have_text(
        "ditolak, perlu diperbaiki", timeout=SYNC_WAIT
    )
    expect(item.get_by_test_id("outbox-errors")).to_contain_text("NIK: NIK harus 16 digit angka")
    assert not Beneficiary.objects.exists()

    item.get_by_role("link", name="Perbaiki").click()
    form = page.locator("#form-beneficiary")
    expect(form.locator("#id_b_full_name")).to_have_value("Siti Rahmawati")
    expect(form.locator("[data-field=nik] [data-field-errors]")).to_contain_text("16 digit")
    form.locator("#id_b_nik").fill(NIK)
    form.get_by_role("button", name="Simpan ke antrian").click()
    expect(page.get_by_test_id("pending-count")).to_have_text("0", timeout=SYNC_WAIT)
    page.goto("/luring/antrian/")
    expect(queue_item(page).get_by_test_id("outbox-status")).to_have_text(SENT, timeout=SYNC_WAIT)
    [record] = outbox(page)
    assert record["uuid"] == queued["uuid"]
    assert Beneficiary.objects.filter(nik=NIK).count() == 1


def test_a_nik_registered_meanwhile_is_brought_to_the_worker_and_linked(page, alice, orgs):
    login(page, "alice")
    open_shell_online(page)
    go_offline(page)
    fill_registration(page, nik=NIK, name="Siti R.")
    existing = BeneficiaryFactory(
        nik=NIK, full_name="Siti Rahmawati", registered_by_org=orgs["samarinda"]
    )

    page.goto("/luring/antrian/")
    page.context.set_offline(False)
    item = queue_item(page)
    expect(item.get_by_test_id("outbox-status")).to_have_text(DUPLICATE, timeout=SYNC_WAIT)
    matches = item.get_by_test_id("outbox-matches")
    expect(matches).to_contain_text("Siti Rahmawati")
    expect(matches).not_to_contain_text(NIK)  # masked
    matches.get_by_role("button", name="Buka data yang ada").click()
    expect(item.get_by_test_id("outbox-status")).to_contain_text(SENT, timeout=SYNC_WAIT)
    expect(item.get_by_role("link", name="Buka")).to_have_attribute(
        "href", f"/kasus/penerima/{existing.pk}/"
    )
    assert Beneficiary.objects.count() == 1
    [record] = outbox(page)
    assert (record["status"], record["id"]) == ("linked", existing.pk)


def test_two_workers_register_the_same_person_offline_one_person_one_decision_waiting(
    page, chromium, live_server, alice, amir
):
    from offline.models import SyncDecision

    other = chromium.new_context(base_url=live_server.url, locale="id-ID")
    other.set_default_timeout(15_000)
    second = other.new_page()
    second.base_url = live_server.url  # type: ignore[attr-defined]  # for conftest.login
    try:
        for worker, name in ((page, "alice"), (second, "amir")):
            login(worker, name)
            open_shell_online(worker)
            go_offline(worker)
            fill_registration(worker, nik=NIK, name="Siti Rahmawati")

        page.goto("/luring/antrian/")
        page.context.set_offline(False)
        expect(queue_item(page).get_by_test_id("outbox-status")).to_have_text(
            SENT, timeout=SYNC_WAIT
        )
        second.goto("/luring/antrian/")
        other.set_offline(False)
        item = queue_item(second)
        expect(item.get_by_test_id("outbox-status")).to_have_text(DUPLICATE, timeout=SYNC_WAIT)
        expect(item.get_by_test_id("outbox-matches")).to_contain_text("Siti Rahmawati")
        assert Beneficiary.objects.filter(nik=NIK).count() == 1
        waiting = SyncDecision.objects.filter(resolved_at=None)
        assert [decision.user for decision in waiting] == [amir]
    finally:
        other.close()


def edit_priority_offline(page: Page, case_pk: int, label: str) -> None:
    form = page.locator("#form-case_edit")
    form.locator("select[name=case]").select_option(str(case_pk))
    expect(form.locator("select[name=priority]")).to_have_value("normal")
    form.locator("select[name=priority]").select_option(label=label)
    form.get_by_role("button", name="Simpan perubahan ke antrian").click()
    expect(page.get_by_test_id("offline-notice")).to_contain_text("Tersimpan di antrian")


def test_two_devices_edit_the_same_field_offline_the_second_sync_shows_both_values(
    page, chromium, live_server, alice, orgs
):
    case = CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice, priority="normal")
    laptop_context = chromium.new_context(base_url=live_server.url, locale="id-ID")
    laptop_context.set_default_timeout(15_000)
    laptop = laptop_context.new_page()
    laptop.base_url = live_server.url  # type: ignore[attr-defined]  # for conftest.login
    try:
        for device, priority in ((page, "Tinggi"), (laptop, "Darurat")):
            login(device, "alice")
            open_shell_online(device)
            go_offline(device)
            edit_priority_offline(device, case.pk, priority)

        page.goto("/luring/antrian/")
        page.context.set_offline(False)
        expect(queue_item(page).get_by_test_id("outbox-status")).to_have_text(
            SENT, timeout=SYNC_WAIT
        )
        case.refresh_from_db()
        assert case.priority == "high"

        laptop.goto("/luring/antrian/")
        laptop_context.set_offline(False)
        item = queue_item(laptop)
        expect(item.get_by_test_id("outbox-status")).to_have_text(
            "bentrok dengan perubahan lain, perlu dipilih", timeout=SYNC_WAIT
        )
        conflict = item.get_by_test_id("outbox-conflict")
        expect(conflict).to_contain_text("Darurat")  # mine
        expect(conflict).to_contain_text("Tinggi")  # theirs, saved meanwhile
        case.refresh_from_db()
        assert case.priority == "high"  # nothing overwritten

        conflict.get_by_label("Isian saya").check()
        item.get_by_role("button", name="Kirim pilihan").click()
        expect(item.get_by_test_id("outbox-status")).to_have_text(SENT, timeout=SYNC_WAIT)
        case.refresh_from_db()
        assert case.priority == "urgent"
        edits = CaseEvent.objects.filter(case=case, kind=EventKind.EDIT)
        assert edits.count() == 2
    finally:
        laptop_context.close()
