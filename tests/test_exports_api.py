"""The API's case export (issue 16): streamed CSV and NDJSON of the cases the key's
office owns, with the case list's filters, recorded in the access trail."""

from __future__ import annotations

import csv
import io
import json

import pytest
from auditlog.models import LogEntry
from openpyxl import load_workbook

from api.testing import celery_inline, client_for
from cases.factories import BeneficiaryFactory, CaseFactory
from cases.testing import make_nik
from exports.models import ExportJob

pytestmark = pytest.mark.django_db

OURS = make_nik(region="647201", serial=3)
THEIRS = make_nik(region="647101", serial=4)


@pytest.fixture
def cases(orgs):  # type: ignore[no-untyped-def]
    def person(org, nik):  # type: ignore[no-untyped-def]
        return BeneficiaryFactory(registered_by_org=org, nik=nik, nik_absent_reason="")

    return [
        CaseFactory(
            owner_org=orgs["samarinda"],
            beneficiary=person(orgs["samarinda"], OURS),
            priority="high",
        ),
        CaseFactory(owner_org=orgs["samarinda"], priority="low"),
        CaseFactory(owner_org=orgs["balikpapan"], beneficiary=person(orgs["balikpapan"], THEIRS)),
    ]


def _body(response) -> str:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content).decode("utf-8")


def test_the_csv_holds_the_office_cases_only(orgs, cases):  # type: ignore[no-untyped-def]
    response = client_for(orgs["samarinda"]).get("/api/v1/cases/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(_body(response).removeprefix("\ufeff"))))
    assert rows[0][:2] == ["Nomor kasus", "NIK"]
    assert len(rows) == 3
    assert OURS in {row[1] for row in rows} and THEIRS not in {row[1] for row in rows}


def test_the_ndjson_keeps_the_filters(orgs, cases):  # type: ignore[no-untyped-def]
    response = client_for(orgs["samarinda"]).get("/api/v1/cases/export.ndjson?priority=high")
    assert response.status_code == 200
    lines = [json.loads(line) for line in _body(response).splitlines()]
    assert [line["nik"] for line in lines] == [OURS]
    assert lines[0]["priority"] == "Tinggi" and lines[0]["number"] == cases[0].number
    job = ExportJob.objects.get()
    assert job.fmt == "ndjson" and job.query == "priority=high"
    assert LogEntry.objects.filter(object_pk=str(job.pk), action=LogEntry.Action.ACCESS).exists()


def test_a_partner_agency_key_may_not_export_cases(orgs, cases):  # type: ignore[no-untyped-def]
    response = client_for(orgs["rsud"]).get("/api/v1/cases/export.csv")
    assert response.status_code == 403
    assert response.json()["error"]
    assert client_for(orgs["samarinda"]).get("/api/v1/cases/export.xml").status_code == 404


def test_an_export_job_is_created_polled_and_downloaded_by_its_office_only(  # type: ignore[no-untyped-def]
    orgs, cases, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    ours = client_for(orgs["samarinda"])
    with celery_inline(), django_capture_on_commit_callbacks(execute=True):
        created = ours.post(
            "/api/v1/exports/",
            {"dataset": "cases", "format": "xlsx", "filters": {"priority": "high"}},
            content_type="application/json",
        )
    assert created.status_code == 202, created.content
    job_url = created["Location"]
    job = ours.get(job_url).json()
    assert job["status"] == "done" and job["rows"] == 1 and job["filters"] == "priority=high"
    download = ours.get(job["download"])
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sheet.cell(row=2, column=2).value == OURS
    assert sheet.cell(row=2, column=2).number_format == "@"
    theirs = client_for(orgs["balikpapan"])
    assert theirs.get(job_url).status_code == 404
    assert theirs.get(job["download"]).status_code == 404
    assert LogEntry.objects.filter(additional_data__export="downloaded").count() == 1


def test_an_export_job_of_a_list_not_yours_is_refused(orgs, cases):  # type: ignore[no-untyped-def]
    agency = client_for(orgs["rsud"])
    response = agency.post(
        "/api/v1/exports/", {"dataset": "cases", "format": "csv"}, content_type="application/json"
    )
    assert response.status_code == 404
    response = agency.post(
        "/api/v1/exports/", {"dataset": "cases", "format": "pdf"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert ExportJob.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_streamed_csv_on_postgres_is_the_copy_and_stops_when_closed(orgs):  # type: ignore[no-untyped-def]
    """Outside a transaction Postgres streams the COPY from a thread (SQLite: the
    iterator); the same rows either way, and closing the response ends the thread."""
    import threading

    from accounts.factories import UserFactory
    from exports import datasets, writers

    CaseFactory.create_batch(3, owner_org=orgs["samarinda"])
    CaseFactory(owner_org=orgs["balikpapan"])
    prov = UserFactory(organization=orgs["province"], role="supervisor")
    dataset = datasets.cases(prov, {}, owned_only=True)
    copied = b"".join(writers.stream_csv_copy(dataset)).decode("utf-8")
    streamed = "".join(writers.stream_csv(dataset))
    assert list(csv.reader(io.StringIO(copied))) == list(csv.reader(io.StringIO(streamed)))
    assert len(list(csv.reader(io.StringIO(copied)))) == 5
    pieces = writers.stream_csv_copy(dataset)
    next(pieces)
    next(pieces)
    pieces.close()
    assert not [t for t in threading.enumerate() if t.name == "export-copy"]
