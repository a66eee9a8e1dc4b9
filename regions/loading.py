"""Validate and load a region tree from a CSV (`code,name,level,parent_code`).

The whole file is validated before anything is written; one invalid row names
its line and nothing changes. Loading twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from regions.models import LEVEL_DEPTH, SEGMENT_DIGITS, Level, Region

EXPECTED_COLUMNS = ["code", "name", "level", "parent_code"]

# The project's own copies of the reference data (see regions/data/README.md).
DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED_CSV = DATA_DIR / "regions_kaltim.csv"
KABKOTA_GEOJSON = DATA_DIR / "kaltim_kabkota.geojson"
KECAMATAN_GEOJSON = DATA_DIR / "kaltim_kecamatan.geojson"


class RegionFileError(Exception):
    """The file cannot be loaded; the message names the line and the problem."""


@dataclass
class RegionRow:
    line: int
    code: str
    name: str
    level: str
    parent_code: str


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_level: dict[str, int] = field(default_factory=dict)


def _code_pattern(depth: int) -> re.Pattern[str]:
    parts = [rf"[0-9]{{{digits}}}" for digits in SEGMENT_DIGITS[:depth]]  # not \d: ASCII only
    return re.compile(r"\.".join(parts) + r"\Z")


def read_rows(path: Path) -> list[RegionRow]:
    """Parse and validate every row; raise RegionFileError on the first bad line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RegionFileError(f"cannot open {path}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RegionFileError(f"line {line}: the file is not UTF-8 text") from None
    with io.StringIO(text, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or [h.strip() for h in header] != EXPECTED_COLUMNS:
            raise RegionFileError(f"line 1: header must be {','.join(EXPECTED_COLUMNS)}")
        rows = []
        for line, values in enumerate(reader, start=2):
            if not values or all(not v.strip() for v in values):
                continue
            if len(values) != 4:
                raise RegionFileError(f"line {line}: expected 4 columns, found {len(values)}")
            code, name, level, parent_code = (v.strip() for v in values)
            rows.append(RegionRow(line, code, name, level, parent_code))
    validate_rows(rows)
    return rows


def validate_rows(rows: list[RegionRow]) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        if row.level not in Level.values:
            raise RegionFileError(
                f"line {row.line}: level {row.level!r} is not one of {', '.join(Level.values)}"
            )
        depth = LEVEL_DEPTH[Level(row.level)]
        if not _code_pattern(depth).match(row.code):
            raise RegionFileError(
                f"line {row.line}: code {row.code!r} does not have the shape of a {row.level} "
                f"code (e.g. {'.'.join('9' * d for d in SEGMENT_DIGITS[:depth])})"
            )
        if not row.name:
            raise RegionFileError(f"line {row.line}: name is empty")
        if len(row.name) > 120:
            raise RegionFileError(f"line {row.line}: name is longer than 120 characters")
        expected_parent = row.code.rsplit(".", 1)[0] if depth > 1 else ""
        if row.parent_code != expected_parent:
            raise RegionFileError(
                f"line {row.line}: parent_code {row.parent_code!r} does not match code "
                f"{row.code!r} (expected {expected_parent!r})"
            )
        if row.code in seen:
            raise RegionFileError(
                f"line {row.line}: code {row.code} already appears on line {seen[row.code]}"
            )
        seen[row.code] = row.line
    existing = set(
        Region.objects.filter(code__in={r.parent_code for r in rows if r.parent_code}).values_list(
            "code", flat=True
        )
    )
    for row in rows:
        if row.parent_code and row.parent_code not in seen and row.parent_code not in existing:
            raise RegionFileError(
                f"line {row.line}: parent {row.parent_code} is neither in the file "
                "nor in the database"
            )


@transaction.atomic
def load_rows(rows: list[RegionRow]) -> LoadResult:
    """Create or update the rows, parents first. Runs in one transaction."""
    result = LoadResult()
    rows = sorted(rows, key=lambda r: (LEVEL_DEPTH[Level(r.level)], r.code))
    existing = {region.code: region for region in Region.objects.all()}
    for depth in sorted({LEVEL_DEPTH[Level(r.level)] for r in rows}):
        to_create, to_update = [], []
        for row in (r for r in rows if LEVEL_DEPTH[Level(r.level)] == depth):
            parent = existing[row.parent_code] if row.parent_code else None
            region = existing.get(row.code)
            if region is None:
                region = Region(code=row.code, name=row.name, level=row.level, parent=parent)
                to_create.append(region)
                result.created += 1
            elif (region.name, region.level, region.parent_id) != (
                row.name,
                row.level,
                parent.pk if parent else None,
            ):
                region.name, region.level, region.parent = row.name, row.level, parent
                to_update.append(region)
                result.updated += 1
            else:
                result.unchanged += 1
            result.by_level[row.level] = result.by_level.get(row.level, 0) + 1
        Region.objects.bulk_create(to_create, batch_size=1000)
        Region.objects.bulk_update(to_update, ["name", "level", "parent"], batch_size=1000)
        if to_create:
            # bulk_create does not return primary keys on every backend: re-read.
            for region in Region.objects.filter(code__in=[r.code for r in to_create]):
                existing[region.code] = region
    return result


def load_file(path: Path) -> LoadResult:
    return load_rows(read_rows(path))
