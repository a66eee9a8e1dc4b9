"""Assessment and services delivered on a case (referrals call service_delivery_create
when a service referral is accepted; keep its signature)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from cases.models import (
    ACTIVE_STATUSES,
    Assessment,
    Case,
    CaseStatus,
    EventKind,
    Need,
    RiskLevel,
    ServiceDelivery,
    ServiceStatus,
    ServiceType,
)
from cases.services.common import (
    _changed_labels,
    _claim_version,
    _locked,
    _require_case_writer,
    _version_conflict,
)
from cases.services.timeline import case_add_event
from cases.services.workflow import case_transition
from pmks.errors import TransitionNotAllowed
from pmks.hooks import data_changed


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
    data_changed("service", service.pk)
    return service


@transaction.atomic
def assessment_record(
    *, actor: User, case: Case, needs: Iterable[str], risk_level: str, notes: str = ""
) -> Assessment:
    """Record an assessment. A case still "open" moves to "assessment"."""
    case = _locked(case)
    _require_case_writer(actor, case)
    needs = list(dict.fromkeys(needs))
    unknown = [n for n in needs if n not in Need.values]
    errors = {}
    if unknown:
        errors["needs"] = _("Kebutuhan tidak dikenal: %(codes)s") % {"codes": ", ".join(unknown)}
    if risk_level not in RiskLevel.values:
        errors["risk_level"] = _("Pilih tingkat risiko.")
    if case.status not in ACTIVE_STATUSES:
        raise TransitionNotAllowed(_("Asesmen hanya untuk kasus yang masih aktif."))
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    assessment = Assessment(
        case=case,
        needs=needs,
        risk_level=risk_level,
        notes=(notes or "").strip(),
        assessed_by=actor,
        assessed_at=now,
    )
    assessment.full_clean()
    assessment.save()
    labels = ", ".join(str(Need(n).label) for n in needs) or "-"
    case_add_event(
        case=case,
        kind=EventKind.ASSESSMENT,
        text=_("Asesmen: risiko %(risk)s; kebutuhan: %(needs)s")
        % {"risk": RiskLevel(risk_level).label, "needs": labels},
        actor=actor,
        data={"assessment_id": assessment.pk, "risk_level": risk_level, "needs": needs},
        at=now,
    )
    if case.status == CaseStatus.OPEN:
        case_transition(actor=actor, case=case, to_status=CaseStatus.ASSESSMENT)
    data_changed("case", case.pk)
    return assessment


def _check_service_dates(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and end < start:
        raise ValidationError({"end_date": _("Tanggal selesai tidak boleh sebelum tanggal mulai.")})


@transaction.atomic
def service_delivery_add(
    *,
    actor: User,
    case: Case,
    service_type: ServiceType,
    provider_org: Organization | None = None,
    provider_name: str = "",
    status: str = ServiceStatus.PLANNED,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    outcome: str = "",
) -> ServiceDelivery:
    """A caseworker records a service on their case (checks, then service_delivery_create)."""
    case = _locked(case)
    _require_case_writer(actor, case)
    if case.status not in ACTIVE_STATUSES:
        raise TransitionNotAllowed(_("Layanan hanya dapat dicatat pada kasus yang aktif."))
    _check_service_dates(start_date, end_date)
    if status == ServiceStatus.DONE and not (outcome or "").strip():
        raise ValidationError({"outcome": _("Isi hasil layanan yang sudah selesai.")})
    return service_delivery_create(
        case=case,
        service_type=service_type,
        actor=actor,
        provider_org=provider_org,
        provider_name=(provider_name or "").strip(),
        status=status,
        start_date=start_date,
        end_date=end_date,
        outcome=(outcome or "").strip(),
    )


SERVICE_EDIT_FIELDS = (
    "status",
    "start_date",
    "end_date",
    "outcome",
    "provider_org",
    "provider_name",
)


@transaction.atomic
def service_delivery_update(
    *, actor: User, service: ServiceDelivery, expected_version: int, data: dict[str, Any]
) -> ServiceDelivery:
    """Update a service's status, dates and outcome; VersionConflict if stale."""
    _require_case_writer(actor, service.case)
    data = {k: v for k, v in data.items() if k in SERVICE_EDIT_FIELDS}
    for text_field in ("outcome", "provider_name"):
        if text_field in data:
            data[text_field] = (data[text_field] or "").strip()
    if data.get("status") == ServiceStatus.DONE:
        if not data.get("outcome", service.outcome):
            raise ValidationError({"outcome": _("Isi hasil layanan yang sudah selesai.")})
        if not data.get("end_date", service.end_date):
            data["end_date"] = timezone.localdate()
    _check_service_dates(
        data.get("start_date", service.start_date), data.get("end_date", service.end_date)
    )
    if not _claim_version(ServiceDelivery, service.pk, expected_version):
        current = ServiceDelivery.objects.select_related("service_type", "provider_org").get(
            pk=service.pk
        )
        raise _version_conflict(current, data)
    current = ServiceDelivery.objects.select_related("service_type", "case").get(pk=service.pk)
    old_status = current.status
    changed = _changed_labels(current, data)
    for name, value in data.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    if changed:
        text = f"{current.service_type.name}: " + ", ".join(changed)
        if old_status != current.status:
            text = (
                f"{current.service_type.name}: {ServiceStatus(old_status).label} → "
                f"{current.get_status_display()}"
            )
        case_add_event(
            case=current.case,
            kind=EventKind.SERVICE,
            text=text,
            actor=actor,
            data={"service_id": current.pk, "status": current.status, "from": old_status},
        )
    data_changed("service", current.pk)
    return current
