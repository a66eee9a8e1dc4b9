"""Reading an uploaded register: XLSX or CSV into a header and rows of values.

XLSX is read with openpyxl in read-only, values-only mode (`data_only=True`: the
value Excel last saved for a formula cell; nothing is ever calculated and macros
are never run). CSV may be UTF-8 with or without BOM or Windows-1252, with `,`
or `;` between the fields (Indonesian Excel writes `;`).

A bad file raises BadFile with an Indonesian message and nothing is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, or an encrypted OOXML
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


class BadFile(Exception):
    """The file cannot be imported; `message` says why, in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    """The header (cleaned text) and the data rows, each with its row number in
    the file (the header is row 1 of a sheet with nothing above it)."""

    headers: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)
    kind: str = "csv"


def _header_text(value: Any) -> str:
    return " ".join(str(value if value is not None else "").split())


def _is_blank(values: list[Any]) -> bool:
    return all(value is None or str(value).strip() == "" for value in values)


def too_big(size: int) -> BadFile | None:
    """The refusal of a file of `size` bytes over IMPORT_MAX_BYTES, else None."""
    limit = settings.IMPORT_MAX_BYTES
    if size <= limit:
        return None
    return BadFile(
        _(
            "Berkas terlalu besar (%(size)s MB); batasnya %(limit)s MB. Bagi menjadi "
            "beberapa berkas."
        )
        % {"size": f"{size / 1_048_576:.1f}", "limit": f"{limit / 1_048_576:.0f}"}
    )


def _check_size(data: bytes) -> None:
    if not data:
        raise BadFile(_("Berkas kosong: tidak ada isi yang dapat diimpor."))
    error = too_big(len(data))
    if error is not None:
        raise error


def _too_many_rows(count: int) -> BadFile:
    return BadFile(
        _("Berkas berisi lebih dari %(limit)s baris data. Bagi menjadi beberapa berkas.")
        % {"limit": f"{settings.IMPORT_MAX_ROWS:,}".replace(",", ".")}
    )


def _collect(headers: list[Any], rows: Any, kind: str, first_row: int) -> Table:
    """The header and the non-blank rows after it, at most IMPORT_MAX_ROWS."""
    names = [_header_text(value) for value in headers]
    while names and not names[-1]:
        names.pop()
    if not any(names):
        raise BadFile(_("Baris pertama berkas tidak berisi judul kolom."))
    table = Table(headers=names, kind=kind)
    limit = settings.IMPORT_MAX_ROWS
    for number, values in enumerate(rows, start=first_row + 1):
        values = list(values)[: len(names)]
        if _is_blank(values):
            continue
        if len(table.rows) >= limit:
            raise _too_many_rows(limit)
        values += [None] * (len(names) - len(values))
        table.rows.append((number, values))
    if not table.rows:
        raise BadFile(_("Berkas hanya berisi judul kolom, tanpa baris data."))
    return table


def _first_nonblank(rows: Any) -> tuple[int, list[Any]] | None:
    for number, values in enumerate(rows, start=1):
        values = list(values)
        if not _is_blank(values):
            return number, values
    return None


def read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001  (openpyxl raises many kinds on a bad workbook)
        raise BadFile(
            _("Berkas XLSX rusak atau bukan berkas Excel yang sah; simpan ulang dari Excel.")
        ) from exc
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise BadFile(_("Berkas XLSX tidak berisi lembar kerja."))
        rows = sheet.iter_rows(values_only=True)
        first = _first_nonblank(rows)
        if first is None:
            raise BadFile(_("Berkas kosong: lembar kerja pertama tidak berisi data."))
        number, headers = first
        return _collect(headers, rows, "xlsx", number)
    except BadFile:
        raise
    except Exception as exc:  # noqa: BLE001
        raise BadFile(
            _("Berkas XLSX rusak atau bukan berkas Excel yang sah; simpan ulang dari Excel.")
        ) from exc
    finally:
        workbook.close()


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise BadFile(
            _("Berkas CSV tidak dapat dibaca: simpan sebagai CSV UTF-8 atau CSV (Windows).")
        ) from exc


def _delimiter(text: str) -> str:
    """`,` or `;`: whichever splits the header line into more columns (sniffed on it)."""
    header = next(iter(text.splitlines()), "")
    try:
        return csv.Sniffer().sniff(header, delimiters=",;").delimiter
    except csv.Error:
        return ";" if header.count(";") > header.count(",") else ","


def read_csv(data: bytes) -> Table:
    text = decode_text(data)
    if "\x00" in text:
        raise BadFile(_("Jenis berkas tidak didukung: unggah berkas .xlsx atau .csv."))
    if not text.strip():
        raise BadFile(_("Berkas kosong: tidak ada isi yang dapat diimpor."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        first = _first_nonblank(reader)
        if first is None:
            raise BadFile(_("Berkas kosong: tidak ada isi yang dapat diimpor."))
        number, headers = first
        return _collect(headers, reader, "csv", number)
    except csv.Error as exc:
        raise BadFile(_("Berkas CSV rusak: %(error)s") % {"error": exc}) from exc


def read_table(data: bytes, filename: str) -> Table:
    """The file's header and rows, or BadFile. The type is told by the content
    (a renamed file is read for what it is), the name only decides between CSV
    and a file type we do not read."""
    _check_size(data)
    name = filename.lower()
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_STREAM in data:
            raise BadFile(
                _(
                    "Berkas XLSX dilindungi kata sandi. Buka di Excel, hapus kata sandinya "
                    "(File › Info › Lindungi Buku Kerja), simpan, lalu unggah lagi."
                )
            )
        raise BadFile(
            _("Berkas Excel 97-2003 (.xls) tidak didukung: simpan sebagai .xlsx lalu unggah lagi.")
        )
    if data.startswith(ZIP_MAGIC):
        if not name.endswith((".xlsx", ".xlsm")):
            raise BadFile(_("Jenis berkas tidak didukung: unggah berkas .xlsx atau .csv."))
        return read_xlsx(data)
    if name.endswith((".xlsx", ".xlsm")):
        raise BadFile(
            _("Berkas XLSX rusak atau bukan berkas Excel yang sah; simpan ulang dari Excel.")
        )
    if not name.endswith((".csv", ".txt")):
        raise BadFile(_("Jenis berkas tidak didukung: unggah berkas .xlsx atau .csv."))
    return read_csv(data)


# --- the rows as read, kept beside the file -------------------------------------------
# The commit reads the rows the preview read: from this copy (gzipped JSON, cells with
# their types), not by parsing the XLSX a second time (openpyxl: ~0.4 ms a row).


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "datetime" in value:
            return dt.datetime.fromisoformat(value["datetime"])
        return dt.date.fromisoformat(value["date"])
    return value


def table_to_bytes(table: Table) -> bytes:
    rows = [[number, [_encode(v) for v in values]] for number, values in table.rows]
    payload = {"headers": table.headers, "kind": table.kind, "rows": rows}
    return gzip.compress(json.dumps(payload, ensure_ascii=False).encode(), compresslevel=3)


def table_from_bytes(data: bytes) -> Table:
    payload = json.loads(gzip.decompress(data))
    rows = [(number, [_decode(v) for v in values]) for number, values in payload["rows"]]
    return Table(headers=payload["headers"], rows=rows, kind=payload["kind"])
