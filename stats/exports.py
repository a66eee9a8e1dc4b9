"""CSV and XLSX of one dashboard table: the same rows the page shows."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _header(table: dict[str, Any]) -> list[str]:
    return [column["label"] for column in table["columns"]]


def csv_response(table: dict[str, Any], filename: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_header(table))
    for row in table["rows"]:
        writer.writerow(["" if value is None else value for value in row])
    # The BOM makes spreadsheet programs read the file as UTF-8.
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(
    table: dict[str, Any], filename: str, about: list[tuple[str, str]]
) -> HttpResponse:
    """Sheet 1: the table (header row, then the rows). Sheet 2: what it is and when."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Data")
    sheet.append(_header(table))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table["rows"]:
        sheet.append(list(row))
    for index, column in enumerate(table["columns"], start=1):
        longest = max([len(str(column["label"]))] + [len(str(r[index - 1])) for r in table["rows"]])
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = min(
            60, max(10, longest + 2)
        )
    sheet.freeze_panes = "A2"
    info = workbook.create_sheet(_("Keterangan"))
    info.append([_("Tabel"), table["title"]])
    for label, value in about:
        info.append([label, value])
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 60
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
