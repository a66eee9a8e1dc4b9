"""Duplicate prompts of the offline sync: what a worker is shown about a person
who may already be registered, and the SyncDecision row that keeps the prompt.

A match the worker may see (Beneficiary.objects.visible_to) shows what tells
people apart: name, age, desa, masked NIK and No. KK, the registering office and
the date of the last case. A match outside the worker's reach shows what the HTML
registration shows for it: only the office that registered the person and its
contact (cases/beneficiary_form.html), never the person's data.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from typing import Any

from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from cases.models import Beneficiary, Case
from cases.nik import mask_number
from cases.selectors import organization_contact
from offline.models import Resolution, SyncDecision
from regions.models import Level


def age_of(birth_date: dt.date | None, today: dt.date | None = None) -> int | None:
    if birth_date is None:
        return None
    today = today or timezone.localdate()
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - before_birthday


def _last_case_date(user: User, person: Beneficiary) -> str | None:
    opened = (
        Case.objects.visible_to(user)
        .filter(beneficiary=person)
        .aggregate(last=Max("opened_at"))["last"]
    )
    return timezone.localtime(opened).date().isoformat() if opened else None


def match_summary(user: User, person: Beneficiary, *, visible: bool) -> dict[str, Any]:
    """One entry of "matches" (docs/OFFLINE.md)."""
    office = person.registered_by_org
    if not visible:
        return {
            "id": None,
            "visible": False,
            "name": None,
            "age": None,
            "desa": None,
            "nik_masked": None,
            "no_kk_masked": None,
            "office": office.name,
            "contact": organization_contact(office),
            "last_case_date": None,
        }
    region = person.region
    return {
        "id": person.pk,
        "visible": True,
        "name": person.full_name,
        "age": age_of(person.birth_date),
        "birth_date_estimated": person.birth_date_estimated,
        "desa": region.name if region.level == Level.VILLAGE else None,
        "kecamatan": person.district.name if person.district else None,
        "nik_masked": mask_number(person.nik) or None,
        "no_kk_masked": mask_number(person.no_kk) or None,
        "office": office.name,
        "contact": None,
        "last_case_date": _last_case_date(user, person),
    }


def summaries(user: User, people: list[tuple[Beneficiary, bool]]) -> list[dict[str, Any]]:
    ids = [person.pk for person, _visible in people]
    full = {
        p.pk: p
        for p in Beneficiary.objects.filter(pk__in=ids).select_related(
            "region", "district", "registered_by_org"
        )
    }
    return [match_summary(user, full[p.pk], visible=visible) for p, visible in people]


def decision_record(
    *, user: User, record_uuid: uuid_module.UUID, kind: str, match_type: str, matches: list[Any]
) -> SyncDecision:
    """Keep the prompt (one row per user and record: a resend updates it)."""
    decision, _created = SyncDecision.objects.update_or_create(
        user=user,
        uuid=record_uuid,
        defaults={
            "organization": user.organization,
            "kind": kind,
            "match_type": match_type,
            "matches": matches,
            "resolved_at": None,
            "resolution": "",
        },
        create_defaults={
            "organization": user.organization,
            "kind": kind,
            "match_type": match_type,
            "matches": matches,
            "created_at": timezone.now(),
        },
    )
    return decision


def decision_resolve(
    *, user: User, record_uuid: uuid_module.UUID, resolution: str, beneficiary: Beneficiary
) -> None:
    """The record of a waiting prompt was accepted: the decision is taken."""
    if resolution not in Resolution.values:
        resolution = Resolution.RESENT
    SyncDecision.objects.filter(user=user, uuid=record_uuid, resolved_at=None).update(
        resolved_at=timezone.now(), resolution=resolution, beneficiary=beneficiary
    )


def waiting_decisions(user: User, *, limit: int = 100) -> list[dict[str, Any]]:
    rows = SyncDecision.objects.filter(user=user, resolved_at=None).order_by("-created_at")
    return [
        {
            "uuid": str(row.uuid),
            "kind": row.kind,
            "match_type": row.match_type,
            "matches": len(row.matches),
            "created": row.created_at.isoformat(),
        }
        for row in rows[:limit]
    ]
