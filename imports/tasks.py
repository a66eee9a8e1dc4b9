"""The import's background commit (settings route it to the `long` queue; without
a broker, `make run` runs it inline after the confirming request's commit)."""

from __future__ import annotations

from celery import shared_task

from imports import runner


@shared_task(acks_late=True)
def run_import(job_id: int) -> None:
    """Commit an import job batch by batch (a job already claimed is left alone)."""
    runner.import_run(job_id=job_id)
