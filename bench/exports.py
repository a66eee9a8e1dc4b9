"""Export of the case list to CSV on Postgres (issue 16), beside its raw baseline.

    .venv/bin/python -m bench.exports --db pmks_h3bench [--xlsx]

Figure: a background export job of every case, as the provincial supervisor
(the whole province: the largest export), through exports.services.export_run:
scoping, the list's columns computed in SQL (labels, local dates, neutralising
prefix), `COPY (SELECT ...) TO STDOUT WITH CSV` into a file, the file saved to
the media storage. Baseline: a bare `COPY` of the same columns (the same joins,
raw values, no scoping, no labels) into a file. Prints both, their ratio, the
rows per second and this process's peak RSS (the worker's, since the job runs
in it). With --xlsx also the same job as XLSX (openpyxl write-only, iterator); with
--stream the API's streamed CSV (the same COPY, from a thread, a piece at a time).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from typing import Any

from bench.database import DEFAULT_SERVER, database_url, setup_django
from bench.measure import rss_mb

REPEAT = 3
BASELINE_SQL = """
SELECT c.number, b.nik, b.no_kk, c.beneficiary_name, cat.name, d.name, r.name, o.name,
       c.status, c.priority, TRIM(u.first_name || ' ' || u.last_name),
       (c.opened_at AT TIME ZONE 'Asia/Makassar')::date,
       (c.closed_at AT TIME ZONE 'Asia/Makassar')::date, c.closure_reason
FROM cases_case c
JOIN cases_beneficiary b ON b.id = c.beneficiary_id
JOIN cases_pmkscategory cat ON cat.id = c.primary_category_id
LEFT JOIN regions_region d ON d.id = c.district_id
JOIN regions_region r ON r.id = c.regency_id
JOIN accounts_organization o ON o.id = c.owner_org_id
LEFT JOIN accounts_user u ON u.id = c.assigned_to_id
ORDER BY c.opened_at DESC, c.id DESC
"""


def _job(fmt: str, user: Any) -> tuple[float, int, str]:
    from exports import services
    from exports.models import ExportJob

    job = ExportJob.objects.create(
        requested_by=user,
        organization=user.organization,
        dataset="cases",
        fmt=fmt,  # type: ignore[attr-defined]
    )
    started = time.perf_counter()
    services.export_run(str(job.pk))
    elapsed = time.perf_counter() - started
    job.refresh_from_db()
    if job.status != "done":
        raise SystemExit(f"export failed: {job.error}")
    size = job.file.size
    job.file.delete(save=False)
    job.delete()
    return elapsed, int(job.row_count or 0), f"{size / 1e6:.1f} MB"


def _stream(user: Any) -> tuple[float, int]:
    """The API's streamed CSV of the same cases (COPY in a thread), bytes discarded."""
    from exports import datasets, writers

    started = time.perf_counter()
    dataset = datasets.cases(user, {}, owned_only=True)
    lines = sum(piece.count(b"\n") for piece in writers.stream_csv_copy(dataset))
    return time.perf_counter() - started, lines - 1


def _baseline() -> tuple[float, int]:
    from django.db import connection

    with tempfile.NamedTemporaryFile("wb", suffix=".csv") as out:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.copy_expert(f"COPY ({BASELINE_SQL}) TO STDOUT WITH (FORMAT csv)", out)
            rows = cursor.rowcount
        out.flush()
        return time.perf_counter() - started, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="pmks_h3bench", help="database name on --server")
    parser.add_argument("--url", help="a full DATABASE_URL instead of --db")
    parser.add_argument("--server", default=DEFAULT_SERVER)
    parser.add_argument("--xlsx", action="store_true", help="also the XLSX job")
    parser.add_argument("--stream", action="store_true", help="also the streamed CSV (API)")
    args = parser.parse_args()
    url = database_url(args.url, args.db, args.server)
    assert url is not None
    setup_django(url)
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-exports-"))
    from django.conf import settings

    settings.MEDIA_ROOT = os.environ["MEDIA_ROOT"]
    from accounts.models import OrganizationKind, Role, User

    user = User.objects.filter(
        role=Role.SUPERVISOR, organization__kind=OrganizationKind.PROVINCE_OFFICE, is_active=True
    ).first()
    if user is None:
        raise SystemExit("no provincial supervisor in this database (seed_demo makes one)")
    _baseline()  # warm the cache: both runs read the same pages from memory
    runs = [_job("csv", user) for _ in range(REPEAT)]
    figure, rows, size = sorted(runs)[REPEAT // 2]  # the median run
    peak_after_export = rss_mb()[1]
    baseline, baseline_rows = sorted(_baseline() for _ in range(REPEAT))[REPEAT // 2]
    print(f"database: {args.db if not args.url else args.url}; user: {user.username}")  # noqa: T201
    print(f"median of {REPEAT} runs each")  # noqa: T201
    print(f"cases exported: {rows} (baseline rows {baseline_rows}); CSV {size}")  # noqa: T201
    print(  # noqa: T201
        f"export CSV job: {figure:.2f} s ({rows / figure:,.0f} rows/s) | "
        f"bare COPY: {baseline:.2f} s | ratio {figure / baseline:.2f}x | "
        f"peak RSS {peak_after_export:.0f} MB"
    )
    if args.stream:
        stream, srows = _stream(user)
        print(  # noqa: T201
            f"streamed CSV (API /cases/export.csv, COPY in a thread): {stream:.2f} s "
            f"({srows / stream:,.0f} rows/s) | ratio to bare COPY {stream / baseline:.1f}x | "
            f"peak RSS {rss_mb()[1]:.0f} MB"
        )
    if args.xlsx:
        xlsx, xrows, xsize = _job("xlsx", user)
        print(  # noqa: T201
            f"export XLSX job: {xlsx:.2f} s ({xrows / xlsx:,.0f} rows/s), {xsize} | "
            f"ratio to bare COPY {xlsx / baseline:.1f}x | peak RSS {rss_mb()[1]:.0f} MB"
        )


if __name__ == "__main__":
    main()
