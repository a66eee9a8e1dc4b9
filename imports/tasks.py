"""The import's background commit (settings route it to the `long` queue; without
a broker, `make run` runs it inline after the confirming request's commit)."""

from __future__ import annotations

from celery import shared_task

from imports import preview, runner
from imports.models import ImportJob, JobStatus


@shared_task(acks_late=True)
def run_import(job_id: int) -> None:
    """Commit an import job batch by batch (a job already claimed is left alone)."""
    runner.import_run(job_id=job_id)


@shared_task(acks_late=True)
def preview_import(job_id: int) -> None:
    """Preview a big file (the upload answered at once, the page polls)."""
    job = ImportJob.objects.select_related("created_by", "regency").filter(pk=job_id).first()
    if job is not None and job.status == JobStatus.PREVIEWING:
        preview.import_preview(job=job)
