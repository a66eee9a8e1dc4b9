"""The decisions on a referral: accept, decline, cancel, complete (each one move of
the table in referrals/services/transitions.py)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from accounts.policy import (
    default_assignee,
    is_assignable,
    referral_sending_office,
)
from cases.models import (
    ACTIVE_STATUSES,
    Case,
    CaseStatus,
    EventKind,
    ServiceDelivery,
    ServiceStatus,
)
from cases.services.delivery import service_delivery_create
from cases.services.timeline import case_add_event
from cases.services.transfer import case_transfer_ownership
from pmks.errors import (
    TransitionNotAllowed,
)
from pmks.hooks import data_changed
from referrals.models import (
    NotificationKind,
    Referral,
    ReferralKind,
    ServiceOffer,
)
from referrals.services.capacity import _release_place, _take_place
from referrals.services.notify import _both_sides, _notify, _written
from referrals.services.transitions import Action, _check_may, _move


def _eligible_assignee(*, referral: Referral, assigned_to: User | None, actor: User) -> User | None:
    if assigned_to is not None:
        if not is_assignable(assigned_to, referral.to_org):
            raise ValidationError(
                {"assigned_to": _("Pekerja sosial harus dari kantor penerima pemindahan.")}
            )
        return assigned_to
    assignee = default_assignee(actor)
    if assignee is not None and assignee.organization_id == referral.to_org_id:
        return assignee
    return None  # accepted by a supervisor: the receiving supervisor assigns later


@transaction.atomic
def referral_accept(
    *,
    actor: User,
    referral: Referral,
    expected_version: int | None = None,
    assigned_to: User | None = None,
) -> Referral:
    """Accept: a transfer moves the case; a service appears among the case's services."""
    now = timezone.now()
    _check_may(actor, referral, Action.ACCEPT)
    assignee = _check_case_for_acceptance(referral, actor=actor, assigned_to=assigned_to)
    takes_place = (
        referral.kind == ReferralKind.SERVICE
        and referral.offer_id is not None
        and ServiceOffer.objects.filter(pk=referral.offer_id, capacity_free__isnull=False).exists()
    )
    referral = _move(
        actor=actor,
        referral=referral,
        action=Action.ACCEPT,
        expected_version=expected_version,
        now=now,
        decided_at=now,
        decided_by=actor,
        holds_capacity=takes_place,
    )
    if takes_place:
        assert referral.offer_id is not None  # takes_place checked the offer
        _take_place(referral.offer_id, now=now)
    if referral.kind == ReferralKind.TRANSFER:
        case_transfer_ownership(
            case=referral.case,
            to_org=referral.to_org,
            assigned_to=assignee,
            actor=actor,
            note=referral.number,
        )
    else:
        _start_service(referral, actor=actor, at=now)
    _decision_recorded(referral, actor=actor, at=now)
    return referral


def _check_case_for_acceptance(
    referral: Referral, *, actor: User, assigned_to: User | None
) -> User | None:
    """Lock the case and check it may still be accepted; the transfer's assignee."""
    # Locked: a status move by the sending office (e.g. a closure request) running
    # now is waited for, so the check below sees its result. FOR NO KEY UPDATE, not
    # FOR UPDATE: a concurrent decline inserts a timeline row referencing the case
    # (a KEY SHARE lock); FOR UPDATE would block it while we wait for its referral
    # row, a deadlock. NO KEY UPDATE still serializes against other case updates.
    case = (
        Case.objects.select_for_update(of=("self",), no_key=True)
        .only("status", "owner_org_id")
        .get(pk=referral.case_id)
    )
    if referral.kind == ReferralKind.TRANSFER:
        if case.owner_org_id != referral.from_org_id or case.status not in ACTIVE_STATUSES:
            raise TransitionNotAllowed(
                _(
                    "Kasus ini sudah tidak aktif atau tidak lagi dimiliki kantor pengirim; "
                    "pemindahan tidak dapat diterima."
                )
            )
        return _eligible_assignee(referral=referral, assigned_to=assigned_to, actor=actor)
    if case.status == CaseStatus.CLOSED:
        raise TransitionNotAllowed(
            _("Kasus ini sudah ditutup oleh kantor pengirim; layanan tidak dapat diterima.")
        )
    return None


def _start_service(referral: Referral, *, actor: User, at: dt.datetime) -> None:
    """An accepted service referral appears among the case's services (ongoing)."""
    if referral.service_type is None:  # referral_create requires it; generated data may not
        raise ValidationError(
            {"service_type": _("Rujukan layanan ini tidak menyebut layanan yang diminta.")}
        )
    service = service_delivery_create(
        case=referral.case,
        service_type=referral.service_type,
        actor=actor,
        provider_org=referral.to_org,
        status=ServiceStatus.ONGOING,
        start_date=timezone.localdate(at),
    )
    Referral.objects.filter(pk=referral.pk).update(service_delivery=service)
    referral.service_delivery = service
    data_changed("service", service.pk)


