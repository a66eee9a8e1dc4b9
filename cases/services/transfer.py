"""Moving a case to another office (referrals call case_transfer_ownership when a
transfer is accepted, inside their own transaction; keep its signature)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Organization, User
from cases.models import (
    SNAPSHOT_FIELDS,
    Case,
    CaseFormerOwner,
    EventKind,
)
from cases.services.timeline import case_add_event
from pmks.hooks import data_changed


def _snapshot(case: Case) -> dict[str, Any]:
    """What the former owner keeps seeing of the case itself after a transfer."""
    snapshot: dict[str, Any] = {name: getattr(case, name) for name in SNAPSHOT_FIELDS}
    snapshot["other_category_ids"] = sorted(
        case.other_categories.values_list("pk", flat=True)  # type: ignore[arg-type]
    )
    return snapshot


@transaction.atomic
def case_transfer_ownership(
    *,
    case: Case,
    to_org: Organization,
    assigned_to: User | None,
    actor: User,
    note: str = "",
) -> Case:
    """Move a case to another office in the caller's transaction.

    The former owner keeps read access to the history up to now. The row is
    locked first so two transfers of one case cannot interleave.
    """
    case = Case.objects.select_for_update().get(pk=case.pk)
    now = timezone.now()
    from_org = case.owner_org
    CaseFormerOwner.objects.create(
        case=case,
        organization=from_org,
        until=now,
        snapshot=_snapshot(case),
    )
    Case.objects.filter(pk=case.pk).update(
        owner_org=to_org,
        regency_id=to_org.region_id,
        assigned_to=assigned_to,
        version=F("version") + 1,
        updated_at=now,
    )
    case.refresh_from_db()
    case_add_event(
        case=case,
        kind=EventKind.TRANSFER,
        text=f"{from_org.name} → {to_org.name}" + (f": {note}" if note else ""),
        actor=actor,
        data={"from_org": from_org.pk, "to_org": to_org.pk},
        at=now,
    )
    data_changed("case", case.pk)
    return case
