"""Writes on referrals, their messages, notifications and the service directory.

One transition table (TRANSITIONS) says which move leaves which status; who may
make it is decided by `allowed_actions` (the receiving organization decides and
completes, the sending office cancels, provincial supervisors only read).

Concurrency: a decision is a conditional UPDATE (`status = <from>` in the WHERE
clause) and its row count says who won; the loser gets AlreadyDecided naming who
decided and when. Capacity is taken with `capacity_free = capacity_free - 1 WHERE
capacity_free > 0` and returned once (guarded by `holds_capacity`). The overdue
sweep claims each row with `overdue_notified_at IS NULL` before notifying.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Organization, OrganizationKind, User
from accounts.policy import (
    REFERRAL_RECEIVER_ROLES,
    default_assignee,
    is_assignable,
    may_act_on_referral,
    may_post_referral_message,
    may_update_offer,
    referral_sending_office,
)
from cases.models import (
    ACTIVE_STATUSES,
    Case,
    CaseStatus,
    EventKind,
    LegalBasis,
    ServiceDelivery,
    ServiceStatus,
    ServiceType,
)
from cases.services.delivery import service_delivery_create
from cases.services.timeline import case_add_event
from cases.services.transfer import case_transfer_ownership
from pmks.errors import (
    AlreadyDecided,
    CapacityExhausted,
    NotAllowed,
    TransitionNotAllowed,
    VersionConflict,
)
from pmks.hooks import data_changed, referral_event
from referrals.emails import send_referral_email
from referrals.models import (
    Notification,
    NotificationKind,
    Referral,
    ReferralKind,
    ReferralMessage,
    ReferralNumberSequence,
    ReferralStatus,
    ServiceOffer,
    Urgency,
)

# --- the transition table --------------------------------------------------------


class Action:
    ACCEPT = "accept"
    DECLINE = "decline"
    CANCEL = "cancel"
    COMPLETE = "complete"


class Side:
    RECEIVER = "receiver"
    SENDER = "sender"


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    side: str  # who may make the move
    kinds: tuple[str, ...]  # which kinds of referral it applies to


TRANSITIONS: dict[str, Transition] = {
    Action.ACCEPT: Transition(
        ReferralStatus.PENDING,
        ReferralStatus.ACCEPTED,
        Side.RECEIVER,
        (ReferralKind.TRANSFER, ReferralKind.SERVICE),
    ),
    Action.DECLINE: Transition(
        ReferralStatus.PENDING,
        ReferralStatus.DECLINED,
        Side.RECEIVER,
        (ReferralKind.TRANSFER, ReferralKind.SERVICE),
    ),
    Action.CANCEL: Transition(
        ReferralStatus.PENDING,
        ReferralStatus.CANCELLED,
        Side.SENDER,
        (ReferralKind.TRANSFER, ReferralKind.SERVICE),
    ),
    # A transfer is finished when it is accepted (the case has moved); only a
    # service referral has an outcome to report.
    Action.COMPLETE: Transition(
        ReferralStatus.ACCEPTED,
        ReferralStatus.COMPLETED,
        Side.RECEIVER,
        (ReferralKind.SERVICE,),
    ),
}


def allowed_actions(user: Any, referral: Referral) -> list[str]:
    """The moves this user may make on the referral now (for the buttons)."""
    actions = []
    for action, transition in TRANSITIONS.items():
        if referral.status != transition.source or referral.kind not in transition.kinds:
            continue
        if may_act_on_referral(user, referral, transition.side):
            actions.append(action)
    return actions


def _check_may(actor: User, referral: Referral, action: str) -> Transition:
    transition = TRANSITIONS[action]
    if referral.kind not in transition.kinds:
        raise TransitionNotAllowed(
            _("Pemindahan kasus selesai saat diterima; tidak ada hasil yang dilaporkan.")
        )
    if not may_act_on_referral(actor, referral, transition.side):
        if transition.side == Side.RECEIVER:
            raise NotAllowed(_("Hanya organisasi penerima yang dapat memutuskan rujukan ini."))
        if referral.kind == ReferralKind.SERVICE:
            raise NotAllowed(
                _("Hanya kantor pemilik kasus saat ini yang dapat membatalkan rujukan layanan ini.")
            )
        raise NotAllowed(_("Hanya kantor pengirim yang dapat membatalkan rujukan ini."))
    return transition


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return "-"
    return date_format(timezone.localtime(moment), "j F Y H:i")


def _refusal(current: Referral, action: str) -> Exception:
    """The error for a move whose source status no longer holds."""
    transition = TRANSITIONS[action]
    decided = current.status != ReferralStatus.PENDING and (
        transition.source == ReferralStatus.PENDING or current.status == ReferralStatus.COMPLETED
    )
    if not decided:
        return TransitionNotAllowed(
            _("Rujukan berstatus “%(status)s” tidak dapat diproses dengan tindakan ini.")
            % {"status": current.get_status_display()}
        )
    if current.status == ReferralStatus.COMPLETED:
        who, when = current.completed_by, current.completed_at
    else:
        who, when = current.decided_by, current.decided_at
    who_text = _("pengguna lain")
    if who is not None:
        org = who.organization.name if who.organization is not None else ""
        who_text = f"{who.display_name} ({org})" if org else who.display_name
    return AlreadyDecided(
        _("Rujukan ini sudah %(status)s oleh %(who)s pada %(when)s.")
        % {
            "status": current.get_status_display().lower(),
            "who": who_text,
            "when": _when(when),
        },
        status=current.status,
        decided_by=who.pk if who else None,
        decided_at=when.isoformat() if when else None,
    )


def _move(
    *,
    actor: User,
    referral: Referral,
    action: str,
    expected_version: int | None,
    **fields: Any,
) -> Referral:
    """Apply one transition with a conditional UPDATE; exactly one concurrent mover wins."""
    transition = _check_may(actor, referral, action)
    if referral.status != transition.source:
        raise _refusal(_fresh(referral.pk), action)
    now = fields.pop("now")
    rows = Referral.objects.filter(pk=referral.pk, status=transition.source)
    if expected_version is not None:
        rows = rows.filter(version=expected_version)
    updated = rows.update(
        status=transition.target, version=F("version") + 1, updated_at=now, **fields
    )
    if updated != 1:
        current = _fresh(referral.pk)
        if current.status != transition.source:
            raise _refusal(current, action)
        raise VersionConflict(
            _("Rujukan ini sudah diubah orang lain. Muat ulang halaman lalu coba lagi."),
            current=current,
        )
    referral.refresh_from_db()
    return referral


def _fresh(pk: int) -> Referral:
    return Referral.objects.select_related(
        "decided_by__organization", "completed_by__organization"
    ).get(pk=pk)


# --- numbers and SLA ------------------------------------------------------------


def _next_number(*, region_code: str, year: int) -> str:
    """RJ/<region>/<year>/<serial>: the serial row is locked by the UPDATE until commit."""
    sequence = ReferralNumberSequence.objects.filter(region_code=region_code, year=year)
    if not sequence.exists():
        try:
            with transaction.atomic():
                ReferralNumberSequence.objects.create(region_code=region_code, year=year)
        except IntegrityError:
            pass  # created at the same moment by someone else
    sequence.update(last=F("last") + 1)
    last = sequence.values_list("last", flat=True).get()
    return f"RJ/{region_code}/{year}/{last:06d}"


def due_at_for(urgency: str, *, start: dt.datetime) -> dt.datetime:
    days = settings.REFERRAL_SLA_DAYS.get(urgency, settings.REFERRAL_SLA_DAYS["normal"])
    return start + dt.timedelta(days=days)


# --- notifications --------------------------------------------------------------


_emails_enabled: ContextVar[bool] = ContextVar("referral_emails_enabled", default=True)


@contextmanager
def emails_suppressed() -> Iterator[None]:
    """No e-mail for what happens inside (demo seeding); in-app notifications stay."""
    token = _emails_enabled.set(False)
    try:
        yield
    finally:
        _emails_enabled.reset(token)


def _org_recipients(organization_ids: list[int], *, exclude: User | None) -> list[User]:
    users = User.objects.filter(
        organization_id__in=organization_ids,
        organization__is_active=True,
        is_active=True,
        is_integration=False,
        role__in=REFERRAL_RECEIVER_ROLES,
    ).order_by("pk")
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return list(users.only("pk", "email"))


def _notify(
    *,
    referral: Referral,
    kind: str,
    text: str,
    organization_ids: list[int],
    exclude: User | None = None,
    at: dt.datetime | None = None,
) -> int:
    """In-app notification for the organizations' users now, e-mail after commit."""
    recipients = _org_recipients(organization_ids, exclude=exclude)
    now = at or timezone.now()
    Notification.objects.bulk_create(
        Notification(user=user, kind=kind, referral=referral, text=text[:300], created_at=now)
        for user in recipients
    )
    user_ids = [user.pk for user in recipients if user.email]
    if user_ids and _emails_enabled.get():
        transaction.on_commit(
            lambda: send_referral_email.delay(
                referral_id=referral.pk, kind=kind, text=text, user_ids=user_ids
            )
        )
    return len(recipients)


