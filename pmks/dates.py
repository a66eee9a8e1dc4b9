"""Dates as people in Kalimantan Timur write them: dd/mm/yyyy (issue 15).

A browser's <input type="date"> shows the browser's locale (mm/dd/yyyy in an
en-US Chromium, the usual office install), so every date a person types is a
text input with a numeric keypad and a dd/mm/yyyy placeholder instead. The form
field reads dd/mm/yyyy and still takes yyyy-mm-dd (the API, old clients,
restored drafts). Display formats are in pmks/formats/<lang>/formats.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
PLACEHOLDER = "dd/mm/yyyy"
# Day and month of one or two digits, or ISO; the server decides what is a real date.
PATTERN = r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}"
INVALID = _("Tanggal tidak valid. Tulis tanggal sebagai dd/mm/yyyy, misalnya 03/12/2026.")


class DayMonthYearInput(forms.DateInput):
    """A text input for dd/mm/yyyy: numeric keypad, placeholder, pattern."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        base = {
            "inputmode": "numeric",
            "placeholder": PLACEHOLDER,
            "pattern": PATTERN,
            "autocomplete": "off",
            "maxlength": "10",
        }
        super().__init__(attrs={**base, **(attrs or {})}, format="%d/%m/%Y")


class DayMonthYearField(forms.DateField):
    """A date typed as dd/mm/yyyy (or yyyy-mm-dd), with an Indonesian error."""

    widget = DayMonthYearInput
    input_formats = INPUT_FORMATS
    default_error_messages = {"invalid": INVALID}


def parse_day_month_year(value: str | None) -> dt.date | None:
    """A dd/mm/yyyy or yyyy-mm-dd text as a date; None when empty or not a date."""
    text = (value or "").strip()
    for pattern in INPUT_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a date)
        except ValueError:
            continue
    return None
