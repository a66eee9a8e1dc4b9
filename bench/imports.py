"""Import throughput: N rows of a Samarinda register (XLSX), read + checked +
deduplicated (preview), then committed (the task's body), beside a bare COPY of
the same rows into a scratch table.

    DATABASE_URL=postgres://… REDIS_URL=redis://…/n .venv/bin/python -m bench.imports --rows 10000

Runs against the configured database (migrated). It registers a bench office
("bench-import-samarinda") and removes that office's people from a previous run
first; nothing else is touched.
"""

from __future__ import annotations

import argparse
import io
import os
import time


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmks.settings")
    import django

    django.setup()


def _office():  # type: ignore[no-untyped-def]
    from accounts.models import Organization, OrganizationKind, Role, User
    from regions.models import Region

    org, _created = Organization.objects.get_or_create(
        code="bench-import-samarinda",
        defaults={
            "name": "Bench Import Samarinda",
            "kind": OrganizationKind.REGENCY_OFFICE,
            "region": Region.objects.get(code="64.72"),
        },
    )
    user, _created = User.objects.get_or_create(
        username="bench.import", defaults={"organization": org, "role": Role.CASEWORKER}
    )
    return org, user


def _clean(org) -> None:  # type: ignore[no-untyped-def]
    from cases.models import Beneficiary
    from imports.models import ImportJob

    ImportJob.objects.filter(organization=org).delete()
    Beneficiary.objects.filter(registered_by_org=org).delete()


def _copy_baseline(data: bytes) -> float:
    """A bare COPY of the same rows (as text) into a temporary table."""
    from django.db import connection, transaction

    from imports.reading import read_table

    table = read_table(data, "bench.xlsx")
    buffer = io.StringIO()
    for _number, values in table.rows:
        buffer.write("\t".join(str(v or "") for v in values) + "\n")
    columns = ", ".join(f"c{i} text" for i in range(len(table.headers)))
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE bench_copy ({columns}) ON COMMIT DROP")
        buffer.seek(0)
        cursor.cursor.copy_expert("COPY bench_copy FROM STDIN", buffer)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    _setup()
    from django.conf import settings

    from cases.models import Beneficiary
    from imports import runner
    from imports.services import Choices, import_upload
    from imports.testing import rows_of, xlsx_bytes

    org, user = _office()
    _clean(org)
    data = xlsx_bytes(rows_of(args.rows, start=1))
    before = Beneficiary.objects.count()
    started = time.perf_counter()
    job = import_upload(
        actor=user, data=data, filename="bench.xlsx", choices=Choices(legal_basis="public_task")
    )
    if job.status == "previewing":  # a big file: the worker's preview, run here
        from imports.preview import import_preview

        job = import_preview(job=job)
    preview = time.perf_counter() - started
    type(job).objects.filter(pk=job.pk).update(status="queued")
    started = time.perf_counter()
    runner.import_run(job_id=job.pk)
    commit = time.perf_counter() - started
    job.refresh_from_db()
    copy = _copy_baseline(data) if settings.IS_POSTGRES else float("nan")
    engine = "postgres" if settings.IS_POSTGRES else "sqlite"
    existing = before
    print(f"import of {args.rows} rows on {engine} ({existing} beneficiaries before)")
    print(f"  preview (read, check, dedup): {preview:7.2f} s  {args.rows / preview:8.0f} rows/s")
    print(f"  commit (task body):           {commit:7.2f} s  {args.rows / commit:8.0f} rows/s")
    total = preview + commit
    print(f"  upload to done:               {total:7.2f} s  {args.rows / total:8.0f} rows/s")
    print(f"  bare COPY of the same rows:   {copy:7.2f} s  {args.rows / copy:8.0f} rows/s")
    print(f"  outcome: {job.status}, new {job.count_new}, refused {job.count_refused}")


if __name__ == "__main__":
    main()
