"""Celery tasks of exports: thin, they take ids and call exports.services."""

from __future__ import annotations

from celery import shared_task

from exports import services


@shared_task(name="exports.tasks.run_export")
def run_export(job_id: str) -> None:
    """Write a background export's file (routed to the long queue; inline without
    a worker, CELERY_TASK_ALWAYS_EAGER)."""
    services.export_run(job_id)


@shared_task(name="exports.tasks.purge_expired_exports")
def purge_expired_exports() -> int:
    """Beat: delete export files past EXPORT_KEEP_DAYS."""
    return services.exports_purge_expired()