def _both_sides(referral: Referral) -> list[int]:
    """The sending office now (see sending_office) and the receiver."""
    return [referral_sending_office(referral)[0], referral.to_org_id]


def _written(referral: Referral, event: str | None = None) -> None:
    data_changed("referral", referral.pk)
    if event:
        referral_event(event, referral.pk)


# --- create ---------------------------------------------------------------------


@transaction.atomic
def referral_create(
    *,
    actor: User,
    case: Case,
    kind: str,
    to_org: Organization | None,
    reason: str,
    urgency: str,
    shared_summary: str,
    legal_basis: str,
    consent_note: str = "",
    service_type: ServiceType | None = None,
    offer: ServiceOffer | None = None,
) -> Referral:
    """Send a case to another organization (transfer) or ask it for a service."""
    # Lock the case so two transfers of it cannot be sent at the same moment.
    locked = (
        Case.objects.writable_by(actor)
        .select_for_update(of=("self",))
        .select_related("owner_org__region")
        .filter(pk=case.pk)
        .first()
    )
    if locked is None:
        raise NotAllowed(_("Anda tidak berwenang merujuk kasus ini."))
    case = locked
    from_org = case.owner_org

    errors: dict[str, list[str]] = {}
    if case.status not in ACTIVE_STATUSES:
        errors.setdefault("case", []).append(_("Hanya kasus yang masih aktif yang dapat dirujuk."))
    if legal_basis not in LegalBasis.values:
        errors.setdefault("legal_basis", []).append(
            _(
                "Dasar berbagi data pribadi (UU PDP) wajib dipilih; "
                "tanpa itu rujukan tidak dapat dikirim."
            )
        )
    if urgency not in Urgency.values:
        errors.setdefault("urgency", []).append(_("Pilih tingkat urgensi."))
    if kind not in ReferralKind.values:
        errors.setdefault("kind", []).append(_("Pilih jenis rujukan."))

    if offer is not None:
        if kind != ReferralKind.SERVICE:
            errors.setdefault("offer", []).append(
                _("Layanan di direktori hanya untuk rujukan layanan.")
            )
        elif not offer.is_active:
            errors.setdefault("offer", []).append(_("Layanan ini sudah tidak aktif."))
        if to_org is None:
            to_org = offer.organization
        elif offer.organization_id != to_org.pk:
            errors.setdefault("offer", []).append(
                _("Layanan yang dipilih bukan milik organisasi tujuan.")
            )
        if service_type is None:
            service_type = offer.service_type
        elif offer.service_type_id != service_type.pk:
            errors.setdefault("offer", []).append(
                _("Jenis layanan tidak sesuai dengan layanan di direktori.")
            )

    if to_org is None:
        errors.setdefault("to_org", []).append(_("Pilih organisasi tujuan."))
    else:
        to_org_errors = _to_org_errors(kind=kind, to_org=to_org, from_org=from_org)
        if to_org_errors:
            errors.setdefault("to_org", []).extend(to_org_errors)

    if kind == ReferralKind.SERVICE and service_type is None:
        errors.setdefault("service_type", []).append(
            _("Pilih layanan yang diminta untuk rujukan layanan.")
        )
    if (
        kind == ReferralKind.TRANSFER
        and Referral.objects.filter(
            case=case, kind=ReferralKind.TRANSFER, status=ReferralStatus.PENDING
        ).exists()
    ):
        errors.setdefault("kind", []).append(
            _("Kasus ini sudah punya permintaan pemindahan yang menunggu keputusan.")
        )
    if errors:
        raise ValidationError(errors)
    assert to_org is not None  # noqa: S101  (checked above; for the type checker)

    now = timezone.now()
    referral = Referral(
        number=_next_number(region_code=from_org.region.code, year=timezone.localtime(now).year),
        kind=kind,
        case=case,
        from_org=from_org,
        to_org=to_org,
        from_regency_id=from_org.region_id,
        to_regency_id=to_org.region_id,
        service_type=service_type,
        offer=offer,
        reason=reason.strip(),
        urgency=urgency,
        shared_summary=shared_summary.strip(),
        legal_basis=legal_basis,
        consent_note=consent_note.strip(),
        status=ReferralStatus.PENDING,
        due_at=due_at_for(urgency, start=now),
        created_by=actor,
        created_at=now,
    )
    referral.full_clean()
    referral.save()
    case_add_event(
        case=case,
        kind=EventKind.REFERRAL,
        text=_("%(kind)s %(number)s dikirim ke %(org)s.")
        % {"kind": referral.get_kind_display(), "number": referral.number, "org": to_org.name},
        actor=actor,
        data={"referral_id": referral.pk, "status": referral.status},
        at=now,
    )
    _notify(
        referral=referral,
        kind=NotificationKind.NEW_REFERRAL,
        text=_("Rujukan baru %(number)s dari %(org)s.")
        % {"number": referral.number, "org": from_org.name},
        organization_ids=[to_org.pk],
        exclude=actor,
        at=now,
    )
    _written(referral, "new_referral")
    return referral


