"""Writing a Dataset as CSV or XLSX, with flat memory at any size.

CSV: UTF-8 with a BOM, `,` as separator. The BOM makes Excel read the file as
UTF-8 (names such as "Ni Luh Putu Ayu" with diacritics, "Dari → kepada"), and
with the BOM present Excel takes `,` as the separator whatever the Windows
locale; `,` is RFC 4180's, what every other program (LibreOffice, pandas,
Postgres's COPY) reads by default, and what our own import detects beside `;`.
Text cells are quoted only when needed.

On Postgres a file is written by `COPY (SELECT ...) TO STDOUT WITH CSV` (psycopg2's
copy_expert straight into the file): the rows never become Python objects. Elsewhere
(SQLite, and XLSX everywhere) the rows come from a server-side cursor
(`QuerySet.iterator(chunk_size=...)`), a chunk at a time.

XLSX: openpyxl's write_only workbook (rows go to a temporary file as they come).
NIK and No. KK cells are strings formatted `@` (text), so Excel shows all 16
digits and never turns them into 6.47101E+15.
"""

from __future__ import annotations

import csv
import io
import queue
import threading
from collections.abc import Callable, Iterator
from typing import IO, Any

from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from exports.datasets import Dataset

BOM = "\ufeff"
CHUNK_ROWS = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Progress = Callable[[int], None]


def _line(writer: Any, buffer: io.StringIO, row: list[Any]) -> str:
    writer.writerow(row)
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def stream_csv(dataset: Dataset) -> Iterator[str]:
    """The CSV in pieces of about CHUNK_ROWS rows (a StreamingHttpResponse's body)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    yield BOM + _line(writer, buffer, dataset.header)
    for count, row in enumerate(dataset.values().iterator(chunk_size=CHUNK_ROWS), start=1):
        writer.writerow(row)  # None is written empty, a date as ISO (as COPY writes them)
        if count % CHUNK_ROWS == 0:
            yield _flush(buffer)
    rest = _flush(buffer)
    if rest:
        yield rest


def _flush(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def copy_sql(dataset: Dataset, using: str = "default") -> str:
    """The dataset's SELECT as one SQL string (parameters bound by psycopg2)."""
    queryset = dataset.values()
    connection = connections[using]
    sql, params = queryset.query.get_compiler(using=using).as_sql()
    with connection.cursor() as cursor:
        return cursor.mogrify(sql, params).decode()  # type: ignore[no-any-return]


