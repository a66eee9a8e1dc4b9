"""Closing a case: the request, and the supervisor's approval or rejection."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import (
    Case,
    CaseStatus,
)
from cases.services.workflow import case_transition
from pmks.errors import TransitionNotAllowed


def case_request_closure(
    *,
    actor: User,
    case: Case,
    closure_reason: str,
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    return case_transition(
        actor=actor,
        case=case,
        to_status=CaseStatus.CLOSURE_REQUESTED,
        closure_reason=closure_reason,
        reason=note,
        expected_version=expected_version,
    )


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
