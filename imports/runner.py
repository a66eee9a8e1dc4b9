"""The commit of a confirmed import, batch by batch (the task's body)."""

from __future__ import annotations

from auditlog.context import set_actor
from django.utils import timezone

from imports import source
from imports.commit import Progress, commit_batch
from imports.models import ImportJob, JobStatus, Outcome
from imports.planning import FileState
from imports.report import write_report


def import_run(*, job_id: int) -> None:
    """The task's body: claim the job, commit it batch by batch, write the report."""
    claimed = ImportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    job = ImportJob.objects.select_related("created_by", "organization", "regency").get(pk=job_id)
    progress = Progress(FileState(), {}, dict.fromkeys(Outcome.values, 0))
    stopped: int | None = None
    try:
        with set_actor(job.created_by):
            for batch in source.batches(source.parsed_rows(job)):
                if ImportJob.objects.filter(pk=job.pk, cancel_requested=True).exists():
                    stopped = batch[0].number
                    break
                commit_batch(job, batch, progress)
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
