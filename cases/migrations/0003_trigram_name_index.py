"""Trigram index on beneficiary names for the duplicate check and name search.
PostgreSQL only; SQLite falls back to a slower scan in cases/selectors.py."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS benef_name_trgm_idx ON cases_beneficiary "
        "USING gin (full_name gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS benef_name_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_reference_data")]
    operations = [migrations.RunPython(forwards, backwards)]
