"""Formatting of dashboard cells: the page shows the exported values as they are
(integers plainly, decimals with one digit in the local notation, empty as a dash)."""

from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def cell(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, float):
        return number_format(value, decimal_pos=1)
    return str(value)


@register.filter
def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
