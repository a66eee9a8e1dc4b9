"""The former owner's kabupaten/kota and the case's opening time on each
CaseFormerOwner row, filled from their sources (0010 makes them required and
indexes them: docs/PERFORMANCE.md, C6). Two migrations, so that the foreign key
checks of the fill have run before the column is altered (PostgreSQL refuses
ALTER TABLE with pending trigger events)."""

import django.db.models.deletion
from django.db import migrations, models

FILL = """
UPDATE cases_caseformerowner
SET regency_id = (
        SELECT o.region_id FROM accounts_organization o
        WHERE o.id = cases_caseformerowner.organization_id
    ),
    case_opened_at = (
        SELECT c.opened_at FROM cases_case c WHERE c.id = cases_caseformerowner.case_id
    )
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_assessment_needs_optional"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseformerowner",
            name="regency",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="regions.region",
            ),
        ),
        migrations.AddField(
            model_name="caseformerowner",
            name="case_opened_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop),
    ]
