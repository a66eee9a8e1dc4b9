"""Closing a case: the request, and the supervisor's approval or rejection."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import (
    Case,
    CaseStatus,
)
from cases.services.workflow import case_transition
from pmks.errors import TransitionNotAllowed
from pmks.hooks import closure_requested


@transaction.atomic
def case_request_closure(
    *,
    actor: User,
    case: Case,
    closure_reason: str,
    note: str = "",
    expected_version: int | None = None,
    goals_met: dict[int, str] | None = None,
) -> Case:
    """Ask the office supervisor to close the case. `goals_met` answers, by goal id,
    whether each goal of the case's approved plan was met (yes / partly / no); the
    plans app stores them through pmks.hooks.closure_requested and refuses the
    request when a goal is left unanswered. None: not asked (the API)."""
    moved = case_transition(
        actor=actor,
        case=case,
        to_status=CaseStatus.CLOSURE_REQUESTED,
        closure_reason=closure_reason,
        reason=note,
        expected_version=expected_version,
    )
    closure_requested(moved.pk, actor.pk, goals_met)
    return moved


def case_approve_closure(*, actor: User, case: Case, expected_version: int | None = None) -> Case:
    return case_transition(
        actor=actor, case=case, to_status=CaseStatus.CLOSED, expected_version=expected_version
    )


def case_reject_closure(
    *, actor: User, case: Case, reason: str, expected_version: int | None = None
) -> Case:
    if case.status != CaseStatus.CLOSURE_REQUESTED:
        raise TransitionNotAllowed(_("Kasus ini tidak sedang menunggu persetujuan penutupan."))
    return case_transition(
        actor=actor,
        case=case,
        to_status=case.status_before_closure or CaseStatus.OPEN,
        reason=reason,
        expected_version=expected_version,
    )
