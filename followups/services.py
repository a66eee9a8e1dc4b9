"""Writes of follow-ups and visits (the rules that make follow-ups by themselves
are in followups/rules.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import User
from accounts.scoping import is_office_supervisor_of
from cases.models import Case
from cases.selectors import may_write_case
from followups import rules
from followups.models import FollowUp, FollowUpKind, FollowUpSource, Visit
from pmks.errors import NotAllowed


def _require_writer(actor: User, case: Case) -> None:
    if not may_write_case(actor, case):
        raise NotAllowed(_("Anda hanya dapat melihat kasus ini, tidak dapat mengubahnya."))


def _check_assignee(assignee: User, case: Case) -> None:
    if not policy.is_assignable(assignee, case.owner_org):
        raise ValidationError(
            {
                "assignee": _("%(user)s bukan pekerja sosial aktif di %(org)s.")
                % {"user": assignee.display_name, "org": case.owner_org.name}
            }
        )


@transaction.atomic
def followup_create(
    *,
    actor: User,
    case: Case,
    kind: str,
    due_date: dt.date,
    assignee: User | None = None,
    note: str = "",
) -> FollowUp:
    """A follow-up added by hand by someone who may change the case; for the
    actor themselves unless another caseworker of the case's office is chosen."""
    _require_writer(actor, case)
    if assignee is None:
        assignee = policy.default_assignee(actor)
    if assignee is not None:
        _check_assignee(assignee, case)
    followup = FollowUp(
        case=case,
        kind=kind,
        due_date=due_date,
        assignee=assignee,
        note=(note or "").strip(),
        source=FollowUpSource.MANUAL,
        created_by=actor,
    )
    followup.full_clean()
    followup.save()
    return followup


def may_complete(user: User, followup: FollowUp) -> bool:
    """Its assignee, or anyone who may change the case (a colleague covering)."""
    return followup.assignee_id == user.pk or may_write_case(user, followup.case)


@transaction.atomic
def followup_complete(
    *, actor: User, followup: FollowUp, result: str, at: dt.datetime | None = None
) -> FollowUp:
    """Done in one step, with its result. Claimed with a conditional update, so
    two clicks (or two people) complete it once; the second gets a clear refusal."""
    result = (result or "").strip()
    if not result:
        raise ValidationError({"result": _("Hasil tindak lanjut wajib diisi.")})
    if not may_complete(actor, followup):
        raise NotAllowed(_("Anda tidak dapat menyelesaikan tindak lanjut ini."))
    now = at or timezone.now()
    claimed = FollowUp.objects.filter(pk=followup.pk, done_at__isnull=True).update(
        done_at=now, done_by=actor, result=result
    )
    if not claimed:
        raise ValidationError({"result": _("Tindak lanjut ini sudah diselesaikan.")})
    followup.refresh_from_db()
    if followup.kind == FollowUpKind.PLAN_REVIEW:
        rules.plan_review_done(followup)
    return followup


@transaction.atomic
def followups_reassign(*, actor: User, followups: Iterable[FollowUp], assignee: User) -> int:
    """Give open follow-ups to a caseworker of their case's office (that office's
    supervisors), as cases.services.opening.case_assign does for cases.

    All or nothing: one follow-up the actor may not reassign, or an assignee outside
    its case's office, refuses the whole batch. Returns how many changed hands."""
    pks = [f.pk for f in followups]
    if not pks:
        return 0
    locked = list(
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("case", "case__owner_org")
        .filter(pk__in=pks, done_at__isnull=True)
        .order_by("pk")
    )
    for followup in locked:
        case = followup.case
        if not may_write_case(actor, case) or not is_office_supervisor_of(actor, case.owner_org):
            raise NotAllowed(
                _("Anda tidak dapat menugaskan ulang tindak lanjut kasus %(number)s.")
                % {"number": case.number}
            )
        _check_assignee(assignee, case)
    moving = [f.pk for f in locked if f.assignee_id != assignee.pk]
    return FollowUp.objects.filter(pk__in=moving).update(assignee=assignee)


def followups_mark_overdue(*, now: dt.datetime | None = None) -> int:
    """Flag the open follow-ups whose due date (a WITA date) is before today in
    WITA; a second run flags nothing again. Returns how many were flagged."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return FollowUp.objects.filter(
        done_at__isnull=True, is_overdue=False, due_date__lt=today
    ).update(is_overdue=True, overdue_marked_at=now)


@transaction.atomic
def visit_record(
    *,
    actor: User,
    case: Case,
    visited_on: dt.date,
    place: str,
    met_with: str,
    notes: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    followup: FollowUp | None = None,
) -> Visit:
    """Record a visit. A location is kept only when both coordinates came (the
    user pressed the button), with the person's legal basis. A chosen open
    follow-up of the same case is completed by the visit."""
    _require_writer(actor, case)
    if (latitude is None) != (longitude is None):
        raise ValidationError({"latitude": _("Lokasi tidak lengkap; ambil lokasi lagi.")})
    if followup is not None and (followup.case_id != case.pk or followup.is_done):
        raise ValidationError(
            {"followup": _("Pilih tindak lanjut yang masih terbuka di kasus ini.")}
        )
    visit = Visit(
        case=case,
        visited_on=visited_on,
        place=(place or "").strip(),
        met_with=(met_with or "").strip(),
        notes=(notes or "").strip(),
        latitude=latitude,
        longitude=longitude,
        location_legal_basis=case.beneficiary.legal_basis if latitude is not None else "",
        created_by=actor,
    )
    visit.full_clean()
    if followup is not None:
        text = _("Kunjungan %(date)s di %(place)s, bertemu %(who)s.") % {
            "date": visited_on.strftime("%d/%m/%Y"),
            "place": visit.place,
            "who": visit.met_with,
        }
        followup_complete(actor=actor, followup=followup, result=f"{text} {visit.notes}".strip())
        visit.followup = followup
    visit.save()
    return visit
