"""The case workflow: the transition table (Move) and the moves along it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.scoping import is_office_supervisor_of
from cases.models import (
    ACTIVE_STATUSES,
    Case,
    CaseStatus,
    ClosureReason,
    EventKind,
)
from cases.selectors import (
    may_write_case,
)
from cases.services.common import _CASE_FK, _claim_version, _require_case_writer, _version_conflict
from cases.services.timeline import case_add_event
from pmks.errors import NotAllowed, TransitionNotAllowed
from pmks.hooks import data_changed


@dataclass(frozen=True)
class Move:
    """One row of the transition table. `target=None` means back to the status
    the case had before its closure was requested (a rejected closure)."""

    name: str
    label: Promise
    sources: tuple[str, ...]
    target: str | None
    supervisor_only: bool = False
    needs_reason: bool = False
    needs_closure_reason: bool = False
    style: str = ""


TRANSITIONS: tuple[Move, ...] = (
    Move("assess", gettext_lazy("Mulai asesmen"), (CaseStatus.OPEN,), CaseStatus.ASSESSMENT),
    Move(
        "serve",
        gettext_lazy("Mulai layanan"),
        (CaseStatus.ASSESSMENT, CaseStatus.MONITORING),
        CaseStatus.IN_SERVICE,
    ),
    Move(
        "monitor", gettext_lazy("Mulai pemantauan"), (CaseStatus.IN_SERVICE,), CaseStatus.MONITORING
    ),
    Move(
        "request_closure",
        gettext_lazy("Ajukan penutupan"),
        tuple(ACTIVE_STATUSES),
        CaseStatus.CLOSURE_REQUESTED,
        needs_closure_reason=True,
    ),
    Move(
        "approve_closure",
        gettext_lazy("Setujui penutupan"),
        (CaseStatus.CLOSURE_REQUESTED,),
        CaseStatus.CLOSED,
        supervisor_only=True,
        style="primary",
    ),
    Move(
        "reject_closure",
        gettext_lazy("Tolak penutupan"),
        (CaseStatus.CLOSURE_REQUESTED,),
        None,
        supervisor_only=True,
        needs_reason=True,
        style="danger",
    ),
    Move(
        "reopen",
        gettext_lazy("Buka kembali"),
        (CaseStatus.CLOSED,),
        CaseStatus.OPEN,
        needs_reason=True,
    ),
)


def _target_of(move: Move, case: Case) -> str:
    return move.target or case.status_before_closure or CaseStatus.OPEN


def find_move(case: Case, to_status: str) -> Move | None:
    for move in TRANSITIONS:
        if case.status in move.sources and _target_of(move, case) == to_status:
            return move
    return None


def allowed_moves(user: User, case: Case) -> list[tuple[Move, str]]:
    """(move, target status) the user may make now; the page shows only these."""
    if not may_write_case(user, case):
        return []
    supervisor = is_office_supervisor_of(user, case.owner_org)
    return [
        (move, _target_of(move, case))
        for move in TRANSITIONS
        if case.status in move.sources and (supervisor or not move.supervisor_only)
    ]


@transaction.atomic
def case_transition(
    *,
    actor: User,
    case: Case,
    to_status: str,
    expected_version: int | None = None,
    reason: str = "",
    closure_reason: str = "",
) -> Case:
    """Move a case through the one transition table above.

    open → assessment → in_service ⇄ monitoring; any active status → closure
    requested (with a closure reason) → closed (a supervisor of the office
    approves) or back where it was (a supervisor rejects, with a reason);
    closed → open (reopen, with a reason).
    """
    current = Case.objects.select_for_update(of=("self",)).select_related(*_CASE_FK).get(pk=case.pk)
    _require_case_writer(actor, current)
    if expected_version is not None and current.version != expected_version:
        raise _version_conflict(current, {"status": to_status})
    move = find_move(current, to_status)
    if move is None:
        raise TransitionNotAllowed(
            _("Status tidak dapat diubah dari “%(from)s” ke “%(to)s”.")
            % {
                "from": CaseStatus(current.status).label,
                "to": dict(CaseStatus.choices).get(to_status, to_status),
            }
        )
    if move.supervisor_only and not is_office_supervisor_of(actor, current.owner_org):
        raise NotAllowed(_("Hanya supervisor kantor pemilik kasus yang dapat memutuskan ini."))
    reason = (reason or "").strip()
    if move.needs_reason and not reason:
        raise ValidationError({"reason": _("Alasan wajib diisi.")})
    if move.needs_closure_reason and closure_reason not in ClosureReason.values:
        raise ValidationError({"closure_reason": _("Pilih alasan penutupan.")})
    if not _claim_version(Case, current.pk, current.version):
        raise _version_conflict(Case.objects.get(pk=current.pk), {"status": to_status})
    current.version += 1

    now = timezone.now()
    old = current.status
    data: dict[str, Any] = {"from": old, "to": to_status, "move": move.name}
    text = f"{CaseStatus(old).label} → {CaseStatus(to_status).label}"
    if move.name == "request_closure":
        current.status_before_closure = old
        current.closure_reason = closure_reason
        current.closure_note = reason
        current.closure_requested_by = actor
        current.closure_requested_at = now
        data["closure_reason"] = closure_reason
        text += f" ({ClosureReason(closure_reason).label})" + (f": {reason}" if reason else "")
    elif move.name == "approve_closure":
        current.closed_at = now
        text = _("Penutupan disetujui (%(reason)s)") % {
            "reason": ClosureReason(current.closure_reason).label if current.closure_reason else "-"
        }
        data["approved"] = True
    elif move.name == "reject_closure":
        current.status_before_closure = ""
        current.closure_reason = ""
        current.closure_note = ""
        current.closure_requested_by = None
        current.closure_requested_at = None
        text = _("Penutupan ditolak, kembali ke “%(status)s”: %(reason)s") % {
            "status": CaseStatus(to_status).label,
            "reason": reason,
        }
        data["rejected"] = True
    elif move.name == "reopen":
        current.closed_at = None
        current.closure_reason = ""
        current.closure_note = ""
        current.status_before_closure = ""
        current.closure_requested_by = None
        current.closure_requested_at = None
        current.reopened_count += 1
        data["reopen"] = True
        text = _("Kasus dibuka kembali: %(reason)s") % {"reason": reason}
    elif reason:
        text += f": {reason}"
    current.status = to_status
    current.full_clean()
    current.save()
    case_add_event(case=current, kind=EventKind.STATUS, text=text, actor=actor, data=data, at=now)
    data_changed("case", current.pk)
    return current


def case_reopen(
    *, actor: User, case: Case, reason: str, expected_version: int | None = None
) -> Case:
    return case_transition(
        actor=actor,
        case=case,
        to_status=CaseStatus.OPEN,
        reason=reason,
        expected_version=expected_version,
    )
