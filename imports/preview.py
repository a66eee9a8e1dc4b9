"""The preview (dry run) of an import: every row planned against the database as
it is now; nothing is written but the job's counts and its first errors."""

from __future__ import annotations

from typing import Any

from imports import source
from imports.models import ImportJob, JobStatus, Outcome
from imports.planning import FileState, batch_facts, decide
from imports.reading import Table

PREVIEW_ERRORS = 20


def import_preview(*, job: ImportJob, table: Table | None = None) -> ImportJob:
    """Plan every row (nothing written) and keep the counts and the first errors."""
    counts = dict.fromkeys(Outcome.values, 0)
    errors: list[dict[str, Any]] = []
    state = FileState()
    actor = job.created_by
    for batch in source.batches(source.parsed_rows(job, table)):
        facts = batch_facts(job, actor, batch)
        for row in batch:
            decision = decide(job, actor, row, facts, state)
            counts[decision.outcome] += 1
            if (
                decision.outcome in (Outcome.REFUSED, Outcome.FLAGGED)
                and len(errors) < PREVIEW_ERRORS
            ):
                errors.append(
                    {"row": row.number, "outcome": decision.outcome, "messages": decision.messages}
                )
    preview = {"counts": counts, "errors": errors}
    # A job cancelled while the worker previewed it stays cancelled.
    ImportJob.objects.filter(pk=job.pk).exclude(status=JobStatus.CANCELLED).update(
        preview=preview, status=JobStatus.PREVIEWED
    )
    job.refresh_from_db()
    return job
