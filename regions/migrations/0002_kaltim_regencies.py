"""Ship province 64 and its ten kabupaten/kota so a fresh install works.
The full tree (kecamatan, desa/kelurahan) comes from `manage.py load_regions`."""

from django.db import migrations

KALTIM = [
    ("64", "Kalimantan Timur", "province", None),
    ("64.01", "Kabupaten Paser", "regency", "64"),
    ("64.02", "Kabupaten Kutai Kartanegara", "regency", "64"),
    ("64.03", "Kabupaten Berau", "regency", "64"),
    ("64.07", "Kabupaten Kutai Barat", "regency", "64"),
    ("64.08", "Kabupaten Kutai Timur", "regency", "64"),
    ("64.09", "Kabupaten Penajam Paser Utara", "regency", "64"),
    ("64.11", "Kabupaten Mahakam Ulu", "regency", "64"),
    ("64.71", "Kota Balikpapan", "regency", "64"),
    ("64.72", "Kota Samarinda", "regency", "64"),
    ("64.74", "Kota Bontang", "regency", "64"),
]


def forwards(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    by_code = {}
    for code, name, level, parent_code in KALTIM:
        region, _ = Region.objects.update_or_create(
            code=code,
            defaults={"name": name, "level": level, "parent": by_code.get(parent_code)},
        )
        by_code[code] = region


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
