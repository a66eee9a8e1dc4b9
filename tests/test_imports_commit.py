"""Import, parts 4 and 5: jobs, preview, commit in batches, duplicates, idempotency,
cancel, two imports at once, households and cases, the row report."""

from __future__ import annotations

import io
import threading
import time

import pytest
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.db import connection
from django.http import Http404
from openpyxl import load_workbook

from cases.models import Beneficiary, Case
from cases.testing import make_nik
from imports import runner, services, source
from imports.models import ImportJob, ImportRow, JobStatus
from imports.services import AlreadyImported, Choices, import_confirm, import_upload
from imports.testing import HEADERS, csv_bytes, person_row, rows_of, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _run(actor, data, name="register.xlsx", **choices):
    job = import_upload(
        actor=actor,
        data=data,
        filename=name,
        choices=Choices(legal_basis="public_task", **choices),
    )
    assert job.status == JobStatus.PREVIEWED, job.preview
    import_confirm(actor=actor, job=job)
    runner.import_run(job_id=job.pk)  # the task's body (inline in `make run`)
    job.refresh_from_db()
    return job


def _queue(job):
    """Confirmed, with the task not yet picked up (a transactional test would run the
    inline task at once on confirm: here a thread of ours is the worker)."""
    ImportJob.objects.filter(pk=job.pk, status=JobStatus.PREVIEWED).update(status=JobStatus.QUEUED)


