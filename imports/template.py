"""The import template: the columns with their Indonesian headers (NIK and No. KK
formatted as text), an example row, and an instructions sheet with the codes."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from cases.models import LegalBasis, NikAbsentReason, PmksCategory
from imports.columns import COLUMNS

TEXT_COLUMNS = {"nik", "no_kk", "phone", "desil"}
EXAMPLE = {
    "nik": "6472015705900001",
    "full_name": "Siti Rahmawati",
    "sex": "P",
    "birth_date": "17/05/1990",
    "regency": "Kota Samarinda",
    "district": "Palaran",
    "village": "Rawa Makmur",
    "address": "Jl. Pahlawan No. 3 RT 02",
    "no_kk": "6472012001200001",
    "relationship": "Kepala keluarga",
    "category": "Fakir Miskin",
    "dtsen": "Ya",
    "desil": "2",
    "pkh": "Ya",
}


def _codes(sheet, title: str, rows: list[tuple[str, str]]) -> None:  # type: ignore[no-untyped-def]
    sheet.append([])
    sheet.append([title])
    sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    for code, label in rows:
        sheet.append([code, label])


def build_template() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Data")
    sheet.append([column.header for column in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        header = sheet.cell(row=1, column=index)
        header.font = Font(bold=True)
        letter = header.column_letter
        sheet.column_dimensions[letter].width = max(12, len(column.header) + 4)
        if column.key in TEXT_COLUMNS:
            for row in range(2, 2001):  # typed NIKs stay text: Excel keeps all 16 digits
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    _instructions(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _instructions(workbook: Workbook) -> None:
    from households.models import Relationship

    help_sheet = workbook.create_sheet(_("Petunjuk"))
    help_sheet.append([_("Kolom"), _("Wajib"), _("Isi")])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        example = EXAMPLE.get(column.key, "")
        note = f"{column.note} " + (
            _("Contoh: %(example)s") % {"example": example} if example else ""
        )
        help_sheet.append([column.header, _("Ya") if column.required else "", note.strip()])
    help_sheet.append([])
    help_sheet.append(
        [
            _(
                "Satu baris satu orang, mulai baris 2 lembar Data. Domisili di luar "
                "kabupaten/kota kantor Anda ditolak."
            )
        ]
    )
    _codes(
        help_sheet,
        _("Kategori PMKS"),
        [(c.code, c.name) for c in PmksCategory.objects.order_by("sort_order", "code")],
    )
    _codes(
        help_sheet,
        _("Alasan tanpa NIK"),
        [(str(v), str(label)) for v, label in NikAbsentReason.choices],
    )
    _codes(
        help_sheet,
        _("Dasar pemrosesan data"),
        [(str(v), str(label)) for v, label in LegalBasis.choices],
    )
    _codes(
        help_sheet,
        _("Hubungan dengan kepala keluarga"),
        [(str(v), str(label)) for v, label in Relationship.choices],
    )
    help_sheet.column_dimensions["A"].width = 34
    help_sheet.column_dimensions["B"].width = 40
    help_sheet.column_dimensions["C"].width = 90
