"""The case workflow: the transition table (Move) and the moves along it."""

from __future__ import annotations

import datetime as dt
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
    reason = (reason or "").strip()
    move = _checked_move(
        actor=actor,
        case=current,
        to_status=to_status,
        expected_version=expected_version,
        reason=reason,
        closure_reason=closure_reason,
    )
    if not _claim_version(Case, current.pk, current.version):
        raise _version_conflict(Case.objects.get(pk=current.pk), {"status": to_status})
    current.version += 1
    now = timezone.now()
    step = _Step(
        actor=actor, to_status=to_status, reason=reason, closure_reason=closure_reason, now=now
    )
    data: dict[str, Any] = {"from": current.status, "to": to_status, "move": move.name}
    text = _APPLY.get(move.name, _apply_plain)(current, step, data)
    current.status = to_status
    current.full_clean()
    current.save()
    case_add_event(case=current, kind=EventKind.STATUS, text=text, actor=actor, data=data, at=now)
    data_changed("case", current.pk)
    return current


def _checked_move(
    *,
    actor: User,
    case: Case,
    to_status: str,
    expected_version: int | None,
    reason: str,
    closure_reason: str,
) -> Move:
    """The move to `to_status` if this actor may make it now with this input."""
    _require_case_writer(actor, case)
    if expected_version is not None and case.version != expected_version:
        raise _version_conflict(case, {"status": to_status})
    move = find_move(case, to_status)
    if move is None:
        raise TransitionNotAllowed(
            _("Status tidak dapat diubah dari “%(from)s” ke “%(to)s”.")
            % {
                "from": CaseStatus(case.status).label,
                "to": dict(CaseStatus.choices).get(to_status, to_status),
            }
        )
    if move.supervisor_only and not is_office_supervisor_of(actor, case.owner_org):
        raise NotAllowed(_("Hanya supervisor kantor pemilik kasus yang dapat memutuskan ini."))
    if move.needs_reason and not reason:
        raise ValidationError({"reason": _("Alasan wajib diisi.")})
    if move.needs_closure_reason and closure_reason not in ClosureReason.values:
        raise ValidationError({"closure_reason": _("Pilih alasan penutupan.")})
    return move


@dataclass(frozen=True)
class _Step:
    """The input of one move, as the appliers below read it."""

    actor: User
    to_status: str
    reason: str
    closure_reason: str
    now: dt.datetime


def _status_text(case: Case, step: _Step) -> str:
    return f"{CaseStatus(case.status).label} → {CaseStatus(step.to_status).label}"


def _apply_plain(case: Case, step: _Step, data: dict[str, Any]) -> str:
    text = _status_text(case, step)
    return f"{text}: {step.reason}" if step.reason else text


def _apply_request_closure(case: Case, step: _Step, data: dict[str, Any]) -> str:
    text = _status_text(case, step)
    case.status_before_closure = case.status
    case.closure_reason = step.closure_reason
    case.closure_note = step.reason
    case.closure_requested_by = step.actor
    case.closure_requested_at = step.now
    data["closure_reason"] = step.closure_reason
    label = ClosureReason(step.closure_reason).label
    return text + f" ({label})" + (f": {step.reason}" if step.reason else "")


def _apply_approve_closure(case: Case, step: _Step, data: dict[str, Any]) -> str:
    case.closed_at = step.now
    data["approved"] = True
    return _("Penutupan disetujui (%(reason)s)") % {
        "reason": ClosureReason(case.closure_reason).label if case.closure_reason else "-"
    }


def _clear_closure_request(case: Case) -> None:
    case.status_before_closure = ""
    case.closure_reason = ""
    case.closure_note = ""
    case.closure_requested_by = None
    case.closure_requested_at = None


def _apply_reject_closure(case: Case, step: _Step, data: dict[str, Any]) -> str:
    _clear_closure_request(case)
    data["rejected"] = True
    return _("Penutupan ditolak, kembali ke “%(status)s”: %(reason)s") % {
        "status": CaseStatus(step.to_status).label,
        "reason": step.reason,
    }


def _apply_reopen(case: Case, step: _Step, data: dict[str, Any]) -> str:
    case.closed_at = None
    _clear_closure_request(case)
    case.reopened_count += 1
    data["reopen"] = True
    return _("Kasus dibuka kembali: %(reason)s") % {"reason": step.reason}


_APPLY = {
    "request_closure": _apply_request_closure,
    "approve_closure": _apply_approve_closure,
    "reject_closure": _apply_reject_closure,
    "reopen": _apply_reopen,
}


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