def _to_org_errors(*, kind: str, to_org: Organization, from_org: Organization) -> list[str]:
    if not to_org.is_active:
        return [_("Organisasi tujuan tidak aktif.")]
    if to_org.pk == from_org.pk:
        return [_("Organisasi tujuan harus berbeda dari kantor pengirim.")]
    if kind == ReferralKind.TRANSFER:
        if to_org.kind != OrganizationKind.REGENCY_OFFICE:
            return [_("Kasus hanya dapat dipindahkan ke Dinas Sosial kabupaten/kota.")]
        if to_org.region_id == from_org.region_id:
            return [_("Pemindahan kasus hanya ke Dinas Sosial kabupaten/kota lain.")]
    elif to_org.kind == OrganizationKind.PROVINCE_OFFICE:
        return [_("Dinas Sosial Provinsi tidak menerima rujukan; pilih UPTD atau instansi.")]
    return []


# --- decisions ------------------------------------------------------------------


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
    assignee = None
    _check_may(actor, referral, Action.ACCEPT)
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
        assignee = _eligible_assignee(referral=referral, assigned_to=assigned_to, actor=actor)
    elif case.status == CaseStatus.CLOSED:
        raise TransitionNotAllowed(
            _("Kasus ini sudah ditutup oleh kantor pengirim; layanan tidak dapat diterima.")
        )
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
            start_date=timezone.localdate(now),
        )
        Referral.objects.filter(pk=referral.pk).update(service_delivery=service)
        referral.service_delivery = service
        data_changed("service", service.pk)
    _decision_recorded(referral, actor=actor, at=now)
    return referral


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