@transaction.atomic
def referral_decline(
    *, actor: User, referral: Referral, reason: str, expected_version: int | None = None
) -> Referral:
    reason = (reason or "").strip()
    _check_may(actor, referral, Action.DECLINE)
    if not reason:
        raise ValidationError({"reason": _("Alasan penolakan wajib diisi.")})
    now = timezone.now()
    referral = _move(
        actor=actor,
        referral=referral,
        action=Action.DECLINE,
        expected_version=expected_version,
        now=now,
        decided_at=now,
        decided_by=actor,
        decision_reason=reason,
    )
    _release_place(referral, now=now)
    _decision_recorded(referral, actor=actor, at=now)
    return referral


@transaction.atomic
def referral_cancel(
    *, actor: User, referral: Referral, reason: str = "", expected_version: int | None = None
) -> Referral:
    if referral.kind == ReferralKind.SERVICE:
        # Its sender is the case's owner now (sending_office): read the case under a
        # lock, so a transfer committing at this moment is waited for and then only
        # the new owner may cancel. FOR NO KEY UPDATE and case before referral, as
        # in referral_accept.
        referral.case = Case.objects.select_for_update(no_key=True).get(pk=referral.case_id)
    now = timezone.now()
    referral = _move(
        actor=actor,
        referral=referral,
        action=Action.CANCEL,
        expected_version=expected_version,
        now=now,
        decided_at=now,
        decided_by=actor,
        decision_reason=(reason or "").strip(),
    )
    _release_place(referral, now=now)
    _add_case_event(
        referral,
        actor=actor,
        at=now,
        text=_("Rujukan %(number)s dibatalkan.") % {"number": referral.number},
    )
    sender_id = referral_sending_office(referral)[0]
    sender = (
        referral.from_org
        if sender_id == referral.from_org_id
        else Organization.objects.only("name").get(pk=sender_id)
    )
    _notify(
        referral=referral,
        kind=NotificationKind.CANCELLED,
        text=_("Rujukan %(number)s dibatalkan oleh %(org)s.")
        % {"number": referral.number, "org": sender.name},
        organization_ids=_both_sides(referral),
        exclude=actor,
        at=now,
    )
    _written(referral, "cancelled")
    return referral


@transaction.atomic
def referral_complete(
    *, actor: User, referral: Referral, outcome: str, expected_version: int | None = None
) -> Referral:
    outcome = (outcome or "").strip()
    _check_may(actor, referral, Action.COMPLETE)
    if not outcome:
        raise ValidationError({"outcome": _("Hasil layanan wajib diisi.")})
    now = timezone.now()
    referral = _move(
        actor=actor,
        referral=referral,
        action=Action.COMPLETE,
        expected_version=expected_version,
        now=now,
        completed_at=now,
        completed_by=actor,
        outcome=outcome,
    )
    _release_place(referral, now=now)
    if referral.service_delivery_id:
        _service_delivery_finish(
            referral,
            service_id=referral.service_delivery_id,
            actor=actor,
            outcome=outcome,
            at=now,
        )
    _add_case_event(
        referral,
        actor=actor,
        at=now,
        text=_("Rujukan %(number)s selesai: %(outcome)s")
        % {"number": referral.number, "outcome": outcome},
    )
    _notify(
        referral=referral,
        kind=NotificationKind.COMPLETED,
        text=_("Rujukan %(number)s selesai dilayani oleh %(org)s.")
        % {"number": referral.number, "org": referral.to_org.name},
        organization_ids=_both_sides(referral),
        exclude=actor,
        at=now,
    )
    _written(referral, "completed")
    return referral


def _decision_recorded(referral: Referral, *, actor: User, at: dt.datetime) -> None:
    verdict = referral.get_status_display().lower()
    text = _("Rujukan %(number)s %(verdict)s oleh %(org)s.") % {
        "number": referral.number,
        "verdict": verdict,
        "org": referral.to_org.name,
    }
    if referral.decision_reason:
        text = f"{text} {_('Alasan')}: {referral.decision_reason}"
    _add_case_event(referral, actor=actor, at=at, text=text)
    _notify(
        referral=referral,
        kind=NotificationKind.DECISION,
        text=text,
        organization_ids=_both_sides(referral),
        exclude=actor,
        at=at,
    )
    _written(referral, "decision")


def _add_case_event(referral: Referral, *, actor: User, at: dt.datetime, text: str) -> None:
    case_add_event(
        case=referral.case,
        kind=EventKind.REFERRAL,
        text=text,
        actor=actor,
        data={"referral_id": referral.pk, "status": referral.status},
        at=at,
    )


def _service_delivery_finish(
    referral: Referral, *, service_id: int, actor: User, outcome: str, at: dt.datetime
) -> None:
    """Mark the service that the accepted referral created (`service_id`) as done,
    with its outcome.

    Updated here rather than through cases' service_delivery_update because the
    receiving organization (often an agency) does not own the case it serves.
    """
    ServiceDelivery.objects.filter(pk=service_id).update(
        status=ServiceStatus.DONE,
        outcome=outcome,
        end_date=timezone.localdate(at),
        version=F("version") + 1,
        updated_at=at,
    )
    case_add_event(
        case=referral.case,
        kind=EventKind.SERVICE,
        text=f"{referral.service_type.name if referral.service_type else ''} — "
        f"{referral.to_org.name} ({ServiceStatus.DONE.label})",
        actor=actor,
        data={"service_id": service_id, "status": ServiceStatus.DONE},
        at=at,
    )
    data_changed("service", service_id)
