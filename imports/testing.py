"""Test support for imports: real files, written as offices' programs write them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from openpyxl import Workbook

from cases.testing import make_nik

HEADERS = [
    "NIK",
    "Nama lengkap",
    "Jenis kelamin",
    "Tanggal lahir",
    "Kabupaten/Kota",
    "Kecamatan",
    "Desa/Kelurahan",
    "Alamat",
    "No. KK",
    "Kategori PMKS",
]


def person_row(serial: int = 1, **overrides: Any) -> dict[str, Any]:
    """A row of a Samarinda register (Palaran, Rawa Makmur): a woman born 17/05/1990."""
    row: dict[str, Any] = {
        "NIK": make_nik(female=True, serial=serial),
        "Nama lengkap": f"Siti Rahmawati {serial}",
        "Jenis kelamin": "P",
        "Tanggal lahir": "17/05/1990",
        "Kabupaten/Kota": "Kota Samarinda",
        "Kecamatan": "Palaran",
        "Desa/Kelurahan": "Rawa Makmur",
        "Alamat": "Jl. Pahlawan No. 3",
        "No. KK": "",
        "Kategori PMKS": "",
    }
    row.update(overrides)
    return row


def xlsx_bytes(rows: list[dict[str, Any]], headers: list[str] | None = None) -> bytes:
    headers = headers or HEADERS
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(
    rows: list[dict[str, Any]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    bom: bool = False,
    headers: list[str] | None = None,
) -> bytes:
    headers = headers or HEADERS
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row.get(h) for h in headers])
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def rows_of(count: int, start: int = 1, **overrides: Any) -> list[dict[str, Any]]:
    """`count` distinct people (serials from `start`), born on different days."""
    rows = []
    for serial in range(start, start + count):
        born = dt.date(1950, 1, 1) + dt.timedelta(days=serial % 18000)
        rows.append(
            person_row(
                serial,
                **{
                    "NIK": make_nik(birth_date=born, female=True, serial=serial % 9999 + 1),
                    "Tanggal lahir": born.strftime("%d/%m/%Y"),
                    "Nama lengkap": f"Orang {serial:06d} Uji",
                    **overrides,
                },
            )
        )
    return rows
