"""Sending a referral: a case to another office (transfer) or a service request."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, OrganizationKind, User
from cases.models import (
    ACTIVE_STATUSES,
    Case,
    EventKind,
    LegalBasis,
    ServiceType,
)
from cases.services.timeline import case_add_event
from pmks.errors import (
    DuplicateReferral,
    NotAllowed,
)
from referrals.models import (
    NotificationKind,
    Referral,
    ReferralKind,
    ReferralNumberSequence,
    ReferralStatus,
    ServiceOffer,
    Urgency,
)
from referrals.services.notify import _notify, _written
from referrals.services.sla import due_at_for


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
    case = _locked_case(actor, case)
    from_org = case.owner_org
    errors: dict[str, list[str]] = {}
    _check_basics(errors, case=case, kind=kind, urgency=urgency, legal_basis=legal_basis)
    if offer is not None:
        to_org, service_type = _check_offer(
            errors, offer=offer, kind=kind, to_org=to_org, service_type=service_type
        )
    _check_addressee(
        errors, case=case, kind=kind, to_org=to_org, from_org=from_org, service_type=service_type
    )
    if errors:
        raise ValidationError(errors)
    assert to_org is not None  # noqa: S101  (checked above; for the type checker)
    _refuse_duplicate(case=case, to_org=to_org, service_type=service_type)

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
    _save(referral)
    _announce(referral, actor=actor, at=now)
    return referral


def _save(referral: Referral) -> None:
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError:
        # ref_one_pending_per_case_org_service: the case is locked by referral_create,
        # so only a writer that went past it can have made the duplicate meanwhile.
        _refuse_duplicate(
            case=referral.case, to_org=referral.to_org, service_type=referral.service_type
        )
        raise


def _refuse_duplicate(
    *, case: Case, to_org: Organization, service_type: ServiceType | None
) -> None:
    """At most one pending referral of a case to an organization for one service
    (the database holds it too: constraint ref_one_pending_per_case_org_service).
    A retried or doubled submit gets 409 naming the referral already waiting."""
    if service_type is None:
        return
    waiting = (
        Referral.objects.filter(
            case=case, to_org=to_org, service_type=service_type, status=ReferralStatus.PENDING
        )
        .only("pk", "number")
        .first()
    )
    if waiting is not None:
        raise DuplicateReferral(
            _(
                "Kasus ini sudah punya rujukan %(number)s ke %(org)s untuk layanan "
                "%(service)s yang masih menunggu keputusan. Tunggu keputusannya atau "
                "batalkan rujukan itu sebelum mengirim lagi."
            )
            % {"number": waiting.number, "org": to_org.name, "service": service_type.name},
            referral_id=waiting.pk,
            number=waiting.number,
        )


def _locked_case(actor: User, case: Case) -> Case:
    """The case under a lock, so two transfers of it cannot be sent at the same moment."""
    locked = (
        Case.objects.writable_by(actor)
        .select_for_update(of=("self",))
        .select_related("owner_org__region")
        .filter(pk=case.pk)
        .first()
    )
    if locked is None:
        raise NotAllowed(_("Anda tidak berwenang merujuk kasus ini."))
    return locked


def _check_basics(
    errors: dict[str, list[str]], *, case: Case, kind: str, urgency: str, legal_basis: str
) -> None:
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


def _check_offer(
    errors: dict[str, list[str]],
    *,
    offer: ServiceOffer,
    kind: str,
    to_org: Organization | None,
    service_type: ServiceType | None,
) -> tuple[Organization, ServiceType]:
    """A directory offer fills in the addressee and the service, and must agree with them."""
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
    return to_org, service_type


def _check_addressee(
    errors: dict[str, list[str]],
    *,
    case: Case,
    kind: str,
    to_org: Organization | None,
    from_org: Organization,
    service_type: ServiceType | None,
) -> None:
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


def _announce(referral: Referral, *, actor: User, at: dt.datetime) -> None:
    """On the case's timeline, to the receiver, and to the hooks."""
    case_add_event(
        case=referral.case,
        kind=EventKind.REFERRAL,
        text=_("%(kind)s %(number)s dikirim ke %(org)s.")
        % {
            "kind": referral.get_kind_display(),
            "number": referral.number,
            "org": referral.to_org.name,
        },
        actor=actor,
        data={"referral_id": referral.pk, "status": referral.status},
        at=at,
    )
    _notify(
        referral=referral,
        kind=NotificationKind.NEW_REFERRAL,
        text=_("Rujukan baru %(number)s dari %(org)s.")
        % {"number": referral.number, "org": referral.from_org.name},
        organization_ids=[referral.to_org_id],
        exclude=actor,
        at=at,
    )
    _written(referral, "new_referral")


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
