"""The printed case file (issue 17, "Cetak berkas kasus"): every section of the case
on one print-styled page, behind the case page's door, logged in the access trail;
one Chromium print to PDF read back with pypdf (page numbers, who printed it)."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from cases.factories import BeneficiaryFactory, CaseFactory
from cases.models import Case, CaseFormerOwner, ServiceDelivery, ServiceType
from cases.services.delivery import assessment_record, service_delivery_add
from cases.services.timeline import case_add_note
from conftest import login
from followups.services import followup_create, visit_record
from households.services import join_household
from plans.services import plan_create
from plans.testing import approved
from referrals.testing import send

pytestmark = pytest.mark.django_db

WITA = zoneinfo.ZoneInfo("Asia/Makassar")
NIK = "6472015705900001"
NO_KK = "6472010101200001"
FROZEN = dt.datetime(2026, 12, 4, 10, 30, tzinfo=WITA)


def file_url(case: Case) -> str:
    return reverse("cases:case_file", args=[case.pk])


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def full_case(orgs, alice, sari):  # type: ignore[no-untyped-def]
    """A Samarinda case with something in every section of the file."""
    person = BeneficiaryFactory(
        full_name="Siti Rahmawati",
        nik=NIK,
        nik_absent_reason="",
        no_kk=NO_KK,
        registered_by_org=orgs["samarinda"],
        registered_by=alice,
    )
    join_household(person, NO_KK, "kepala", actor=alice, address="Jl. Pahlawan 3")
    child = BeneficiaryFactory(
        full_name="Rizky Pratama", registered_by_org=orgs["samarinda"], no_kk=NO_KK
    )
    join_household(child, NO_KK, "anak", actor=alice)
    foreign = BeneficiaryFactory(
        full_name="Orang Balikpapan", registered_by_org=orgs["balikpapan"], no_kk=NO_KK
    )
    join_household(foreign, NO_KK, "lainnya", actor=None)
    case = CaseFactory(
        beneficiary=person,
        owner_org=orgs["samarinda"],
        assigned_to=alice,
        summary="Ibu dua anak, tinggal di jalan.",
    )
    case_add_note(actor=alice, case=case, text="Kunjungan rumah pertama.")
    assessment_record(
        actor=alice, case=case, needs=["shelter"], risk_level="high", notes="Rumah rusak berat."
    )
    approved(alice, sari, case, goals=(("shelter", "Tinggal aman di rumah singgah"),))
    plan_create(actor=alice, case=case)  # a revision in draft: an earlier/other version
    service_delivery_add(
        actor=alice,
        case=case,
        service_type=ServiceType.objects.get(code="shelter"),
        provider_name="Rumah Singgah Harapan",
        outcome="Ditampung dua minggu",
    )
    send(alice, case, orgs["rsud"])
    followup_create(
        actor=alice, case=case, kind="phone_call", due_date=dt.date(2026, 12, 20), note="Cek rumah"
    )
    visit_record(
        actor=alice,
        case=case,
        visited_on=dt.date(2026, 12, 2),
        place="Rumah keluarga di Sungai Kunjang",
        met_with="Ibu Siti",
    )
    return case


def test_the_file_holds_every_section_with_the_person_masked(full_case, alice):
    with time_machine.travel(FROZEN, tick=False):
        response = client_for(alice).get(file_url(full_case))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "DINAS SOSIAL KOTA SAMARINDA",  # letterhead: the office …
        "Kota Samarinda",  # … and its region
        full_case.number,
        "Siti Rahmawati",
        "6472 •••• •••• 0001",  # the NIK masked, never whole
        "Ibu dua anak, tinggal di jalan.",
        "Jl. Pahlawan 3",  # household card
        "Rizky Pratama",  # a member alice may see
        "terdaftar di kantor lain",  # one she may not see, nameless
        "Rumah rusak berat.",  # assessment
        "Tinggal aman di rumah singgah",  # the active plan's goal …
        "Tindakan: Tinggal aman di rumah singgah",  # … and its action
        "versi 2 (Draf",  # the other version exists
        "Rumah Singgah Harapan",  # service
        "RSUD Abdul Wahab Sjahranie",  # referral: to whom …
        "Menunggu",  # … and its status
        "Cek rumah",  # follow-up
        "Rumah keluarga di Sungai Kunjang",  # visit
        "Kunjungan rumah pertama.",  # the case history
        "Dicetak oleh Alice pada 04/12/2026 10:30 WITA",
    ):
        assert text in html, text
    assert NIK not in html and NO_KK not in html
    assert "Orang Balikpapan" not in html
    assert "<script>" not in html and "style=" not in html


def test_another_regency_gets_404_and_no_trail(full_case, bob):
    before = LogEntry.objects.count()
    assert client_for(bob).get(file_url(full_case)).status_code == 404
    assert LogEntry.objects.count() == before


def test_printing_the_file_is_in_the_access_trail(full_case, alice):
    case_type = ContentType.objects.get_for_model(Case)
    trail = LogEntry.objects.filter(
        content_type=case_type, object_pk=str(full_case.pk), action=LogEntry.Action.ACCESS
    )
    before = trail.count()
    client_for(alice).get(file_url(full_case))
    assert trail.count() == before + 1
    assert trail.latest("pk").actor == alice


def test_a_former_owner_prints_only_what_it_saw_before_the_transfer(orgs, alice):
    moved = CaseFactory(owner_org=orgs["balikpapan"], summary="Ringkasan sekarang")
    shelter = ServiceType.objects.get(code="shelter")
    ServiceDelivery.objects.create(case=moved, service_type=shelter, provider_name="Sebelum")
    until = timezone.now()
    CaseFormerOwner.objects.create(
        case=moved,
        organization=orgs["samarinda"],
        until=until,
        snapshot={"status": "in_service", "summary": "Ringkasan saat dipindahkan"},
    )
    after = ServiceDelivery.objects.create(
        case=moved, service_type=shelter, provider_name="Sesudah"
    )
    ServiceDelivery.objects.filter(pk=after.pk).update(created_at=until + dt.timedelta(hours=1))
    html = client_for(alice).get(file_url(moved)).content.decode()
    assert "Ringkasan saat dipindahkan" in html and "Sebelum" in html
    assert "Ringkasan sekarang" not in html and "Sesudah" not in html
    assert 'data-testid="history-cutoff"' in html


def test_the_queries_do_not_grow_with_the_events(full_case, alice, django_assert_max_num_queries):
    client = client_for(alice)
    client.get(file_url(full_case))  # warm (session, content types)
    with CaptureQueriesContext(connection) as few:
        client.get(file_url(full_case))
    for n in range(40):
        case_add_note(actor=alice, case=full_case, text=f"Catatan nomor {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(file_url(full_case))
    assert "Catatan nomor 39" in response.content.decode()
    assert len(few.captured_queries) <= 25, len(few.captured_queries)


def test_the_case_page_links_to_the_file(full_case, alice):
    html = client_for(alice).get(reverse("cases:case_detail", args=[full_case.pk])).content
    assert file_url(full_case).encode() in html
    assert "Cetak berkas kasus" in html.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_printed_pdf_has_page_numbers_and_the_printing_user(page, full_case, alice, tmp_path):
    for n in range(60):  # enough history for several pages
        case_add_note(actor=alice, case=full_case, text=f"Catatan perkembangan nomor {n}.")
    login(page, "alice")
    before = timezone.localtime().strftime("%d/%m/%Y")
    page.goto(page.base_url + file_url(full_case))
    after = timezone.localtime().strftime("%d/%m/%Y")  # the print may cross WITA midnight
    path = tmp_path / "file.pdf"
    page.pdf(path=str(path), format="A4", prefer_css_page_size=True)
    pages = [" ".join((p.extract_text() or "").split()) for p in PdfReader(path).pages]
    total = len(pages)
    assert total >= 2, total
    for number, text in enumerate(pages, start=1):
        assert f"{number} / {total}" in text, (number, text[-80:])
    assert any(f"Dicetak oleh Alice pada {day}" in pages[0] for day in (before, after))
    assert "WITA" in pages[0]
    assert "Kembali ke kasus" not in " ".join(pages)  # the screen's buttons do not print
    assert "Catatan perkembangan nomor 59." in " ".join(pages)