# --- capacity -------------------------------------------------------------------


def _take_place(offer_id: int, *, now: dt.datetime) -> None:
    taken = ServiceOffer.objects.filter(pk=offer_id, capacity_free__gt=0).update(
        capacity_free=F("capacity_free") - 1, capacity_updated_at=now
    )
    if taken != 1:
        offer = ServiceOffer.objects.select_related("organization").get(pk=offer_id)
        raise CapacityExhausted(
            _(
                "Kapasitas “%(offer)s” di %(org)s sudah penuh. Perbarui kapasitas "
                "di direktori layanan bila ada tempat kosong, atau tolak rujukan ini."
            )
            % {"offer": offer.name, "org": offer.organization.name}
        )


def _release_place(referral: Referral, *, now: dt.datetime) -> None:
    """Give the place back once: only the update that clears holds_capacity returns it."""
    if not referral.offer_id:
        return
    released = Referral.objects.filter(pk=referral.pk, holds_capacity=True).update(
        holds_capacity=False
    )
    if released == 1:
        ServiceOffer.objects.filter(pk=referral.offer_id, capacity_free__isnull=False).filter(
            Q(capacity_total__isnull=True) | Q(capacity_free__lt=F("capacity_total"))
        ).update(capacity_free=F("capacity_free") + 1, capacity_updated_at=now)
        referral.holds_capacity = False


NOT_CHECKED: Any = object()


