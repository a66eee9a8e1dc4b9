"""Date formats for Bahasa Indonesia (issue 15): dd/mm/yyyy, times in WITA.

Shared with English (pmks/formats/en/formats.py imports these): a caseworker who
switches language must not start reading 03/12 as March. See pmks/dates.py.
"""

DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
# Times are converted to TIME_ZONE (Asia/Makassar) by the template engine; the
# suffix says so on the page.
DATETIME_FORMAT = r"d/m/Y H:i \W\I\T\A"
SHORT_DATETIME_FORMAT = r"d/m/Y H:i \W\I\T\A"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "d/m"
YEAR_MONTH_FORMAT = "m/Y"
FIRST_DAY_OF_WEEK = 1  # Senin
# dd/mm/yyyy as typed; yyyy-mm-dd (ISO) for the API, old clients and restored
# drafts (Django adds the ISO formats to every *_INPUT_FORMATS anyway).
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
