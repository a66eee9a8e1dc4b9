"""Import pages: upload → preview → confirm → progress → report; column mapping
kept per office; the template; history; 404 for another office's import; the
access trail."""

from __future__ import annotations

import io

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from cases.models import Beneficiary
from imports import runner
from imports.models import ColumnMapping, ImportJob, JobStatus
from imports.testing import person_row, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _upload(client, data, name="register.xlsx", **extra):
    form = {
        "file": SimpleUploadedFile(name, data),
        "legal_basis": "public_task",
        "existing_action": "link",
        **extra,
    }
    return client.post(reverse("imports:upload"), form)


def _confirm(client, job, capture):
    with capture(execute=True):
        response = client.post(reverse("imports:confirm", args=[job.pk]))
    assert response.status_code == 302
    if not settings.CELERY_TASK_ALWAYS_EAGER:  # a worker's job on the Redis stack
        runner.import_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def test_upload_preview_confirm_progress_and_report(alice, django_capture_on_commit_callbacks):
    client = _client(alice)
    response = _upload(client, xlsx_bytes([person_row(1), person_row(2, NIK="6.47201E+15")]))
    assert response.status_code == 302
    job = ImportJob.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "Pratinjau" in page and "angka berpangkat" in page
    assert Beneficiary.objects.count() == 0
    job = _confirm(client, job, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.COMPLETED
    assert Beneficiary.objects.count() == 1
    progress = client.get(reverse("imports:progress", args=[job.pk])).content.decode()
    assert "<progress" in progress and "hx-trigger" not in progress  # done: polling stops
    report = client.get(reverse("imports:report", args=[job.pk]))
    assert report.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(report.streaming_content)), read_only=True)
    rows = list(workbook["Baris"].iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["Baru", "Ditolak"]
    assert LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, object_pk=str(job.pk), actor=alice
    ).exists()
    history = client.get(reverse("imports:list")).content.decode()
    assert "register.xlsx" in history and job.sha256[:12] in history


def test_a_running_import_polls_and_offers_cancel(alice):
    client = _client(alice)
    _upload(client, xlsx_bytes([person_row(1)]))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, processed_rows=0)
    progress = client.get(reverse("imports:progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in progress and "Batalkan impor" in progress
    client.post(reverse("imports:cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.cancel_requested


def test_a_bad_file_is_refused_and_nothing_is_kept(alice):
    response = _upload(_client(alice), b"\x89PNG\r\n", "foto.png")
    assert response.status_code == 400
    assert "Jenis berkas tidak didukung" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_a_file_over_the_limit_is_refused_before_reading(alice, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = _upload(_client(alice), xlsx_bytes([person_row(1)]))
    assert response.status_code == 400
    assert "terlalu besar" in response.content.decode()


def test_other_headers_get_a_mapping_kept_for_the_office(alice, amir):
    headers = ["Nomor Identitas", "Nama Penerima Bantuan", "Gender", "Tgl Lhr", "Kec", "Desa"]
    row = person_row(1)
    values = dict(
        zip(
            headers,
            [
                row[h]
                for h in (
                    "NIK",
                    "Nama lengkap",
                    "Jenis kelamin",
                    "Tanggal lahir",
                    "Kecamatan",
                    "Desa/Kelurahan",
                )
            ],
            strict=True,
        )
    )
    client = _client(alice)
    _upload(client, xlsx_bytes([values], headers=headers))
    job = ImportJob.objects.get()
    assert job.status == JobStatus.MAPPING
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "Pemetaan kolom" in page
    mapping = {
        "nik": "Nomor Identitas",
        "full_name": "Nama Penerima Bantuan",
        "sex": "Gender",
        "birth_date": "Tgl Lhr",
    }
    response = client.post(
        reverse("imports:mapping", args=[job.pk]), {**mapping, "district": "Kec", "village": "Desa"}
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.PREVIEWED
    assert job.preview["counts"]["new"] == 1
    assert ColumnMapping.objects.get(organization=alice.organization).mapping["Gender"] == "sex"
    # the office's next file with those headers needs no mapping (another worker too)
    _upload(_client(amir), xlsx_bytes([values], headers=headers), "second.xlsx")
    assert ImportJob.objects.latest("pk").status == JobStatus.PREVIEWED


def test_the_template_has_the_headers_text_niks_and_instructions(alice):
    response = _client(alice).get(reverse("imports:template"))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    data = workbook["Data"]
    headers = [cell.value for cell in data[1]]
    assert headers[:4] == ["NIK", "Alasan tanpa NIK", "No. KK", "Nama lengkap"]
    assert data.cell(row=2, column=1).number_format == "@"
    assert "Hubungan dengan kepala keluarga" in headers and "PBI-JK" in headers
    help_text = " ".join(
        str(c.value) for row in workbook["Petunjuk"].iter_rows() for c in row if c.value
    )
    assert "PMKS24" in help_text and "Fakir Miskin" in help_text


def test_another_offices_import_answers_404(alice, bob, amir):
    client = _client(alice)
    _upload(client, xlsx_bytes([person_row(1)]))
    job = ImportJob.objects.get()
    for other in (bob, amir):
        outsider = _client(other)
        for name in ("detail", "progress", "report"):
            assert outsider.get(reverse(f"imports:{name}", args=[job.pk])).status_code == 404
        for name in ("confirm", "cancel", "mapping"):
            assert outsider.post(reverse(f"imports:{name}", args=[job.pk])).status_code == 404
        assert job.file_name not in outsider.get(reverse("imports:list")).content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.PREVIEWED and not job.cancel_requested


def test_agency_staff_and_the_province_cannot_import(agnes, prov):
    assert _client(agnes).get(reverse("imports:upload")).status_code == 404
    assert _client(prov).get(reverse("imports:upload")).status_code == 403


def test_a_big_file_is_previewed_by_the_worker_while_the_page_polls(
    alice, settings, django_capture_on_commit_callbacks
):
    from api.testing import celery_inline
    from imports.tasks import preview_import

    settings.IMPORT_INLINE_PREVIEW_ROWS = 2
    client = _client(alice)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _upload(client, xlsx_bytes([person_row(1), person_row(2), person_row(3)]))
    job = ImportJob.objects.get()
    assert job.status == JobStatus.PREVIEWING and len(callbacks) == 1
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page
    with celery_inline():
        callbacks[0]()  # the commit of the upload: the preview task runs
    job.refresh_from_db()
    assert job.status == JobStatus.PREVIEWED and job.preview["counts"]["new"] == 3
    progress = client.get(reverse("imports:progress", args=[job.pk])).content.decode()
    assert "Lihat pratinjau" in progress and "hx-trigger" not in progress
    # cancelled before the worker got to it: the preview leaves it cancelled
    with django_capture_on_commit_callbacks(execute=False):
        _upload(client, xlsx_bytes([person_row(4), person_row(5), person_row(6)]), "b.xlsx")
    second = ImportJob.objects.latest("pk")
    client.post(reverse("imports:cancel", args=[second.pk]))
    preview_import(second.pk)
    second.refresh_from_db()
    assert second.status == JobStatus.CANCELLED


def test_an_upload_is_in_the_access_trail(alice):
    _upload(_client(alice), xlsx_bytes([person_row(1)]))
    job = ImportJob.objects.get()
    created = LogEntry.objects.get(
        action=LogEntry.Action.CREATE, object_pk=str(job.pk), content_type__model="importjob"
    )
    assert created.actor == alice
    assert created.changes["sha256"][1] == job.sha256
