"""The import over the API: upload → job → confirm → poll → report; 404 for another
office's job; bad files as 400 with the Indonesian message."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from api.testing import celery_inline, client_for, error_of
from cases.models import Beneficiary
from imports.testing import person_row, xlsx_bytes

pytestmark = pytest.mark.django_db
URL = "/api/v1/imports/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _upload(client, data, name="register.xlsx", **fields):
    return client.post(URL, {**fields, "file": _named(data, name)})


def _named(data, name):
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def test_upload_confirm_poll_and_report(orgs, django_capture_on_commit_callbacks):
    client = client_for(orgs["samarinda"], role="caseworker")
    response = _upload(client, xlsx_bytes([person_row(1), person_row(2, NIK="6.47201E+15")]))
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["status"] == "previewed"
    assert job["counts"] == {"new": 1, "linked": 0, "skipped": 0, "refused": 1, "flagged": 0}
    assert job["preview_errors"][0]["row"] == 3
    assert Beneficiary.objects.count() == 0
    with celery_inline(), django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"{URL}{job['id']}/confirm/")
    assert confirmed.status_code == 202
    polled = client.get(f"{URL}{job['id']}/").json()
    assert polled["status"] == "completed" and polled["percent"] == 100
    assert polled["counts"]["new"] == 1 and polled["report_url"].endswith("/report/")
    report = client.get(f"{URL}{job['id']}/report/")
    assert report.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(report.streaming_content)), read_only=True)
    assert [r[1] for r in list(workbook["Baris"].iter_rows(values_only=True))[1:]] == [
        "Baru",
        "Ditolak",
    ]
    listed = client.get(URL).json()
    assert [item["id"] for item in listed["results"]] == [job["id"]]


def test_a_bad_file_is_a_400_with_the_message(orgs):
    client = client_for(orgs["samarinda"], role="caseworker")
    response = _upload(client, b"", "empty.csv")
    assert response.status_code == 400
    assert "kosong" in str(error_of(response))


def test_the_same_file_again_is_a_409(orgs, django_capture_on_commit_callbacks):
    client = client_for(orgs["samarinda"], role="caseworker")
    data = xlsx_bytes([person_row(1)])
    job = _upload(client, data).json()
    with celery_inline(), django_capture_on_commit_callbacks(execute=True):
        client.post(f"{URL}{job['id']}/confirm/")
    again = _upload(client, data)
    assert again.status_code == 409
    assert "sudah diimpor" in error_of(again)["message"]


def test_another_offices_job_answers_404(orgs):
    job = _upload(client_for(orgs["samarinda"], role="caseworker"), xlsx_bytes([person_row(1)]))
    pk = job.json()["id"]
    other = client_for(orgs["balikpapan"], role="caseworker")
    for path in ("", "report/"):
        assert other.get(f"{URL}{pk}/{path}").status_code == 404
    for path in ("confirm/", "cancel/", "mapping/"):
        assert (
            other.post(f"{URL}{pk}/{path}", {}, content_type="application/json").status_code == 404
        )
    assert other.get(URL).json()["results"] == []


def test_headers_to_map_then_preview(orgs):
    client = client_for(orgs["samarinda"], role="caseworker")
    row = person_row(1)
    headers = ["No Identitas", "Nama Penerima Bantuan", "Kec", "Desa"]
    values = {
        "No Identitas": row["NIK"],
        "Nama Penerima Bantuan": row["Nama lengkap"],
        "Kec": "Palaran",
        "Desa": "Rawa Makmur",
    }
    job = _upload(client, xlsx_bytes([values], headers=headers)).json()
    assert job["status"] == "mapping"
    mapping = {
        "nik": "No Identitas",
        "full_name": "Nama Penerima Bantuan",
        "district": "Kec",
        "village": "Desa",
    }
    mapped = client.post(
        f"{URL}{job['id']}/mapping/", {"mapping": mapping}, content_type="application/json"
    )
    assert mapped.status_code == 200, mapped.content
    assert mapped.json()["status"] == "previewed"
    assert mapped.json()["counts"]["new"] == 1
