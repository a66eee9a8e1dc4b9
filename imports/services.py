"""Importing beneficiaries: upload → (column mapping) → preview → confirm → commit
in the background, in batches, with progress and cancel; the row report.

- Idempotent. A file whose SHA-256 was imported to the end for the office is
  refused at upload; a row whose content hash was imported for the office before
  is skipped (imports/planning.py); an exact NIK is linked or skipped.
- Batches of BATCH_SIZE rows, each in its own transaction: a cancel (or a crash)
  leaves every committed batch whole and nothing of the next; the report says
  where it stopped.
- Two imports (or an import and a registration) with the same NIK never make two
  people: on PostgreSQL a batch takes a transaction-level advisory lock per NIK
  (in one order) before it looks the NIKs up, so the second waits and then finds
  the first's person; the unique NIK column stays the last word (a batch whose
  insert still meets one falls back to row by row, as registration does).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from auditlog.context import set_actor
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import User
from imports import source
from imports.columns import BY_KEY, guess_mapping, missing_required
from imports.models import ColumnMapping, ImportJob, JobStatus
from imports.preview import import_preview
from imports.reading import Table, read_table
from pmks.errors import DomainError, NotAllowed
from regions.models import Level


class AlreadyImported(DomainError):
    code = "already_imported"
    http_status = 409


def may_import(user: Any) -> bool:
    """Offices that register people, with a kabupaten/kota as their jurisdiction."""
    if not policy.may_register(user):
        return False
    return user.organization.region.level == Level.REGENCY


def get_job_for_user(user: Any, pk: int) -> ImportJob:
    job = (
        ImportJob.objects.visible_to(user)
        .select_related("organization", "created_by", "regency")
        .filter(pk=pk)
        .first()
    )
    if job is None:
        raise Http404(_("Impor tidak ditemukan."))
    return job


# --- upload, mapping, preview ------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    existing_action: str = "link"
    create_similar: bool = False
    confirm_age_warnings: bool = False
    legal_basis: str = ""


def import_upload(*, actor: User, data: bytes, filename: str, choices: Choices) -> ImportJob:
    """Read the file (BadFile when it cannot be imported: nothing is saved), keep it
    as a job, and preview it when its columns are known."""
    if not may_import(actor):
        raise NotAllowed(_("Anda tidak dapat mengimpor data penerima manfaat."))
    organization = actor.organization
    assert organization is not None
    table = read_table(data, filename)
    sha256 = hashlib.sha256(data).hexdigest()
    # The same file with the same choices would change nothing: refused. With other
    # choices (e.g. now registering the similar people it flagged) it runs, and the
    # rows it imported before are skipped by their content hash.
    done = (
        ImportJob.objects.filter(
            organization=organization,
            sha256=sha256,
            status=JobStatus.COMPLETED,
            existing_action=choices.existing_action,
            create_similar=choices.create_similar,
            confirm_age_warnings=choices.confirm_age_warnings,
        )
        .select_related("created_by")
        .first()
    )
    if done is not None:
        raise AlreadyImported(
            _(
                "Berkas ini sudah diimpor pada %(when)s oleh %(who)s (impor #%(job)s); tidak ada "
                "yang diimpor lagi."
            )
            % {
                "when": timezone.localtime(done.created_at).strftime("%d/%m/%Y %H:%M"),
                "who": done.created_by,
                "job": done.pk,
            },
            job=done,
        )
    saved = ColumnMapping.objects.filter(organization=organization).first()
    job = ImportJob(
        organization=organization,
        regency_id=organization.region_id,
        created_by=actor,
        file_name=filename[:255],
        sha256=sha256,
        file_size=len(data),
        headers=table.headers,
        mapping=guess_mapping(table.headers, saved.mapping if saved else None),
        total_rows=len(table.rows),
        existing_action=choices.existing_action,
        create_similar=choices.create_similar,
        confirm_age_warnings=choices.confirm_age_warnings,
        legal_basis=choices.legal_basis,
    )
    job.file.save(sha256, ContentFile(data), save=False)
    with set_actor(actor):  # the change history names the uploader (API keys too)
        job.save()
    source.keep_rows(job, table)
    if missing_required(job.mapping):
        return job
    return _preview_or_queue(job, table)


def import_set_mapping(*, actor: User, job: ImportJob, mapping: dict[str, str]) -> ImportJob:
    """The user's column mapping (field key → header); kept for the office's next file."""
    if job.status not in (JobStatus.MAPPING, JobStatus.PREVIEWED) or job.created_by_id != actor.pk:
        raise NotAllowed(_("Pemetaan kolom impor ini tidak dapat diubah lagi."))
    clean = {
        key: header for key, header in mapping.items() if key in BY_KEY and header in job.headers
    }
    if len(set(clean.values())) != len(clean):
        raise DomainError(_("Satu kolom berkas hanya dapat dipetakan ke satu isian."))
    missing = missing_required(clean)
    if missing:
        raise DomainError(
            _("Pilih kolom untuk: %(fields)s.")
            % {"fields": ", ".join(str(BY_KEY[key].label) for key in missing)}
        )
    saved, _created = ColumnMapping.objects.get_or_create(organization_id=job.organization_id)
    saved.mapping = {**saved.mapping, **{header: key for key, header in clean.items()}}
    saved.save()
    job.mapping = clean
    job.save(update_fields=["mapping"])
    return _preview_or_queue(job)


def _preview_or_queue(job: ImportJob, table: Table | None = None) -> ImportJob:
    """A small file is previewed in the request; a big one (more rows than
    IMPORT_INLINE_PREVIEW_ROWS) by the worker, while the page polls."""
    limit = settings.IMPORT_INLINE_PREVIEW_ROWS
    if job.total_rows <= limit:
        return import_preview(job=job, table=table)
    job.status = JobStatus.PREVIEWING
    job.save(update_fields=["status"])
    from imports.tasks import preview_import

    transaction.on_commit(lambda: preview_import.apply_async((job.pk,), queue="long"))
    return job


# --- confirm, cancel ---------------------------------------------------------------


def import_confirm(*, actor: User, job: ImportJob) -> ImportJob:
    """Queue the commit (the worker's task, or inline after this transaction)."""
    if job.created_by_id != actor.pk or not may_import(actor):
        raise NotAllowed(_("Hanya pengunggah yang dapat menjalankan impor ini."))
    claimed = ImportJob.objects.filter(pk=job.pk, status=JobStatus.PREVIEWED).update(
        status=JobStatus.QUEUED
    )
    if not claimed:
        raise DomainError(_("Impor ini sudah dijalankan atau dibatalkan."))
    from imports.tasks import run_import

    transaction.on_commit(lambda: run_import.delay(job.pk))
    job.refresh_from_db()
    return job


def import_cancel(*, actor: User, job: ImportJob) -> ImportJob:
    """Stop the import: before it runs, at once; while it runs, after the batch in
    progress (what was committed stays, the report says where it stopped)."""
    if job.created_by_id != actor.pk and not policy.is_supervisor(actor):
        raise NotAllowed(_("Anda tidak dapat membatalkan impor ini."))
    ImportJob.objects.filter(pk=job.pk, status__in=(JobStatus.QUEUED, JobStatus.RUNNING)).update(
        cancel_requested=True
    )
    before_run = (JobStatus.MAPPING, JobStatus.PREVIEWING, JobStatus.PREVIEWED)
    ImportJob.objects.filter(pk=job.pk, status__in=before_run).update(
        status=JobStatus.CANCELLED, cancel_requested=True, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job
