"""The row report of an import: each original row with its outcome and errors, in
Indonesian, as XLSX (sheet "Baris"), and a summary sheet ("Ringkasan"). A cancelled
import lists the rows it did not reach as not processed."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from imports.models import ImportJob, JobStatus, Outcome
from imports.reading import BadFile
from imports.rows import cell_text
from imports.source import read_job_file

FORMULA_START = ("=", "+", "-", "@")


def _safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _summary(workbook: Workbook, job: ImportJob) -> None:
    sheet = workbook.create_sheet(_("Ringkasan"))
    lines: list[tuple[str, Any]] = [
        (_("Berkas"), job.file_name),
        (_("SHA-256"), job.sha256),
        (_("Kantor"), job.organization.name),
        (_("Diunggah oleh"), str(job.created_by)),
        (_("Diunggah"), timezone.localtime(job.created_at).strftime("%d/%m/%Y %H:%M")),
        (_("Status"), job.get_status_display()),
        (_("Jumlah baris"), job.total_rows),
        (_("Baru"), job.count_new),
        (_("Ditautkan"), job.count_linked),
        (_("Dilewati"), job.count_skipped),
        (_("Ditolak"), job.count_refused),
        (_("Perlu diperiksa"), job.count_flagged),
        (_("Kasus dibuka"), job.count_cases),
    ]
    if job.status == JobStatus.CANCELLED and job.stopped_at_row:
        lines.append(
            (
                _("Dibatalkan"),
                _(
                    "Impor dibatalkan; berhenti sebelum baris %(row)s. Baris itu dan sesudahnya "
                    "tidak diproses."
                )
                % {"row": job.stopped_at_row},
            )
        )
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 80
    for label, value in lines:
        sheet.append([label, _safe(value)])


def _unreached(job: ImportJob, done: set[int]) -> list[tuple[int, dict[str, str]]]:
    try:
        table = read_job_file(job)
    except BadFile:
        return []
    rows = []
    for number, values in table.rows:
        if number not in done:
            rows.append(
                (number, {h: cell_text(v) for h, v in zip(table.headers, values, strict=False)})
            )
    return rows


def build_report(job: ImportJob) -> bytes:
    """Written in openpyxl's write-only mode (rows streamed to the file): every cell
    is a string or a number as the row had it, so a NIK stays its 16 digits."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Baris"))
    headers = list(job.headers)
    sheet.column_dimensions["C"].width = 80
    sheet.freeze_panes = "D2"
    bold = Font(bold=True)
    titles = [_("Baris"), _("Hasil"), _("Keterangan"), *headers]
    sheet.append([_bold_cell(sheet, title, bold) for title in titles])
    labels = dict(Outcome.choices)
    done: set[int] = set()
    for row in job.rows.order_by("number").iterator(chunk_size=2000):
        done.add(row.number)
        values = [_safe(row.values.get(h, "")) for h in headers]
        sheet.append([row.number, str(labels[row.outcome]), _safe(" ".join(row.errors)), *values])
    if job.status in (JobStatus.CANCELLED, JobStatus.FAILED):
        note = _("Tidak diproses: impor dihentikan sebelum baris ini.")
        for number, original in _unreached(job, done):
            values = [_safe(original.get(h, "")) for h in headers]
            sheet.append([number, _("Tidak diproses"), note, *values])
    _summary(workbook, job)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _bold_cell(sheet: Any, value: str, font: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = font
    return cell


def write_report(job: ImportJob) -> None:
    job.report.save(f"{job.pk}.xlsx", ContentFile(build_report(job)), save=False)
    ImportJob.objects.filter(pk=job.pk).update(report=job.report.name)