def _report(job):
    job.refresh_from_db()
    with job.report.open("rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()), read_only=True)
    rows = list(workbook["Baris"].iter_rows(values_only=True))
    summary = dict(workbook["Ringkasan"].iter_rows(values_only=True))
    return rows, summary


def test_a_register_is_previewed_then_committed(alice):
    bad = person_row(9, NIK="6.47201E+15")
    data = xlsx_bytes([person_row(1), person_row(2), bad])
    job = import_upload(
        actor=alice, data=data, filename="r.xlsx", choices=Choices(legal_basis="public_task")
    )
    assert job.preview["counts"] == {
        "new": 2,
        "linked": 0,
        "skipped": 0,
        "refused": 1,
        "flagged": 0,
    }
    assert job.preview["errors"][0]["row"] == 4
    assert Beneficiary.objects.count() == 0  # the preview writes nothing
    import_confirm(actor=alice, job=job)
    runner.import_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED
    assert (job.count_new, job.count_refused, job.processed_rows) == (2, 1, 3)
    people = Beneficiary.objects.order_by("full_name")
    assert [p.full_name for p in people] == ["Siti Rahmawati 1", "Siti Rahmawati 2"]
    assert {p.registered_by_org_id for p in people} == {alice.organization_id}
    assert people[0].region.code == "64.72.01.1001"
    # the change history has each creation, by the uploader
    entries = LogEntry.objects.filter(
        action=LogEntry.Action.CREATE,
        object_pk=str(people[0].pk),
        content_type__model="beneficiary",
    )
    assert [e.actor_id for e in entries] == [alice.pk]
    # the entry a save() would have written (auditlog's own diff)
    expected = model_instance_diff(None, people[0])
    assert entries[0].changes == {k: list(v) for k, v in expected.items()}
    rows, summary = _report(job)
    assert rows[0][:3] == ("Baris", "Hasil", "Keterangan")
    assert rows[0][3:] == tuple(HEADERS)
    assert [r[:2] for r in rows[1:]] == [(2, "Baru"), (3, "Baru"), (4, "Ditolak")]
    assert "angka berpangkat" in rows[3][2]
    assert rows[3][3] == "6.47201E+15"  # the original cell, as it was
    assert summary["Baru"] == 2 and summary["Ditolak"] == 1


def test_the_same_file_twice_creates_nothing_new(alice):
    data = xlsx_bytes([person_row(1), person_row(2)])
    _run(alice, data)
    with pytest.raises(AlreadyImported):
        import_upload(actor=alice, data=data, filename="again.xlsx", choices=Choices())
    # the same rows in another file (CSV, ';', columns in another order): all skipped
    again = _run(
        alice,
        csv_bytes([person_row(2), person_row(1)], delimiter=";", headers=HEADERS[::-1]),
        "x.csv",
    )
    assert (again.count_new, again.count_skipped) == (0, 2)
    assert Beneficiary.objects.count() == 2
    rows, _summary = _report(again)
    assert all("sudah diimpor" in r[2] for r in rows[1:])


def test_an_exported_file_imported_back_creates_nothing(alice):
    _run(alice, xlsx_bytes([person_row(1)]))
    exported = person_row(1, NIK="'" + make_nik(female=True, serial=1))
    again = _run(alice, csv_bytes([exported], bom=True), "export.csv")
    assert (again.count_new, again.count_skipped) == (0, 1)


def test_an_existing_nik_links_or_skips_as_chosen(alice):
    _run(alice, xlsx_bytes([person_row(1)]))
    person = Beneficiary.objects.get()
    linked = _run(alice, xlsx_bytes([person_row(1, Alamat="Jl. Baru 1")]), existing_action="link")
    assert linked.count_linked == 1
    assert ImportRow.objects.get(job=linked).beneficiary == person
    skipped = _run(alice, xlsx_bytes([person_row(1, Alamat="Jl. Baru 2")]), existing_action="skip")
    assert skipped.count_skipped == 1
    assert ImportRow.objects.get(job=skipped).beneficiary is None
    assert Beneficiary.objects.count() == 1


def test_a_nik_twice_in_one_file_is_one_person(alice):
    job = _run(alice, xlsx_bytes([person_row(1), person_row(1, Alamat="Jl. Lain")]))
    assert (job.count_new, job.count_linked) == (1, 1)
    rows = list(ImportRow.objects.filter(job=job).order_by("number"))
    assert rows[0].beneficiary_id == rows[1].beneficiary_id
    assert "baris 2" in rows[1].errors[0]
    skip = _run(
        alice, xlsx_bytes([person_row(5), person_row(5, Alamat="Jl. X")]), existing_action="skip"
    )
    assert (skip.count_new, skip.count_skipped) == (1, 1)


def test_another_regencys_person_is_not_shown(alice, bob):
    _run(
        bob,
        xlsx_bytes(
            [
                person_row(
                    1,
                    **{
                        "Kabupaten/Kota": "Kota Balikpapan",
                        "Kecamatan": "Balikpapan Timur",
                        "Desa/Kelurahan": "Manggar",
                    },
                )
            ]
        ),
    )
    job = _run(alice, xlsx_bytes([person_row(1)]))
    assert (job.count_skipped, job.count_new) == (1, 0)
    row = ImportRow.objects.get(job=job)
    assert row.beneficiary is None
    message = " ".join(row.errors)
    assert "Dinas Sosial Kota Balikpapan" in message
    assert "Siti Rahmawati" not in message and "Manggar" not in message


def test_similar_name_birth_date_and_desa_is_flagged(alice):
    _run(
        alice,
        xlsx_bytes(
            [person_row(1, NIK="", **{"Alasan tanpa NIK": "Belum tercatat di Dukcapil"})],
            headers=[*HEADERS, "Alasan tanpa NIK"],
        ),
    )
    similar = person_row(
        2,
        NIK="",
        **{"Nama lengkap": "Siti Rahmawaty 1", "Jenis kelamin": "P", "Alasan tanpa NIK": "street"},
    )
    headers = [*HEADERS, "Alasan tanpa NIK"]
    job = _run(alice, xlsx_bytes([similar], headers=headers))
    assert job.count_flagged == 1
    assert Beneficiary.objects.count() == 1
    message = " ".join(ImportRow.objects.get(job=job).errors)
    assert "Mirip dengan Siti Rahmawati 1" in message and "periksa" in message
    forced = _run(alice, xlsx_bytes([similar], headers=headers), "b.xlsx", create_similar=True)
    assert forced.count_new == 1
    # within the file
    twins = [
        person_row(
            3,
            NIK="",
            **{
                "Alasan tanpa NIK": "street",
                "Nama lengkap": "Ahmad Yani",
                "Tanggal lahir": "01/01/1980",
                "Jenis kelamin": "L",
            },
        ),
        person_row(
            4,
            NIK="",
            **{
                "Alasan tanpa NIK": "street",
                "Nama lengkap": "Achmad Yani",
                "Tanggal lahir": "01/01/1980",
                "Jenis kelamin": "L",
            },
        ),
    ]
    within = _run(alice, xlsx_bytes(twins, headers=headers), "c.xlsx")
    assert (within.count_new, within.count_flagged) == (1, 1)
    assert "baris 2" in " ".join(ImportRow.objects.get(job=within, number=3).errors)


def test_a_category_opens_a_case_and_a_no_kk_joins_a_household(alice):
    from households.models import Household

    headers = [
        *HEADERS,
        "Hubungan dengan kepala keluarga",
        "DTSEN",
        "Desil",
        "PKH",
        "BPNT",
        "PBI-JK",
        "BLT",
    ]
    no_kk = "6472012001200001"
    rows = [
        person_row(
            1,
            **{
                "Kategori PMKS": "Fakir Miskin",
                "No. KK": no_kk,
                "Hubungan dengan kepala keluarga": "Kepala keluarga",
                "DTSEN": "Ya",
                "Desil": "2",
                "PKH": "Ya",
                "BPNT": "Tidak",
                "PBI-JK": "ya",
                "BLT": "",
            },
        ),
        person_row(2, **{"No. KK": no_kk, "Hubungan dengan kepala keluarga": "Anak"}),
    ]
    job = _run(alice, xlsx_bytes(rows, headers=headers))
    assert (job.count_new, job.count_cases) == (2, 1)
    case = Case.objects.get()
    assert case.primary_category.code == "PMKS24"
    assert case.owner_org == alice.organization
    assert ImportRow.objects.get(job=job, number=2).case == case
    household = Household.objects.get(no_kk=no_kk)
    assert household.in_dtsen is True and household.desil == 2
    assert household.aid == ["pkh", "pbi_jk"]
    assert household.head.full_name == "Siti Rahmawati 1"
    assert household.members.count() == 2


def test_an_office_imports_only_into_its_own_regency(alice, prov, agnes):
    foreign = person_row(
        1,
        **{
            "Kabupaten/Kota": "Kota Balikpapan",
            "Kecamatan": "Balikpapan Timur",
            "Desa/Kelurahan": "Manggar",
        },
    )
    job = _run(alice, xlsx_bytes([foreign, person_row(2)]))
    assert (job.count_refused, job.count_new) == (1, 1)
    from pmks.errors import NotAllowed

    for outsider in (prov, agnes):
        with pytest.raises(NotAllowed):
            import_upload(
                actor=outsider,
                data=xlsx_bytes([person_row(3)]),
                filename="a.xlsx",
                choices=Choices(),
            )


def test_a_foreign_organizations_import_answers_404(alice, amir, sari, bob, budi):
    job = _run(alice, xlsx_bytes([person_row(1)]))
    assert services.get_job_for_user(alice, job.pk) == job
    assert services.get_job_for_user(sari, job.pk) == job  # the office's supervisor
    for other in (amir, bob, budi):
        with pytest.raises(Http404):
            services.get_job_for_user(other, job.pk)


@pytest.mark.django_db(transaction=True)
def test_cancel_mid_way_keeps_what_was_committed_and_says_where(alice, monkeypatch):
    monkeypatch.setattr(source, "BATCH_SIZE", 5)
    job = import_upload(
        actor=alice,
        data=xlsx_bytes(rows_of(400)),
        filename="big.xlsx",
        choices=Choices(legal_basis="public_task"),
    )
    _queue(job)
    worker = threading.Thread(target=lambda: (runner.import_run(job_id=job.pk), connection.close()))
    worker.start()
    deadline = time.monotonic() + 60
    while not ImportJob.objects.filter(pk=job.pk, processed_rows__gte=5).exists():
        assert time.monotonic() < deadline
        time.sleep(0.005)
    services.import_cancel(actor=alice, job=job)
    worker.join(120)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert 5 <= job.processed_rows < 400
    assert job.processed_rows % 5 == 0  # whole batches only
    assert Beneficiary.objects.count() == job.count_new == job.processed_rows
    assert ImportRow.objects.filter(job=job).count() == job.processed_rows
    assert job.stopped_at_row == job.processed_rows + 2  # the first row not reached
    rows, summary = _report(job)
    assert len(rows) == 401
    assert rows[job.processed_rows + 1][1] == "Tidak diproses"
    assert f"baris {job.stopped_at_row}" in summary["Dibatalkan"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_imports_at_once_with_the_same_nik_make_one_person(alice, amir):
    shared = rows_of(60)
    jobs = []
    for actor, name in ((alice, "a.xlsx"), (amir, "b.xlsx")):
        job = import_upload(
            actor=actor,
            data=xlsx_bytes(shared, headers=HEADERS + ["Catatan"])
            if name == "b.xlsx"
            else xlsx_bytes(shared),
            filename=name,
            choices=Choices(legal_basis="public_task"),
        )
        _queue(job)
        jobs.append(job)
    start = threading.Barrier(2)

    def run(job_id):
        start.wait()
        try:
            runner.import_run(job_id=job_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job.pk,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert Beneficiary.objects.count() == 60
    done = [ImportJob.objects.get(pk=job.pk) for job in jobs]
    assert all(job.status == JobStatus.COMPLETED for job in done)
    assert sum(job.count_new for job in done) == 60
    assert sum(job.count_linked + job.count_skipped for job in done) == 60


def test_a_worker_that_died_mid_import_is_taken_over_after_its_last_batch(alice, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    from imports.commit import Progress, commit_batch
    from imports.planning import FileState

    monkeypatch.setattr(source, "BATCH_SIZE", 5)
    job = import_upload(
        actor=alice,
        data=xlsx_bytes(rows_of(12)),
        filename="r.xlsx",
        choices=Choices(legal_basis="public_task"),
    )
    # a worker committed the first batch, then died (its heartbeat stopped)
    first = next(source.batches(source.parsed_rows(job)))
    commit_batch(job, first, Progress(FileState(), {}, {}))
    stale = timezone.now() - runner.STALE_AFTER - dt.timedelta(seconds=1)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, heartbeat_at=stale)
    runner.import_run(job_id=job.pk)  # the task delivered again
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED
    assert (job.processed_rows, job.count_new) == (12, 12)
    assert Beneficiary.objects.count() == 12
    assert ImportRow.objects.filter(job=job).count() == 12


def test_a_running_import_is_not_taken_twice(alice):
    job = import_upload(
        actor=alice,
        data=xlsx_bytes([person_row(1)]),
        filename="r.xlsx",
        choices=Choices(legal_basis="public_task"),
    )
    from django.utils import timezone

    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, heartbeat_at=timezone.now()
    )
    runner.import_run(job_id=job.pk)  # a second delivery while the first is alive
    assert Beneficiary.objects.count() == 0


def test_a_linked_person_gets_no_second_case_of_the_same_category(alice):
    first = _run(alice, xlsx_bytes([person_row(1, **{"Kategori PMKS": "PMKS24"})]))
    assert first.count_cases == 1
    again = _run(
        alice,
        xlsx_bytes([person_row(1, **{"Kategori PMKS": "Fakir Miskin", "Alamat": "Jl. Baru"})]),
        "again.xlsx",
    )
    assert (again.count_linked, again.count_cases) == (1, 0)
    assert Case.objects.count() == 1
    assert "sudah ada" in " ".join(ImportRow.objects.get(job=again).errors)
