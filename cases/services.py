"""Writes on beneficiaries and cases. Views, API views and tasks call these;
they never save case rows themselves.

Functions that other apps call (keep their signatures stable):
- case_add_event: append to a case's timeline.
- service_delivery_create: record a service on a case (referrals call it when a
  service referral is accepted).
- case_transfer_ownership: move a case to another office (referrals call it when
  a transfer is accepted, inside their own transaction).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Organization, User
from cases.models import (
    Case,
    CaseEvent,
    CaseFormerOwner,
    EventKind,
    ServiceDelivery,
    ServiceStatus,
    ServiceType,
)


def case_add_event(
    *,
    case: Case,
    kind: str,
    text: str,
    actor: User | None = None,
    actor_org: Organization | None = None,
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> CaseEvent:
    """Append one entry to the case timeline."""
    if actor_org is None and actor is not None:
        actor_org = actor.organization
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        text=text,
        actor=actor,
        actor_org=actor_org,
        data=data or {},
        created_at=at or timezone.now(),
    )


@transaction.atomic
def service_delivery_create(
    *,
    case: Case,
    service_type: ServiceType,
    actor: User | None,
    provider_org: Organization | None = None,
    provider_name: str = "",
    status: str = ServiceStatus.PLANNED,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    outcome: str = "",
) -> ServiceDelivery:
    """Record a service delivered (or planned) on a case, with a timeline entry."""
    service = ServiceDelivery(
        case=case,
        service_type=service_type,
        provider_org=provider_org,
        provider_name=provider_name,
        status=status,
        start_date=start_date,
        end_date=end_date,
        outcome=outcome,
        created_by=actor,
    )
    service.full_clean()
    service.save()
    provider = provider_org.name if provider_org else (provider_name or "-")
    case_add_event(
        case=case,
        kind=EventKind.SERVICE,
        text=f"{service_type.name} — {provider} ({service.get_status_display()})",
        actor=actor,
        data={"service_id": service.pk, "status": status},
    )
    return service


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
    CaseFormerOwner.objects.create(case=case, organization=from_org, until=now)
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
    return case
