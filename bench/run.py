#!/usr/bin/env python
"""The performance benchmark (`make bench`): a thin entry point. The work lives in
bench/cli.py (flags, the worker processes), bench/scenarios.py (what is measured),
bench/measure.py (timing and percentiles), bench/report.py (the table and
docs/PERFORMANCE.md) and bench/database.py (Django against the measured database).

    .venv/bin/python bench/run.py --large-url postgres://... --small-url postgres://...
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":
    # run as a script, sys.path[0] is bench/: import the project from its root instead
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.cli import main, parse, run_child  # noqa: E402
from bench.measure import (  # noqa: E402
    Bench,
    NotAvailable,
    Result,
    check,
    get_each,
    percentile,
    url_for,
)
from bench.report import BUDGETS, MARK_END, MARK_START, report, table, verdict, write_note  # noqa: E402
from bench.scenarios import run_rebuild, run_web  # noqa: E402

__all__ = [
    "BUDGETS",
    "MARK_END",
    "MARK_START",
    "Bench",
    "NotAvailable",
    "Result",
    "check",
    "get_each",
    "main",
    "parse",
    "percentile",
    "report",
    "run_child",
    "run_rebuild",
    "run_web",
    "table",
    "url_for",
    "verdict",
    "write_note",
]

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
