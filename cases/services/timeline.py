"""A case's timeline: events and notes (referrals call case_add_event; keep its signature)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from cases.models import (
    Case,
    CaseEvent,
    EventKind,
)
from cases.services.common import _require_case_writer
from pmks.hooks import data_changed


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
def case_add_note(*, actor: User, case: Case, text: str) -> CaseEvent:
    _require_case_writer(actor, case)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Catatan tidak boleh kosong.")})
    event = case_add_event(case=case, kind=EventKind.NOTE, text=text, actor=actor)
    data_changed("case", case.pk)
    return event
