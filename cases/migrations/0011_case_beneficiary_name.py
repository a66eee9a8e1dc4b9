"""Each case carries its person's name (copied from the beneficiary, as the
kecamatan is), the list's walking indexes hold it (INCLUDE), and a trigram index
serves searches for rare names: the case list searches by name without reading
cases_beneficiary (docs/PERFORMANCE.md, C7)."""

from django.conf import settings
from django.db import migrations, models

FILL = """
UPDATE cases_case SET beneficiary_name = (
    SELECT b.full_name FROM cases_beneficiary b WHERE b.id = cases_case.beneficiary_id
)
"""


def create_trigram_index(apps, schema_editor):
    # `beneficiary_name__icontains` is UPPER(beneficiary_name::text) LIKE UPPER(%s).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS case_name_upper_trgm_idx ON cases_case "
            "USING gin ((UPPER(beneficiary_name)) gin_trgm_ops)"
        )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS case_name_upper_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_is_integration"),
        ("cases", "0010_former_owner_list_indexes"),
        ("regions", "0002_kaltim_regencies"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="case",
            name="case_org_opened_idx",
        ),
        migrations.RemoveIndex(
            model_name="case",
            name="case_opened_idx",
        ),
        migrations.RemoveIndex(
            model_name="case",
            name="case_regency_opened_idx",
        ),
        migrations.AddField(
            model_name="case",
            name="beneficiary_name",
            field=models.CharField(
                default="", editable=False, max_length=150, verbose_name="nama penerima manfaat"
            ),
        ),
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["owner_org", "-opened_at", "-id"],
                include=("beneficiary_name",),
                name="case_org_opened_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["regency", "-opened_at", "-id"],
                include=("beneficiary_name",),
                name="case_regency_opened_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["-opened_at", "-id"], include=("beneficiary_name",), name="case_opened_idx"
            ),
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
    ]
