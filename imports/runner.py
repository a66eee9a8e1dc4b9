"""The commit of a confirmed import, batch by batch (the task's body).

A worker killed mid-import (the task is acked late, so the broker hands it out
again) leaves the job `running` with a heartbeat that stops moving: after
STALE_AFTER the next delivery takes it over and goes on after the last committed
batch (its rows are recorded, so they are not read again).
"""

from __future__ import annotations

import datetime as dt

from auditlog.context import set_actor
from django.db.models import Q
from django.utils import timezone

from imports import source
from imports.commit import Progress, commit_batch
from imports.models import ImportJob, ImportRow, JobStatus, Outcome
from imports.planning import FileState
from imports.report import write_report

STALE_AFTER = dt.timedelta(minutes=10)


def _claim(job_id: int) -> bool:
    now = timezone.now()
    waiting = Q(status=JobStatus.QUEUED)
    abandoned = Q(status=JobStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    return bool(
        ImportJob.objects.filter(waiting | abandoned, pk=job_id).update(
            status=JobStatus.RUNNING, started_at=now, heartbeat_at=now
        )
    )


def import_run(*, job_id: int) -> None:
    """The task's body: claim the job, commit it batch by batch, write the report."""
    if not _claim(job_id):
        return
    job = ImportJob.objects.select_related("created_by", "organization", "regency").get(pk=job_id)
    progress = Progress(FileState(), {}, dict.fromkeys(Outcome.values, 0))
    done = set(ImportRow.objects.filter(job=job).values_list("number", flat=True))
    stopped: int | None = None
    try:
        with set_actor(job.created_by):
            for batch in source.batches(r for r in source.parsed_rows(job) if r.number not in done):
                if ImportJob.objects.filter(pk=job.pk, cancel_requested=True).exists():
                    stopped = batch[0].number
                    break
                commit_batch(job, batch, progress)
                ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    except Exception as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    status = JobStatus.CANCELLED if stopped is not None else JobStatus.COMPLETED
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, stopped_at_row=stopped, finished_at=timezone.now()
    )
    job.refresh_from_db()
    write_report(job)
