"""Issue 14: one active endpoint per URL and organization; delivery errors the
organization sees are short classified texts (pmks/outbound.py), never raw
exception text.

Before the constraint: of active endpoints sharing a URL in one organization the
oldest stays active and the others are deactivated (they only doubled every event).
Recorded errors of earlier deliveries are rewritten to the classified texts.
"""

import re

from django.conf import settings
from django.db import migrations, models

import pmks.outbound

LEGACY = [
    (re.compile(r"deactivated", re.I), "webhook atau organisasi nonaktif"),
    (re.compile(r"refused", re.I), "koneksi ditolak"),
    (re.compile(r"timed? ?out", re.I), "timeout"),
    (re.compile(r"CERTIFICATE_VERIFY_FAILED|certificate", re.I), "sertifikat TLS tidak valid"),
    (re.compile(r"SSL|TLS", re.I), "galat TLS"),
    (
        re.compile(r"Name or service not known|nodename|getaddrinfo|resolution", re.I),
        "nama host tidak ditemukan",
    ),
    (re.compile(r"reset|Remote end closed|Broken pipe", re.I), "koneksi terputus"),
]
KEPT = re.compile(r"^HTTP \d{3}$")


def deactivate_duplicates(apps, schema_editor):
    Endpoint = apps.get_model("api", "WebhookEndpoint")
    seen = set()
    for endpoint in Endpoint.objects.filter(is_active=True).order_by("created_at", "id"):
        key = (endpoint.organization_id, endpoint.url)
        if key in seen:
            Endpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
        seen.add(key)


def classify_recorded_errors(apps, schema_editor):
    Delivery = apps.get_model("api", "WebhookDelivery")
    known = pmks.outbound.REASONS
    rows = Delivery.objects.exclude(last_error="").values_list("pk", "last_error")
    for pk, error in rows.iterator():
        if error in known or KEPT.match(error):
            continue
        reason = next((text for pattern, text in LEGACY if pattern.search(error)), None)
        Delivery.objects.filter(pk=pk).update(last_error=reason or "koneksi gagal")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_is_integration"),
        ("api", "0002_webhook_deliveries_to_outbox"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(deactivate_duplicates, migrations.RunPython.noop),
        migrations.RunPython(classify_recorded_errors, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="url",
            field=models.URLField(
                max_length=500, validators=[pmks.outbound.validate_url], verbose_name="URL"
            ),
        ),
        migrations.AddConstraint(
            model_name="webhookendpoint",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_active", True)),
                fields=("organization", "url"),
                name="webhook_org_url_active_uniq",
                violation_error_message="URL ini sudah terdaftar sebagai webhook organisasi ini.",
            ),
        ),
    ]
