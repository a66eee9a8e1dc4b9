"""Where people live: the kecamatan (or, without the tree, the regency) of each
kabupaten/kota with its villages, weighted by how many people live there."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

from demo.scale.distributions import KECAMATAN_COUNT
from regions.models import Level, Region


@dataclass
class Place:
    """A kecamatan (or a whole regency when the tree is not loaded) and its villages."""

    regency_code: str
    regency_id: int
    district_id: int | None
    district_code: str
    nik_code: str  # the 6 digits a NIK or KK issued here starts with
    villages: list[tuple[int, str]]  # (region id, name); empty → live at this level
    name: str


# regency code → (places, cumulative weights)
PlacesByRegency = dict[str, tuple[list[Place], list[float]]]


def ensure_regions(regions_csv: Path | None, say: Callable[[str], None]) -> bool:
    """Load the kecamatan/desa tree if it is missing and the CSV is there.
    Returns whether kecamatan exist afterwards."""
    if Region.objects.filter(level=Level.DISTRICT).exists():
        return True
    if regions_csv is not None and regions_csv.exists():
        from regions.loading import load_file

        result = load_file(regions_csv)
        say(f"loaded the region tree from {regions_csv} ({result.created} regions)")
        return True
    say("no kecamatan in the database and no region CSV: placing people at regency level")
    return False


def districts_by_regency() -> dict[str, list[Region]]:
    districts: dict[str, list[Region]] = defaultdict(list)
    for district in Region.objects.filter(level=Level.DISTRICT).order_by("code"):
        districts[district.code[:5]].append(district)
    return districts


def villages_by_district() -> tuple[dict[int, list[tuple[int, str]]], dict[int, int]]:
    """(district id → its villages as (id, name), district id → its kelurahan count)."""
    villages: dict[int, list[tuple[int, str]]] = defaultdict(list)
    kelurahan: dict[int, int] = defaultdict(int)
    for pk, parent_id, name, code in (
        Region.objects.filter(level=Level.VILLAGE)
        .order_by("code")
        .values_list("pk", "parent_id", "name", "code")
    ):
        villages[parent_id].append((pk, name))
        if code.rsplit(".", 1)[-1].startswith("1"):
            kelurahan[parent_id] += 1
    return villages, kelurahan


def regency_places(
    regency: Region,
    districts: list[Region],
    villages: dict[int, list[tuple[int, str]]],
    kelurahan: dict[int, int],
) -> tuple[list[Place], list[float]]:
    """The places of one regency and their weights (not cumulative)."""
    code = regency.code
    places, weights = [], []
    for district in districts:
        rows = villages.get(district.pk, [])
        places.append(
            Place(
                code,
                regency.pk,
                district.pk,
                district.code,
                district.code.replace(".", ""),
                rows,
                district.name,
            )
        )
        # Urban kecamatan (many kelurahan) hold more people.
        weights.append(1.0 + len(rows) + 3.0 * kelurahan[district.pk])
    if not places:
        for number in range(1, KECAMATAN_COUNT.get(code, 5) + 1):
            nik_code = f"{code.replace('.', '')}{number:02d}"
            places.append(Place(code, regency.pk, None, code, nik_code, [], regency.name))
            weights.append(1.0)
    return places, weights


def load_places(
    regencies: dict[str, Region], regency_codes: list[str]
) -> tuple[PlacesByRegency, bool]:
    """The places of every regency, and whether the kecamatan tree is loaded."""
    districts = districts_by_regency()
    villages, kelurahan = villages_by_district()
    places_by_regency: PlacesByRegency = {}
    for code in regency_codes:
        places, weights = regency_places(
            regencies[code], districts.get(code, []), villages, kelurahan
        )
        places_by_regency[code] = (places, list(accumulate(weights)))
    return places_by_regency, bool(districts)