@transaction.atomic
def offer_update_capacity(
    *,
    actor: User,
    offer: ServiceOffer,
    capacity_free: int,
    capacity_total: int | None = None,
    expected_free: int | None = NOT_CHECKED,
) -> ServiceOffer:
    """Set an offer's capacity. With `expected_free` (the free places the user saw),
    VersionConflict when it changed meanwhile: an acceptance took a place, and
    saving the old figure would give back a place that is occupied."""
    if not may_update_offer(actor, offer):
        raise NotAllowed(_("Hanya staf organisasi pemilik layanan yang dapat memperbarui."))
    offer = ServiceOffer.objects.select_for_update().get(pk=offer.pk)
    if expected_free is not NOT_CHECKED and offer.capacity_free != expected_free:
        raise VersionConflict(
            _(
                "Kapasitas baru saja berubah (misalnya karena rujukan diterima): sekarang "
                "%(now)s tersedia. Isian Anda (%(yours)s) belum disimpan; periksa lalu simpan "
                "lagi."
            )
            % {
                "now": "-" if offer.capacity_free is None else offer.capacity_free,
                "yours": capacity_free,
            },
            current=offer,
        )
    if capacity_total is not None:
        offer.capacity_total = capacity_total
    offer.capacity_free = capacity_free
    if capacity_free is None or capacity_free < 0:
        raise ValidationError({"capacity_free": _("Kapasitas tersedia tidak boleh negatif.")})
    if offer.capacity_total is not None and capacity_free > offer.capacity_total:
        raise ValidationError(
            {"capacity_free": _("Kapasitas tersedia tidak boleh melebihi kapasitas total.")}
        )
    offer.capacity_updated_at = timezone.now()
    offer.capacity_updated_by = actor
    offer.full_clean()
    offer.save(
        update_fields=[
            "capacity_total",
            "capacity_free",
            "capacity_updated_at",
            "capacity_updated_by",
        ]
    )
    return offer


# --- messages -------------------------------------------------------------------


@transaction.atomic
def referral_message_post(*, actor: User, referral: Referral, body: str) -> ReferralMessage:
    body = (body or "").strip()
    if not may_post_referral_message(actor, referral):
        raise NotAllowed(_("Hanya kedua organisasi dalam rujukan ini yang dapat berkirim pesan."))
    organization = actor.organization
    assert organization is not None  # a participant acts for one of the two organizations
    if not body:
        raise ValidationError({"body": _("Pesan tidak boleh kosong.")})
    now = timezone.now()
    message = ReferralMessage(
        referral=referral, author=actor, author_org=organization, body=body, created_at=now
    )
    message.full_clean()
    message.save()
    Referral.objects.filter(pk=referral.pk).update(updated_at=now)
    _notify(
        referral=referral,
        kind=NotificationKind.MESSAGE,
        text=_("Pesan baru pada rujukan %(number)s dari %(org)s.")
        % {"number": referral.number, "org": organization.name},
        organization_ids=_both_sides(referral),
        exclude=actor,
        at=now,
    )
    _written(referral, "message")
    return message


# --- notifications read ---------------------------------------------------------


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


# --- SLA --------------------------------------------------------------------------


def mark_overdue_referrals(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Flag pending referrals past their due date and notify both sides, once.

    Only pending referrals count: the SLA is the time to answer. Each row is
    claimed with a conditional UPDATE (overdue_notified_at IS NULL) in its own
    transaction together with its notifications, so two workers running at once
    never notify twice and a crash leaves the row for the next run.
    Returns the number of referrals this run marked.
    """
    now = now or timezone.now()
    candidates = list(
        Referral.objects.filter(
            status=ReferralStatus.PENDING, due_at__lt=now, overdue_notified_at__isnull=True
        )
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    marked = 0
    for pk in candidates:
        with transaction.atomic():
            claimed = Referral.objects.filter(
                pk=pk, status=ReferralStatus.PENDING, overdue_notified_at__isnull=True
            ).update(is_overdue=True, overdue_notified_at=now, updated_at=now)
            if claimed != 1:
                continue
            # case: the sending side of a service referral is its owner now
            referral = Referral.objects.select_related("case", "from_org", "to_org").get(pk=pk)
            _notify(
                referral=referral,
                kind=NotificationKind.OVERDUE,
                text=_("Rujukan %(number)s ke %(org)s melewati batas waktu %(due)s.")
                % {
                    "number": referral.number,
                    "org": referral.to_org.name,
                    "due": _when(referral.due_at),
                },
                organization_ids=_both_sides(referral),
                at=now,
            )
            _written(referral, "overdue")
            marked += 1
    return marked
