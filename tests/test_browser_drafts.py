"""Drafts and logout in Chromium (issue 15): what a worker types survives a reload,
a dropped connection and a refused submit; a successful submit clears it; drafts
are per record and per user; logout deletes this user's browser data, and is held
while records wait in the outbox."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from cases.models import Beneficiary
from cases.testing import make_nik
from conftest import login
from referrals.testing import make_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REGISTER = "/kasus/penerima/daftar/"
NIK = make_nik(female=True)
NAME = "Siti Draf Rahmawati"


def fill_registration(page: Page) -> None:
    page.goto(REGISTER)
    page.fill("#id_nik", NIK)
    page.fill("#id_full_name", NAME)
    page.select_option("#id_legal_basis", "consent")
    page.fill("#id_consent_note", "Ybs., lisan, di kantor")
    wait_for_draft(page, REGISTER)


def drafts(page: Page) -> list[dict]:
    return page.evaluate("PMKSStore.all('drafts')")


def wait_for_draft(page: Page, key: str) -> None:
    # Polled with evaluate, which awaits the store's Promise (wait_for_function took
    # the Promise object itself as truthy, so it never waited for the save).
    deadline = time.monotonic() + 10
    while not page.evaluate("key => PMKSStore.get('drafts', key).then(d => Boolean(d))", key):
        assert time.monotonic() < deadline, f"no draft saved for {key}"
        page.wait_for_timeout(100)


def session_ends(page: Page) -> None:
    """The user's session ends without a logout: its cookie goes, the CSRF cookie
    stays (it outlives sessions, as in a real browser). Clearing that one too made
    the next login race a late request that set a new one under the login form."""
    page.goto("about:blank")
    page.context.clear_cookies(name="sessionid")


def databases(page: Page) -> list[str]:
    return [db["name"] for db in page.evaluate("indexedDB.databases()")]


def test_a_registration_draft_is_restored_after_a_reload(page, alice, regions):
    login(page, "alice")
    fill_registration(page)

    page.reload()

    expect(page.get_by_test_id("draft-notice")).to_contain_text("Draf isian")
    expect(page.locator("#id_full_name")).to_have_value(NAME)
    expect(page.locator("#id_nik")).to_have_value(NIK)
    expect(page.locator("#id_consent_note")).to_have_value("Ybs., lisan, di kantor")
    stored = drafts(page)[0]
    assert stored["key"] == REGISTER
    assert "csrfmiddlewaretoken" not in stored["fields"]

    # "Buang draf": the form is empty again and stays so after a reload.
    page.get_by_role("button", name="Buang draf").click()
    expect(page.locator("#id_full_name")).to_have_value("")
    page.reload()
    expect(page.locator("#id_full_name")).to_have_value("")
    expect(page.get_by_test_id("draft-notice")).to_have_count(0)


def test_offline_submit_keeps_the_draft_and_online_submit_saves_once(page, alice, regions):
    login(page, "alice")
    fill_registration(page)

    page.context.set_offline(True)
    page.get_by_role("button", name="Simpan", exact=True).click()
    expect(page.get_by_test_id("draft-notice")).to_contain_text("Tidak ada koneksi")
    expect(page.get_by_test_id("draft-notice")).to_contain_text("tersimpan di perangkat ini")
    assert Beneficiary.objects.count() == 0
    assert [d["key"] for d in drafts(page)] == [REGISTER]

    page.context.set_offline(False)
    page.get_by_role("button", name="Simpan", exact=True).click()
    expect(page.locator("h1")).to_contain_text(f"Buka kasus untuk {NAME}")
    expect(page.locator(".messages")).to_contain_text("terdaftar")  # shown once, not lost
    assert Beneficiary.objects.filter(nik=NIK).count() == 1
    assert drafts(page) == []

    page.goto(REGISTER)
    expect(page.locator("#id_full_name")).to_have_value("")
    expect(page.get_by_test_id("draft-notice")).to_have_count(0)


def test_a_network_failure_at_submit_keeps_the_draft(page, alice, regions):
    login(page, "alice")
    fill_registration(page)
    page.route("**/kasus/penerima/daftar/", lambda route: route.abort("connectionreset"))

    page.get_by_role("button", name="Simpan", exact=True).click()

    expect(page.get_by_test_id("draft-notice")).to_contain_text("Gagal mengirim")
    assert Beneficiary.objects.count() == 0
    assert [d["key"] for d in drafts(page)] == [REGISTER]


def test_a_validation_error_keeps_the_draft_and_shows_the_errors(page, alice, regions):
    login(page, "alice")
    page.goto(REGISTER)
    page.fill("#id_full_name", NAME)  # no NIK, no reason for its absence, no legal basis
    wait_for_draft(page, REGISTER)

    page.get_by_role("button", name="Simpan", exact=True).click()

    expect(page.locator(".errorlist").first).to_be_visible()
    expect(page.get_by_test_id("draft-notice")).to_contain_text("periksa isian")
    expect(page.locator("#id_full_name")).to_have_value(NAME)
    assert Beneficiary.objects.count() == 0
    assert [d["key"] for d in drafts(page)] == [REGISTER]

    page.reload()  # the draft is still there
    expect(page.locator("#id_full_name")).to_have_value(NAME)
    expect(page.get_by_test_id("draft-notice")).to_contain_text("Draf isian")


def test_a_note_draft_belongs_to_its_case(page, alice, orgs):
    case_a = make_case(orgs["samarinda"], assigned_to=alice)
    case_b = make_case(orgs["samarinda"], assigned_to=alice)
    login(page, "alice")
    page.goto(f"/kasus/{case_a.pk}/")
    page.fill("#id_text", "Kunjungan rumah: ibu sakit.")
    wait_for_draft(page, f"/kasus/{case_a.pk}/catatan/")

    page.goto(f"/kasus/{case_b.pk}/")
    expect(page.locator("#id_text")).to_have_value("")
    page.goto(f"/kasus/{case_a.pk}/")
    expect(page.locator("#id_text")).to_have_value("Kunjungan rumah: ibu sakit.")

    # Saved through htmx: the note is on the timeline and the draft is gone.
    page.get_by_role("button", name="Simpan catatan").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Kunjungan rumah: ibu sakit.")
    page.wait_for_function("PMKSStore.all('drafts').then(d => d.length === 0)", timeout=5_000)
    page.reload()
    expect(page.locator("#id_text")).to_have_value("")


def test_logout_deletes_the_database_and_the_next_user_sees_no_draft(page, alice, amir, regions):
    login(page, "alice")
    fill_registration(page)
    alice_db = f"pmks-u{alice.pk}"
    assert alice_db in databases(page)

    page.get_by_role("button", name="Keluar").click()
    expect(page.locator("#id_username")).to_be_visible()
    page.wait_for_function(
        "name => indexedDB.databases().then(dbs => !dbs.some(d => d.name === name))",
        arg=alice_db,
        timeout=5_000,
    )

    login(page, "amir")
    page.goto(REGISTER)
    expect(page.locator("#id_full_name")).to_have_value("")
    expect(page.get_by_test_id("draft-notice")).to_have_count(0)
    assert drafts(page) == []


def test_a_second_user_never_reads_the_first_users_drafts(page, alice, amir, regions):
    """Even without a logout (a session that ended): the databases are per user."""
    login(page, "alice")
    fill_registration(page)
    session_ends(page)

    login(page, "amir")
    page.goto(REGISTER)
    page.wait_for_load_state("networkidle")
    expect(page.locator("#id_full_name")).to_have_value("")
    expect(page.get_by_test_id("draft-notice")).to_have_count(0)
    assert drafts(page) == []
    assert f"pmks-u{amir.pk}" in databases(page)


def test_logout_with_queued_records_is_held_until_they_are_discarded(page, alice, regions):
    login(page, "alice")
    fill_registration(page)
    page.evaluate(
        """Promise.all([
          PMKSStore.put('outbox', {uuid: 'a1', kind: 'beneficiary', status: 'pending', data: {}}),
          PMKSStore.put('outbox', {uuid: 'a2', kind: 'note', status: 'refused', data: {}}),
          PMKSStore.put('outbox', {uuid: 'a3', kind: 'note', status: 'sent', data: {}}),
        ]).then(() => document.dispatchEvent(new CustomEvent('pmks:outbox')))"""
    )
    expect(page.locator("form[data-logout]")).to_have_attribute("data-pending", "2")

    page.get_by_role("button", name="Keluar").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("2 catatan")
    expect(dialog.get_by_role("button", name="Buang 2 catatan dan keluar")).to_be_visible()
    page.keyboard.press("Escape")  # closes, still logged in, nothing lost
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_test_id("user-name")).to_be_visible()
    assert page.evaluate("PMKSStore.count('outbox')") == 3

    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    assert page.evaluate("document.activeElement.closest('dialog[open]') !== null")
    page.get_by_role("button", name="Buang 2 catatan dan keluar").click()
    expect(page.locator("#id_username")).to_be_visible()
    assert f"pmks-u{alice.pk}" not in databases(page)


def test_the_logout_answer_clears_the_site_storage(alice):
    client = Client()
    client.force_login(alice)

    response = client.post("/akun/keluar/")

    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"storage"'


def test_a_logout_keeps_another_users_unsent_records_on_a_shared_computer(
    page, alice, amir, regions
):
    """amir's session ended without a logout while a record waited in his queue:
    alice's logout deletes her own data but not his (no Clear-Site-Data, which
    would drop his record silently); his next login finds it."""
    login(page, "amir")
    page.goto(REGISTER)
    page.evaluate(
        "PMKSStore.put('outbox', {uuid: 'm1', kind: 'note', status: 'pending', data: {}})"
    )
    session_ends(page)

    login(page, "alice")
    fill_registration(page)
    expect(page.locator("form[data-logout] input[name=keep_other_users]")).to_have_count(1)
    page.get_by_role("button", name="Keluar").click()
    expect(page.locator("#id_username")).to_be_visible()

    names = databases(page)
    assert f"pmks-u{alice.pk}" not in names
    assert f"pmks-u{amir.pk}" in names
    login(page, "amir")
    page.goto(REGISTER)
    assert page.evaluate("PMKSStore.all('outbox').then(rs => rs.map(r => r.uuid))") == ["m1"]


def test_the_logout_answer_keeps_storage_when_another_users_queue_is_on_the_device(alice):
    client = Client()
    client.force_login(alice)

    response = client.post("/akun/keluar/", {"keep_other_users": "1"})

    assert response.status_code == 302
    assert "Clear-Site-Data" not in response
