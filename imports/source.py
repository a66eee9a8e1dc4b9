"""A job's stored file as checked rows, in batches (the preview and the commit
read it the same way)."""

from __future__ import annotations

from collections.abc import Iterator

from django.core.files.base import ContentFile

from imports.models import ImportJob
from imports.reading import Table, read_table, table_from_bytes, table_to_bytes
from imports.rows import Options, ParsedRow, Reference, cell_text, parse_row

BATCH_SIZE = 500  # rows per transaction of the commit (and per lookup of the preview)


def rows_copy_name(job: ImportJob) -> str:
    return f"{job.file.name}.rows.json.gz"


def keep_rows(job: ImportJob, table: Table) -> None:
    """The rows as read at upload, beside the file (the commit reads them back)."""
    job.file.storage.save(rows_copy_name(job), ContentFile(table_to_bytes(table)))


def read_job_file(job: ImportJob) -> Table:
    """The rows of the job's file: the copy kept at upload, else the file itself."""
    storage = job.file.storage
    if storage.exists(rows_copy_name(job)):
        with storage.open(rows_copy_name(job), "rb") as handle:
            return table_from_bytes(handle.read())
    with job.file.open("rb") as handle:
        data = handle.read()
    return read_table(data, job.file_name)


def options(job: ImportJob) -> Options:
    return Options(legal_basis=job.legal_basis, confirm_age_warnings=job.confirm_age_warnings)


def parsed_rows(job: ImportJob, table: Table | None = None) -> Iterator[ParsedRow]:
    """The file's rows through the row rules, in order."""
    table = table or read_job_file(job)
    reference = Reference.load(job.regency)
    row_options = options(job)
    index = {header: position for position, header in enumerate(table.headers)}
    columns = {key: index[header] for key, header in job.mapping.items() if header in index}
    for number, values in table.rows:
        cells = {key: values[position] for key, position in columns.items()}
        original = {header: cell_text(values[i]) for header, i in index.items()}
        yield parse_row(number, cells, original, reference, row_options)


def batches(rows: Iterator[ParsedRow], size: int | None = None) -> Iterator[list[ParsedRow]]:
    size = size or BATCH_SIZE
    batch: list[ParsedRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
