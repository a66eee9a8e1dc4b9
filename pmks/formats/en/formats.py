"""English pages show and read dates as Indonesian ones do: dd/mm/yyyy, never
Django's en default mm/dd/yyyy (which would read 03/12/2026 as 12 March)."""

from pmks.formats.id.formats import (  # noqa: F401
    DATE_FORMAT,
    DATE_INPUT_FORMATS,
    DATETIME_FORMAT,
    DATETIME_INPUT_FORMATS,
    FIRST_DAY_OF_WEEK,
    MONTH_DAY_FORMAT,
    SHORT_DATE_FORMAT,
    SHORT_DATETIME_FORMAT,
    TIME_FORMAT,
    YEAR_MONTH_FORMAT,
)
