"""Exports of the lists (issue 16): scoping per persona, the list's filters, NIK as
text in XLSX, formula injection neutralised, query counts, background jobs with a
permission-checked download, expiry, and the access trail."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from typing import Any

import pytest
import time_machine
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from cases.factories import BeneficiaryFactory, CaseFactory
from cases.models import CaseFormerOwner, ServiceDelivery, ServiceType
from cases.testing import make_nik
from exports import services
from exports.models import ExportJob, ExportStatus
from exports.tasks import run_export
from referrals.testing import send

pytestmark = pytest.mark.django_db

NIK_SAMARINDA = make_nik(region="647201", serial=7)
NIK_BALIKPAPAN = make_nik(region="647101", serial=9)


def _csv_rows(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.fixture
def data(orgs, alice, bob):  # type: ignore[no-untyped-def]
    """One case in Samarinda (alice's office), one in Balikpapan (bob's)."""
    ours = CaseFactory(
        owner_org=orgs["samarinda"],
        beneficiary=BeneficiaryFactory(
            registered_by_org=orgs["samarinda"],
            nik=NIK_SAMARINDA,
            nik_absent_reason="",
            no_kk="6472010101010001",
            full_name='=HYPERLINK("http://x")',
        ),
        beneficiary_name='=HYPERLINK("http://x")',
        priority="high",
        assigned_to=alice,
    )
    theirs = CaseFactory(
        owner_org=orgs["balikpapan"],
        beneficiary=BeneficiaryFactory(
            registered_by_org=orgs["balikpapan"],
            nik=NIK_BALIKPAPAN,
            nik_absent_reason="",
            full_name="Rahmat Balikpapan",
        ),
        beneficiary_name="Rahmat Balikpapan",
        priority="low",
    )
    return {"ours": ours, "theirs": theirs}


@pytest.mark.parametrize("name", ["cases", "beneficiaries", "services"])
def test_a_caseworker_exports_only_her_office_rows(client, alice, data, name):  # type: ignore[no-untyped-def]
    for case in data.values():
        ServiceDelivery.objects.create(
            case=case,
            service_type=ServiceType.objects.first(),
            outcome="+62 811",
            created_by=alice,
        )
    client.force_login(alice)
    response = client.get(reverse("exports:start", args=[name, "csv"]))
    assert response.status_code == 200
    body = "\n".join(",".join(row) for row in _csv_rows(response))
    assert NIK_SAMARINDA in body
    assert NIK_BALIKPAPAN not in body
    assert "Rahmat" not in body


def test_a_regency_supervisor_and_the_province_see_their_reach(client, sari, prov, data):  # type: ignore[no-untyped-def]
    client.force_login(sari)
    body = str(_csv_rows(client.get(reverse("exports:start", args=["cases", "csv"]))))
    assert NIK_SAMARINDA in body and NIK_BALIKPAPAN not in body
    client.force_login(prov)
    body = str(_csv_rows(client.get(reverse("exports:start", args=["cases", "csv"]))))
    assert NIK_SAMARINDA in body and NIK_BALIKPAPAN in body


def test_agency_staff_may_not_export_cases_but_their_inbox(client, agnes, alice, orgs, data):  # type: ignore[no-untyped-def]
    send(alice, data["ours"], orgs["rsud"])
    client.force_login(agnes)
    assert client.get(reverse("exports:start", args=["cases", "csv"])).status_code == 404
    assert client.get(reverse("exports:start", args=["nothing", "csv"])).status_code == 404
    response = client.get(reverse("exports:start", args=["referrals", "csv"]) + "?box=inbox")
    rows = _csv_rows(response)
    assert len(rows) == 2
    assert rows[1][5] == orgs["rsud"].name
    # another agency's inbox holds nothing of it
    assert (
        client.get(reverse("exports:start", args=["referrals", "csv"]) + "?box=outbox").status_code
        == 404
    )


def test_a_handed_over_case_shows_no_present_state(client, alice, orgs, data):  # type: ignore[no-untyped-def]
    case = data["ours"]
    CaseFormerOwner.objects.create(
        case=case,
        organization=orgs["samarinda"],
        regency=orgs["samarinda"].region,
        until=case.opened_at,
        case_opened_at=case.opened_at,
    )
    case.owner_org = orgs["balikpapan"]
    case.regency = orgs["balikpapan"].region
    case.save()
    client.force_login(alice)
    header, row = _csv_rows(client.get(reverse("exports:start", args=["cases", "csv"])))
    shown = dict(zip(header, row, strict=True))
    assert shown["Nomor kasus"] == case.number
    assert shown["Status"] == "" and shown["Prioritas"] == "" and shown["Pekerja sosial"] == ""
    assert shown["Sudah dipindahkan"] == "Ya"


def test_the_export_keeps_the_list_filters(client, prov, data):  # type: ignore[no-untyped-def]
    client.force_login(prov)
    rows = _csv_rows(client.get(reverse("exports:start", args=["cases", "csv"]) + "?priority=low"))
    assert len(rows) == 2 and rows[1][1] == NIK_BALIKPAPAN
    rows = _csv_rows(
        client.get(reverse("exports:start", args=["beneficiaries", "csv"]) + f"?q={NIK_SAMARINDA}")
    )
    assert len(rows) == 2 and rows[1][0] == NIK_SAMARINDA


def test_formula_cells_are_neutralised_and_headers_are_indonesian(client, alice, data):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    header, row = _csv_rows(client.get(reverse("exports:start", args=["cases", "csv"])))
    assert header[:4] == ["Nomor kasus", "NIK", "No. KK", "Nama penerima manfaat"]
    assert row[3] == '\'=HYPERLINK("http://x")'


def test_nik_and_no_kk_are_text_cells_in_xlsx(client, alice, data):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    response = client.get(reverse("exports:start", args=["beneficiaries", "xlsx"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]][:4] == ["NIK", "Alasan tanpa NIK", "No. KK", "Nama lengkap"]
    nik, kk, name = sheet[2][0], sheet[2][2], sheet[2][3]
    assert nik.value == NIK_SAMARINDA and nik.data_type == "s" and nik.number_format == "@"
    assert kk.value == "6472010101010001" and kk.number_format == "@"
    assert name.value.startswith("'=")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_costs_the_same_queries_for_one_row_or_many(  # type: ignore[no-untyped-def]
    client, prov, orgs, django_assert_max_num_queries, fmt
):
    client.force_login(prov)
    url = reverse("exports:start", args=["cases", fmt])
    CaseFactory(owner_org=orgs["samarinda"])
    # session + user, the count, the job INSERT, its ContentType, the log INSERT,
    # the rows (one server-side cursor on Postgres), savepoints of the test client
    with django_assert_max_num_queries(12) as few:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    CaseFactory.create_batch(30, owner_org=orgs["balikpapan"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)


def test_every_export_is_in_the_access_trail(client, alice, data):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    _csv_rows(client.get(reverse("exports:start", args=["cases", "csv"]) + "?priority=high"))
    job = ExportJob.objects.get()
    entry = LogEntry.objects.get(object_pk=str(job.pk), action=LogEntry.Action.ACCESS)
    assert entry.actor == alice
    assert entry.additional_data["dataset"] == "cases"
    assert entry.additional_data["query"] == "priority=high"


def test_a_big_export_runs_as_a_job_whose_file_only_its_people_download(  # type: ignore[no-untyped-def]
    client, settings, tmp_path, alice, amir, sari, bob, data, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_ROWS = 0
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(alice)
    url = reverse("exports:start", args=["cases", "xlsx"]) + "?priority=high"
    # a GET starts nothing: it shows the button that POSTs the same query string
    with django_capture_on_commit_callbacks(execute=True):
        confirm = client.get(url)
    assert confirm.status_code == 200 and not ExportJob.objects.exists()
    body = confirm.content.decode()
    assert f'<form method="post" action="{url}">' in body and "csrfmiddlewaretoken" in body
    # a POST without the CSRF token (another site's form) is refused, and starts nothing
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.post(url).status_code == 403 and not ExportJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    job = ExportJob.objects.get()
    assert job.query == "priority=high"
    run_export(str(job.pk))  # what the worker does (already done inline without one)
    assert response.status_code == 302 and response.url == reverse("exports:job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.row_count == 1
    page = client.get(response.url)
    assert reverse("exports:download", args=[job.pk]) in page.content.decode()
    download = client.get(reverse("exports:download", args=[job.pk]))
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sheet.cell(row=2, column=2).value == NIK_SAMARINDA
    assert (
        LogEntry.objects.filter(object_pk=str(job.pk), additional_data__export="downloaded").count()
        == 1
    )
    # her office's supervisor may; a colleague and another office may not
    client.force_login(sari)
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 200
    for other in (amir, bob):
        client.force_login(other)
        assert client.get(reverse("exports:download", args=[job.pk])).status_code == 404
        assert client.get(reverse("exports:job", args=[job.pk])).status_code == 404


def test_an_expired_file_is_deleted_and_no_longer_served(  # type: ignore[no-untyped-def]
    client, settings, tmp_path, alice, data, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_ROWS = 0
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(alice)
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("exports:start", args=["cases", "csv"]))
        job = ExportJob.objects.get()
        run_export(str(job.pk))
    job.refresh_from_db()
    path = job.file.path
    with open(path, encoding="utf-8-sig") as handle:
        assert NIK_SAMARINDA in handle.read()
    with time_machine.travel(dt.datetime(2026, 3, 7, 9, tzinfo=dt.UTC), tick=False):
        assert services.exports_purge_expired() == 0
    with time_machine.travel(dt.datetime(2026, 3, 8, 10, tzinfo=dt.UTC), tick=False):
        assert services.exports_purge_expired() == 1
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED and not job.file

    assert not os.path.exists(path)
    client.force_login(alice)  # the session's idle clock ran in March
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 404


def test_each_list_page_offers_its_export_with_its_filters(client, alice, agnes, orgs, data):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    page = client.get(reverse("cases:case_list") + "?priority=high&after=x").content.decode()
    assert reverse("exports:start", args=["cases", "csv"]) + "?priority=high" in page
    assert reverse("exports:start", args=["services", "xlsx"]) + "?priority=high" in page
    page = client.get(reverse("cases:beneficiary_list") + "?q=Siti").content.decode()
    assert reverse("exports:start", args=["beneficiaries", "xlsx"]) + "?q=Siti" in page
    client.force_login(agnes)
    page = client.get(reverse("referrals:inbox") + "?status=pending").content.decode()
    assert (
        reverse("exports:start", args=["referrals", "csv"]) + "?box=inbox&amp;status=pending"
        in page
    )
    # the buttons are POST forms with the CSRF token (a big list starts a job)
    assert (
        '<form method="post" class="inline" action="'
        + reverse("exports:start", args=["referrals", "xlsx"])
        + '?box=inbox&amp;status=pending">'
        in page
    )
    assert "csrfmiddlewaretoken" in page


def test_a_small_list_downloads_on_a_post_and_on_a_get(client, alice, data):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    url = reverse("exports:start", args=["cases", "csv"])
    assert NIK_SAMARINDA in str(_csv_rows(client.post(url)))
    assert NIK_SAMARINDA in str(_csv_rows(client.get(url)))
    assert ExportJob.objects.filter(inline=True).count() == 2
    assert client.put(url).status_code == 405


def test_the_job_page_polls_while_running_and_its_views_cost_few_queries(  # type: ignore[no-untyped-def]
    client, settings, tmp_path, alice, data, django_assert_max_num_queries
):
    settings.EXPORT_INLINE_ROWS = 0
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(alice)
    job = services.export_start(
        user=alice, name="cases", fmt="csv", params={}, enqueue=lambda job_id: None
    )
    page = client.get(reverse("exports:job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in page.content.decode()
    assert page.templates[0].name == "exports/_job_status.html"
    run_export(str(job.pk))
    # session, user, the job
    with django_assert_max_num_queries(4):
        page = client.get(reverse("exports:job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in page.content.decode()
    # session, user, the job, its ContentType, the log INSERT
    with django_assert_max_num_queries(6):
        download = client.get(reverse("exports:download", args=[job.pk]))
        body = b"".join(download.streaming_content).decode("utf-8-sig")
    assert NIK_SAMARINDA in body and NIK_BALIKPAPAN not in body


def test_a_job_runs_with_the_requester_scope_at_run_time(client, settings, tmp_path, alice, data):  # type: ignore[no-untyped-def]
    """A requester whose office lost its reach before the job ran gets no file."""
    settings.MEDIA_ROOT = str(tmp_path)
    job = services.export_start(
        user=alice, name="cases", fmt="csv", params={}, enqueue=lambda job_id: None
    )
    alice.organization.is_active = False
    alice.organization.save()
    run_export(str(job.pk))
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and not job.file
    assert list(tmp_path.rglob("*.csv")) == []
