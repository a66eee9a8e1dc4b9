"""Issue 14: redelivery, replay, ping and secret rotation.

A delivery names its event (`event_id`): for every delivery so far that is its own
delivery id (what X-PMKS-Event-Id carried). A redelivery is a new delivery with the
same event id (`redelivery_of` names the first). `ping` is a delivery's event too. An
endpoint keeps its previous secret during the overlap of a rotation.
"""

from django.db import migrations, models
from django.db.models import F


def name_events(apps, schema_editor):
    Delivery = apps.get_model("api", "WebhookDelivery")
    Delivery.objects.filter(event_id__isnull=True).update(event_id=F("delivery_id"))


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0003_webhook_endpoint_url_unique"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookdelivery",
            name="event_id",
            field=models.UUIDField(editable=False, null=True, verbose_name="ID peristiwa"),
        ),
        migrations.RunPython(name_events, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="event_id",
            field=models.UUIDField(db_index=True, editable=False, verbose_name="ID peristiwa"),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="redelivery_of",
            field=models.UUIDField(
                blank=True, editable=False, null=True, verbose_name="pengiriman ulang dari"
            ),
        ),
        migrations.AddField(
            model_name="webhookendpoint",
            name="previous_secret",
            field=models.CharField(
                blank=True, editable=False, max_length=80, verbose_name="rahasia sebelumnya"
            ),
        ),
        migrations.AddField(
            model_name="webhookendpoint",
            name="previous_secret_expires_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                null=True,
                verbose_name="rahasia sebelumnya berlaku sampai",
            ),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="event",
            field=models.CharField(
                choices=[
                    ("new_referral", "Rujukan baru"),
                    ("decision", "Keputusan rujukan"),
                    ("message", "Pesan baru"),
                    ("overdue", "Rujukan terlambat"),
                    ("completed", "Rujukan selesai"),
                    ("cancelled", "Rujukan dibatalkan"),
                    ("ping", "Ping (uji)"),
                ],
                max_length=20,
                verbose_name="peristiwa",
            ),
        ),
    ]
