"""Trigram index on UPPER(full_name) for the case list's name search.

Django writes `full_name__icontains` as `UPPER(full_name::text) LIKE UPPER(%s)`,
which the plain trigram index of 0003 cannot serve: at 1M beneficiaries the search
was a sequential scan (340-370 ms); with this index 10-18 ms (docs/PERFORMANCE.md,
C2). PostgreSQL only; SQLite scans, as before."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS benef_name_upper_trgm_idx ON cases_beneficiary "
        "USING gin ((UPPER(full_name)) gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS benef_name_upper_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_former_owner_snapshot")]
    operations = [migrations.RunPython(forwards, backwards)]
