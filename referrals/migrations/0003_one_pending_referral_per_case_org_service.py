"""At most one pending referral of a case to an organization for a service.

Duplicates made before the rule (a retried POST sent the same referral twice) would
stop the constraint from being created: the newer ones of each group are cancelled
first, with a reason naming the referral they duplicate. The oldest stays pending.
"""

from django.db import migrations, models
from django.db.models import Count
from django.utils import timezone

REASON = "Duplikat dari %s: dibatalkan otomatis saat aturan satu rujukan tertunda diterapkan."


def cancel_duplicates(apps, schema_editor):  # type: ignore[no-untyped-def]
    Referral = apps.get_model("referrals", "Referral")
    groups = (
        Referral.objects.filter(status="pending", service_type__isnull=False)
        .values("case_id", "to_org_id", "service_type_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    now = timezone.now()
    for group in groups:
        same = Referral.objects.filter(
            status="pending",
            case_id=group["case_id"],
            to_org_id=group["to_org_id"],
            service_type_id=group["service_type_id"],
        ).order_by("created_at", "pk")
        first, *rest = list(same)
        Referral.objects.filter(pk__in=[r.pk for r in rest]).update(
            status="cancelled", decided_at=now, decision_reason=REASON % first.number
        )


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0002_referral_completion_numbers_and_one_pending_transfer"),
    ]

    operations = [
        migrations.RunPython(cancel_duplicates, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "pending")),
                fields=("case", "to_org", "service_type"),
                name="ref_one_pending_per_case_org_service",
                violation_error_message=(
                    "Kasus ini sudah punya rujukan ke organisasi ini untuk layanan yang sama "
                    "yang masih menunggu keputusan."
                ),
            ),
        ),
    ]
