"""CaseFormerOwner.regency and .case_opened_at required (filled by 0009), and the
indexes that let the case list walk formerly owned cases newest first, and a
regency's owned cases (a supervisor's list) likewise."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_former_owner_list_order"),
    ]

    operations = [
        migrations.AlterField(
            model_name="caseformerowner",
            name="regency",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="regions.region",
            ),
        ),
        migrations.AlterField(
            model_name="caseformerowner",
            name="case_opened_at",
            field=models.DateTimeField(),
        ),
        migrations.AddIndex(
            model_name="caseformerowner",
            index=models.Index(
                fields=["organization", "-case_opened_at", "-case"], name="former_org_opened_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="caseformerowner",
            index=models.Index(
                fields=["regency", "-case_opened_at", "-case"], name="former_regency_opened_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["regency", "-opened_at", "-id"], name="case_regency_opened_idx"
            ),
        ),
    ]
