"""The import page journey in Chromium (issue 16): upload a small XLSX, read the
preview's counts, confirm, watch the htmx progress reach done, download the row
report; and cancel an import waiting for the worker.

The commit is the worker's task. These tests keep it queued (Celery not eager,
as on the Redis stack without a worker in reach) and then do what the worker
does, `runner.import_run`, while the page polls: so the page is seen going from
"Menunggu diproses" to "Selesai" by its own htmx requests, not by a reload.

A cancel in the middle of a run (some batches saved, then stopped) is not driven
from the browser here: the run commits its batches in one call without a pause a
test could press the button in, and only a timing race (a big file, a click at
the right second) would reach it. The runner's own check before each batch is
what a cancel while queued meets too: the import stops before its first row,
with a report."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Page, expect

from cases.models import Beneficiary
from cases.testing import fast_password_hashing_fixture  # noqa: F401
from conftest import login
from imports import runner
from imports.models import ImportJob, JobStatus
from imports.testing import HEADERS, person_row
from pmks.celery import app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POLL_WAIT = 20_000  # ms: the page polls every 2 s; a busy machine is slower


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def queued_commit() -> Iterator[None]:
    """The confirm queues the commit instead of running it inline."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = previous


def _register(tmp_path: Path, rows: list[list[object]]) -> Path:
    """An office's register, as a spreadsheet program writes it (openpyxl)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Data"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    path = tmp_path / "register-palaran.xlsx"
    workbook.save(path)
    return path


def _row(serial: int, **overrides: object) -> list[object]:
    values = person_row(serial, **overrides)
    return [values[header] for header in HEADERS]


def _upload(page: Page, path: Path) -> ImportJob:
    page.goto("/impor/baru/")
    page.set_input_files("input[type=file]", str(path))
    page.click("button[type=submit].primary")
    expect(page.get_by_test_id("import-preview")).to_be_visible()
    return ImportJob.objects.get()


def test_upload_preview_confirm_progress_and_report(  # type: ignore[no-untyped-def]
    page: Page, alice, tmp_path, queued_commit
):
    path = _register(tmp_path, [_row(1), _row(2), _row(3, NIK="6.47201E+15")])
    login(page, "alice")
    job = _upload(page, path)

    preview = page.get_by_test_id("import-preview")
    counts = {
        row.locator("th").inner_text(): row.locator("td").inner_text()
        for row in preview.locator("table").first.locator("tbody tr").all()
    }
    assert counts["Baru"] == "2" and counts["Ditolak"] == "1", counts
    assert counts["Ditautkan"] == "0"
    expect(preview).to_contain_text("angka berpangkat")  # the first error, said
    assert Beneficiary.objects.count() == 0  # a preview saves nothing

    page.get_by_role("button", name="Jalankan impor").click()
    progress = page.get_by_test_id("import-progress")
    expect(progress).to_contain_text("Menunggu diproses")
    expect(progress).to_have_attribute("hx-trigger", "every 2s")
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED

    runner.import_run(job_id=job.pk)  # what the worker does; the page is not reloaded
    expect(progress).to_contain_text("Selesai", timeout=POLL_WAIT)
    expect(progress).to_contain_text("3 dari 3 baris")
    expect(page.get_by_test_id("import-progress")).not_to_have_attribute("hx-trigger", "every 2s")
    assert Beneficiary.objects.count() == 2

    with page.expect_download() as download_info:
        page.get_by_test_id("report-link").click()
    download = download_info.value
    assert download.suggested_filename == f"laporan-impor-{job.pk}.xlsx"
    workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True)
    rows = list(workbook["Baris"].iter_rows(values_only=True))
    assert [row[1] for row in rows[1:]] == ["Baru", "Baru", "Ditolak"]


def test_cancel_an_import_waiting_for_the_worker(  # type: ignore[no-untyped-def]
    page: Page, alice, tmp_path, queued_commit
):
    path = _register(tmp_path, [_row(serial) for serial in range(1, 5)])
    login(page, "alice")
    job = _upload(page, path)
    page.get_by_role("button", name="Jalankan impor").click()
    progress = page.get_by_test_id("import-progress")
    expect(progress).to_contain_text("Menunggu diproses")

    progress.get_by_role("button", name="Batalkan impor").click()
    expect(page.locator("body")).to_contain_text("Pembatalan diminta")
    job.refresh_from_db()
    assert job.cancel_requested and job.status == JobStatus.QUEUED

    runner.import_run(job_id=job.pk)  # the worker meets the request before the first batch
    progress = page.get_by_test_id("import-progress")
    expect(progress).to_contain_text("Dibatalkan", timeout=POLL_WAIT)
    expect(progress).to_contain_text("berhenti sebelum baris 2")
    assert Beneficiary.objects.count() == 0
    with page.expect_download() as download_info:
        page.get_by_test_id("report-link").click()
    workbook = load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    assert "Baris" in workbook.sheetnames
