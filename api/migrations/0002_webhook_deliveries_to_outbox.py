"""Deliveries still waiting when the outbox arrived get their outbox row (the old
retry sweep only picked `retrying` ones, so a `pending` one was never sent)."""

from django.db import migrations


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    delivery_model = apps.get_model("api", "WebhookDelivery")
    event_model = apps.get_model("outbox", "OutboxEvent")
    waiting = delivery_model.objects.filter(status__in=["pending", "retrying"]).order_by("pk")
    event_model.objects.bulk_create(
        event_model(
            event_id=delivery.delivery_id,
            kind="webhook",
            shard=f"webhook:{delivery.endpoint_id}",
            organization_id=delivery.organization_id,
            payload={"delivery_id": delivery.pk},
            attempts=delivery.attempts,
        )
        for delivery in waiting.iterator()
        if not event_model.objects.filter(event_id=delivery.delivery_id).exists()
    )


class Migration(migrations.Migration):
    dependencies = [("api", "0001_initial"), ("outbox", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
