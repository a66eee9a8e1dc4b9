"""A trigram index on beneficiary names for each kabupaten/kota (partial: WHERE
regency_id = its id), instead of the province-wide one of 0003.

The duplicate check of a registration (its only user) asks for similar names in one
kabupaten/kota. With the province-wide index PostgreSQL read the posting lists of
every person in Kaltim sharing a trigram of the name (28-70 ms at 1M beneficiaries)
and threw most of them away; the index of the kabupaten/kota holds only its own
people (Kota Samarinda, the largest: 5.7-13 ms; the query 73 -> 23 ms). The
province-wide index goes: with it, the planner preferred it (its estimates do not
see the long posting lists). docs/PERFORMANCE.md, C8. The indexes are named by
region code, so the names are the same on every database.

The ten kabupaten/kota of Kalimantan Timur come with regions 0002. One added later
has no index of its own: its duplicate check reads its people of the birth years
from benef_regency_birth_idx (95 ms for Samarinda's 14k at 1M). PostgreSQL only;
SQLite computes the similarity in Python (cases.selectors)."""

from django.db import migrations


def index_name(code: str) -> str:
    return f"benef_trgm_{code.replace('.', '')}_idx"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Region = apps.get_model("regions", "Region")
    for pk, code in Region.objects.filter(level="regency").values_list("pk", "code"):
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index_name(code)} ON cases_beneficiary "
            f"USING gin (full_name gin_trgm_ops) WHERE regency_id = {int(pk)}"
        )
    schema_editor.execute("DROP INDEX IF EXISTS benef_name_trgm_idx")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS benef_name_trgm_idx ON cases_beneficiary "
        "USING gin (full_name gin_trgm_ops)"
    )
    Region = apps.get_model("regions", "Region")
    for code in Region.objects.filter(level="regency").values_list("code", flat=True):
        schema_editor.execute(f"DROP INDEX IF EXISTS {index_name(code)}")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_case_beneficiary_name"),
        ("regions", "0002_kaltim_regencies"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