def write_csv(dataset: Dataset, out: IO[bytes], progress: Progress | None = None) -> int:
    """Write the CSV into the binary file `out`; the number of rows written."""
    out.write((BOM + ",".join(_quote(label) for label in dataset.header) + "\n").encode())
    queryset = dataset.values()
    connection = connections[queryset.db]
    if connection.vendor == "postgresql":
        counter = _LineCounter(out, progress)
        sql = copy_sql(dataset, queryset.db)
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.copy_expert(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", counter)
            return int(cursor.rowcount)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\n")
    count = 0
    for row in queryset.iterator(chunk_size=CHUNK_ROWS):
        writer.writerow(row)  # None is written empty, a date as ISO (as COPY writes them)
        count += 1
        if progress is not None and count % CHUNK_ROWS == 0:
            progress(count)
    text.flush()
    text.detach()
    return count


def _quote(value: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([value])
    return buffer.getvalue()


class _LineCounter:
    """A file COPY writes into, telling `progress` about every ~CHUNK_ROWS lines
    (approximate: a quoted cell may hold a newline). It cannot ask the database:
    the connection is busy with the COPY."""

    def __init__(self, out: IO[bytes], progress: Progress | None) -> None:
        self.out = out
        self.progress = progress
        self.lines = 0
        self.reported = 0

    def write(self, data: Any) -> int:
        chunk = data.encode() if isinstance(data, str) else bytes(data)
        self.out.write(chunk)
        if self.progress is not None:
            self.lines += chunk.count(b"\n")
            if self.lines - self.reported >= CHUNK_ROWS * 10:
                self.reported = self.lines
                self.progress(self.lines)
        return len(chunk)


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


# Excel shows at most 1,048,576 rows a sheet: past it the rows go on in a next sheet.
SHEET_ROWS = 1_048_576 - 1


def _data_sheet(workbook: Workbook, dataset: Dataset, number: int) -> Any:
    title = str(dataset.title)[:24] + (f" ({number})" if number > 1 else "")
    sheet = workbook.create_sheet(title=title)
    for index in range(len(dataset.header)):
        width = 20 if index in dataset.text_columns else 18
        sheet.column_dimensions[_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for label in dataset.header:
        head = WriteOnlyCell(sheet, value=label)
        head.font = bold
        header.append(head)
    sheet.append(header)
    return sheet


def write_xlsx(
    dataset: Dataset,
    out: IO[bytes],
    progress: Progress | None = None,
    *,
    rows_per_sheet: int = SHEET_ROWS,
) -> int:
    """Write the XLSX into `out`; the number of rows written. The rows (header in
    bold, frozen) on as many sheets as Excel needs, then a sheet saying what it is."""
    workbook = Workbook(write_only=True)
    sheets = 1
    sheet = _data_sheet(workbook, dataset, sheets)
    text_columns = dataset.text_columns
    count = 0
    for row in dataset.values().iterator(chunk_size=CHUNK_ROWS):
        if count and count % rows_per_sheet == 0:
            sheets += 1
            sheet = _data_sheet(workbook, dataset, sheets)
        cells: list[Any] = []
        for index, value in enumerate(row):
            if index in text_columns:
                text = WriteOnlyCell(sheet, value="" if value is None else str(value))
                text.number_format = "@"
                cells.append(text)
            else:
                cells.append(_text(value))
        sheet.append(cells)
        count += 1
        if progress is not None and count % CHUNK_ROWS == 0:
            progress(count)
    about = workbook.create_sheet(title=str(_("Keterangan")))
    about.append([str(_("Daftar")), str(dataset.title)])
    about.append([str(_("Jumlah baris")), count])
    about.append([str(_("Dibuat")), timezone.localtime().strftime("%d/%m/%Y %H:%M")])
    workbook.save(out)
    return count


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


class _Stopped(Exception):
    """The response was closed (the client went away): the COPY is abandoned."""


class _QueueFile:
    """A file COPY writes into, handing each piece to the response through a
    bounded queue (memory stays flat: the COPY waits while the client is slow)."""

    def __init__(self, pieces: queue.Queue[Any], stop: threading.Event) -> None:
        self.pieces = pieces
        self.stop = stop

    def write(self, data: Any) -> int:
        chunk = data.encode() if isinstance(data, str) else bytes(data)
        while True:
            if self.stop.is_set():
                raise _Stopped
            try:
                self.pieces.put(chunk, timeout=1)
                return len(chunk)
            except queue.Full:
                continue


def stream_csv_copy(dataset: Dataset) -> Iterator[bytes]:
    """On Postgres, the CSV as `COPY … TO STDOUT` writes it, streamed: the COPY runs
    on its own connection in a thread, and its output goes to the response a piece
    at a time. Outside a transaction only (a thread's connection would not see the
    rows of an open one): inside one, the rows come from stream_csv."""
    queryset = dataset.values()
    connection = connections[queryset.db]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield from (piece.encode() for piece in stream_csv(dataset))
        return
    sql = copy_sql(dataset, queryset.db)
    pieces: queue.Queue[Any] = queue.Queue(maxsize=64)
    stop = threading.Event()
    done = object()

    def run() -> None:
        own = connections[queryset.db]  # this thread's own connection
        try:
            with own.cursor() as cursor:
                cursor.copy_expert(
                    f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", _QueueFile(pieces, stop)
                )
        except _Stopped:
            pass
        except Exception as exc:  # handed to the response, which raises it
            _put(pieces, stop, exc)
        finally:
            own.close()
            _put(pieces, stop, done)

    thread = threading.Thread(target=run, name="export-copy", daemon=True)
    yield (BOM + ",".join(_quote(label) for label in dataset.header) + "\n").encode()
    thread.start()
    try:
        while True:
            piece = pieces.get()
            if piece is done:
                return
            if isinstance(piece, Exception):
                raise piece
            yield piece
    finally:
        stop.set()
        thread.join(timeout=5)


def _put(pieces: queue.Queue[Any], stop: threading.Event, item: Any) -> None:
    while not stop.is_set():
        try:
            pieces.put(item, timeout=1)
            return
        except queue.Full:
            continue
