"""Load the whole shipped tree of province 64 (105 kecamatan, 1,038 desa/kelurahan),
so every install can register people down to the desa. The CSV is the project's own
copy (regions/data/README.md); later changes come through `manage.py load_regions`.
Reads the file with the csv module and the historical model: no app code."""

import csv
from pathlib import Path

from django.db import migrations

CSV_PATH = Path(__file__).resolve().parents[1] / "data" / "regions_kaltim.csv"


def forwards(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    with CSV_PATH.open(encoding="utf-8-sig", newline="") as handle:
        # Stripped like manage.py load_regions does (two names end in a space).
        rows = [{k: v.strip() for k, v in row.items()} for row in csv.DictReader(handle)]
    existing = {region.code: region for region in Region.objects.all()}
    for depth in (1, 2, 3, 4):
        layer = [row for row in rows if row["code"].count(".") + 1 == depth]
        new = []
        for row in layer:
            region = existing.get(row["code"])
            parent = existing.get(row["parent_code"]) if row["parent_code"] else None
            if region is None:
                new.append(
                    Region(code=row["code"], name=row["name"], level=row["level"], parent=parent)
                )
            elif (region.name, region.level, region.parent_id) != (
                row["name"],
                row["level"],
                parent.pk if parent else None,
            ):
                region.name, region.level, region.parent = row["name"], row["level"], parent
                region.save(update_fields=["name", "level", "parent"])
        Region.objects.bulk_create(new, batch_size=500)
        for region in Region.objects.filter(code__in=[row["code"] for row in layer]):
            existing[region.code] = region


class Migration(migrations.Migration):
    dependencies = [("regions", "0002_kaltim_regencies")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
