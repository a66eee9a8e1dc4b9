"""Export writes: record an export, run a background one, purge expired files.

Every export, inline or in the background, is an ExportJob row and an ACCESS
entry of the access trail (django-auditlog, as cases.audit.log_access does for a
person's page) naming the list, its filters and the number of rows; so is every
download of a background file.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from auditlog.models import LogEntry
from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from accounts.models import User
from exports import datasets, writers
from exports.models import ExportFormat, ExportJob, ExportStatus

logger = logging.getLogger(__name__)

PROGRESS_KEY = "exports:progress:{}"


def export_log(*, user: Any, job: ExportJob, action: str) -> LogEntry:
    """One ACCESS entry of the access trail about `job` (requested or downloaded)."""
    return LogEntry.objects.log_create(
        job,
        action=LogEntry.Action.ACCESS,
        force_log=True,
        actor=user,
        additional_data={
            "export": action,
            "dataset": job.dataset,
            "format": job.fmt,
            "query": job.query,
            "rows": job.row_count,
        },
    )


def query_of(params: Any) -> str:
    """The list's query string as kept with the job (cursor and page left out)."""
    items = [
        (key, value)
        for key, values in (params.lists() if hasattr(params, "lists") else params.items())
        for value in (values if isinstance(values, list) else [values])
        if key not in ("page", "after", "before", "format")
    ]
    return urlencode(items)


def is_small(dataset: datasets.Dataset) -> bool:
    """At most EXPORT_INLINE_ROWS rows (counted up to one past the limit only)."""
    limit = settings.EXPORT_INLINE_ROWS
    return dataset.rows.order_by()[: limit + 1].count() <= limit


def export_record_inline(*, user: User, name: str, fmt: str, params: Any) -> ExportJob:
    """An export sent at once: recorded as done, and in the access trail."""
    assert user.organization is not None
    now = timezone.now()
    job = ExportJob.objects.create(
        requested_by=user,
        organization=user.organization,
        dataset=name,
        fmt=fmt,
        query=query_of(params),
        inline=True,
        status=ExportStatus.DONE,
        started_at=now,
        finished_at=now,
    )
    export_log(user=user, job=job, action="inline")
    return job


@transaction.atomic
def export_start(
    *, user: User, name: str, fmt: str, params: Any, enqueue: Callable[[str], Any]
) -> ExportJob:
    """A background export: the job, its access-trail entry, and `enqueue(job id)`
    after commit (exports.tasks.run_export.delay: inline without a worker, the
    embedded default)."""
    assert user.organization is not None
    job = ExportJob.objects.create(
        requested_by=user,
        organization=user.organization,
        dataset=name,
        fmt=fmt,
        query=query_of(params),
    )
    export_log(user=user, job=job, action="requested")
    job_id = str(job.pk)
    transaction.on_commit(lambda: enqueue(job_id))
    return job


def progress_of(job: ExportJob) -> int | None:
    if job.status == ExportStatus.DONE:
        return job.row_count
    value = cache.get(PROGRESS_KEY.format(job.pk))
    return int(value) if value is not None else None


def export_run(job_id: str) -> None:
    """Write the job's file as its requester (their scope now). Claimed with a
    conditional update, so a redelivered task never writes it twice."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    job = ExportJob.objects.select_related("requested_by__organization").get(pk=job_id)
    key = PROGRESS_KEY.format(job.pk)

    def progress(rows: int) -> None:
        cache.set(key, rows, timeout=24 * 3600)

    with tempfile.TemporaryDirectory(prefix="export-") as scratch:
        path = os.path.join(scratch, job.file_name)
        try:
            dataset = datasets.build(job.dataset, job.requested_by, QueryDict(job.query))
            write = writers.write_xlsx if job.fmt == ExportFormat.XLSX else writers.write_csv
            with open(path, "wb") as out:
                rows = write(dataset, out, progress)
            with open(path, "rb") as done:
                job.file.save(job.file_name, File(done), save=False)
        except Exception as exc:  # the job says it failed; the scratch file goes
            logger.exception("export %s failed", job_id)
            ExportJob.objects.filter(pk=job_id).update(
                status=ExportStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
            )
            return
        finally:
            cache.delete(key)
    now = timezone.now()
    job.status = ExportStatus.DONE
    job.row_count = rows
    job.finished_at = now
    job.expires_at = now + dt.timedelta(days=settings.EXPORT_KEEP_DAYS)
    job.save(update_fields=["status", "row_count", "finished_at", "expires_at", "file"])


def exports_purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete the files of background exports past their expiry; the rows stay
    (the history), marked expired. The number of files deleted."""
    now = now or timezone.now()
    count = 0
    for job in ExportJob.objects.filter(status=ExportStatus.DONE, expires_at__lt=now):
        if job.file:
            job.file.delete(save=False)
        updated = ExportJob.objects.filter(pk=job.pk, status=ExportStatus.DONE).update(
            status=ExportStatus.EXPIRED, file=""
        )
        count += updated
    return count
