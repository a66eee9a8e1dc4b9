"""Helpers for the referral tests (plain functions; the personas come from conftest)."""

from __future__ import annotations

from typing import Any

from accounts.models import Organization, User
from cases.factories import CaseFactory
from cases.models import Case, ServiceType
from referrals.models import Referral, ServiceOffer
from referrals.services.creation import referral_create


def make_case(owner_org: Organization, *, assigned_to: User | None = None, **fields: Any) -> Case:
    return CaseFactory.create(owner_org=owner_org, assigned_to=assigned_to, **fields)


def send(
    actor: User,
    case: Case,
    to_org: Organization | None,
    *,
    kind: str = "service",
    service_type: str | None = "health",
    offer: ServiceOffer | None = None,
    urgency: str = "normal",
    legal_basis: str = "consent",
) -> Referral:
    return referral_create(
        actor=actor,
        case=case,
        kind=kind,
        to_org=to_org,
        reason="Perlu layanan lanjutan di tempat tujuan.",
        urgency=urgency,
        shared_summary="Ibu dua anak, tinggal di jalan sejak Maret.",
        legal_basis=legal_basis,
        consent_note="Persetujuan lisan yang bersangkutan, 3 Maret.",
        service_type=(
            ServiceType.objects.get(code=service_type)
            if service_type and kind == "service" and offer is None
            else None
        ),
        offer=offer,
    )
