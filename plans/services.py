"""Writes on case plans. The same door as the case's: the case's writers (its office's
caseworkers, its regency's office supervisors) draft, change and submit a version;
a supervisor of the owning office approves it or returns it with a reason
(cases.selectors.may_approve_case, as for closures). The provincial supervisor and
former owners only read.

Every write to a version claims its `version` first (a conditional UPDATE, as the
case services do), so of two people editing the same draft exactly one wins and
the other gets VersionConflict; each change goes to the case's timeline, and the
rows are saved normally so django-auditlog records them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from cases.models import Case, CaseStatus, EventKind, Need
from cases.selectors import may_approve_case
from cases.services.common import (
    _changed_labels,
    _claim_version,
    _locked,
    _require_case_writer,
    _version_conflict,
)
from cases.services.timeline import case_add_event
from followups.rules import plan_approved
from plans.models import (
    EDITABLE_STATUSES,
    OPEN_STATUSES,
    ActionStatus,
    CasePlan,
    GoalMet,
    PlanAction,
    PlanGoal,
    PlanStatus,
)
from pmks.errors import NotAllowed, TransitionNotAllowed, VersionConflict

GOAL_FIELDS = ("need", "text")
ACTION_FIELDS = (
    "text",
    "responsible_org",
    "responsible_user",
    "responsible_name",
    "target_date",
    "status",
    "progress",
)


# --- shared checks -------------------------------------------------------------------


def _require_open_case(case: Case) -> None:
    if case.status == CaseStatus.CLOSED:
        raise TransitionNotAllowed(_("Kasus ini sudah ditutup; rencananya tidak dapat diubah."))


def _require_editable(plan: CasePlan) -> None:
    if plan.status not in EDITABLE_STATUSES:
        raise TransitionNotAllowed(
            _("Rencana versi %(number)s berstatus “%(status)s” dan tidak dapat diubah.")
            % {"number": plan.number, "status": plan.get_status_display()}
        )


def _conflict(plan: CasePlan, subject: models.Model, data: dict[str, Any]) -> VersionConflict:
    """What the user typed against what is saved now; `current` is the plan version
    as saved now (its `version` is what a second, knowing save carries)."""
    conflict = _version_conflict(subject, data)
    conflict.details["current"] = CasePlan.objects.get(pk=plan.pk)
    return conflict


def _claim(
    plan: CasePlan, expected_version: int, subject: models.Model, data: dict[str, Any]
) -> CasePlan:
    """Claim the plan's version (VersionConflict if someone saved first); the plan as
    saved now, carrying the new version."""
    if not _claim_version(CasePlan, plan.pk, expected_version):
        fresh = type(subject)._default_manager.filter(pk=subject.pk).first() or subject
        raise _conflict(plan, fresh, data)
    current = CasePlan.objects.select_related("case").get(pk=plan.pk)
    return current


def _writable_plan(actor: User, plan: CasePlan) -> Case:
    case = plan.case
    _require_case_writer(actor, case)
    _require_open_case(case)
    _require_editable(plan)
    return case


def _event(
    case: Case, actor: User, text: str, plan: CasePlan, *, kind: str = EventKind.EDIT, **data: Any
) -> None:
    case_add_event(
        case=case,
        kind=kind,
        text=text,
        actor=actor,
        data={"plan": plan.pk, "number": plan.number, **data},
    )


# --- versions ------------------------------------------------------------------------


@transaction.atomic
def plan_create(*, actor: User, case: Case) -> CasePlan:
    """A new draft: the first version, or a revision of the approved (active) one with
    its goals and actions copied. One undecided version per case at a time."""
    _require_case_writer(actor, case)
    current_case = _locked(case)
    _require_open_case(current_case)
    plans = CasePlan.objects.filter(case=current_case)
    pending = plans.filter(status__in=OPEN_STATUSES).first()
    if pending is not None:
        raise TransitionNotAllowed(
            _("Rencana versi %(number)s belum diputuskan; lanjutkan versi itu.")
            % {"number": pending.number}
        )
    active = plans.filter(status=PlanStatus.APPROVED, superseded=False).first()
    number = (plans.aggregate(last=Max("number"))["last"] or 0) + 1
    plan = CasePlan(case=current_case, number=number, created_by=actor, based_on=active)
    plan.full_clean()
    plan.save()
    if active is not None:
        _copy_content(active, plan)
        text = _("Revisi rencana kasus: versi %(number)s dibuat dari versi %(old)s") % {
            "number": number,
            "old": active.number,
        }
    else:
        text = _("Rencana kasus versi %(number)s dibuat") % {"number": number}
    _event(current_case, actor, text, plan)
    return plan


def _copy_content(source: CasePlan, target: CasePlan) -> None:
    for goal in source.goals.prefetch_related("actions"):
        actions = list(goal.actions.all())
        goal.pk = None
        goal.plan = target
        goal.met, goal.met_recorded_by, goal.met_recorded_at = "", None, None
        goal.save()
        for action in actions:
            action.pk = None
            action.goal = goal
            action.save()


@transaction.atomic
def plan_submit(*, actor: User, plan: CasePlan, expected_version: int) -> CasePlan:
    """Send a draft (or a returned version) to the office supervisor."""
    case = _writable_plan(actor, plan)
    goals = list(plan.goals.prefetch_related("actions"))
    if not goals:
        raise ValidationError({"__all__": _("Tambahkan setidaknya satu tujuan sebelum diajukan.")})
    empty = [goal.text for goal in goals if not goal.actions.all()]
    if empty:
        raise ValidationError(
            {
                "__all__": _("Setiap tujuan perlu setidaknya satu tindakan: %(goals)s")
                % {"goals": "; ".join(empty)}
            }
        )
    current = _claim(plan, expected_version, plan, {"status": PlanStatus.SUBMITTED})
    current.status = PlanStatus.SUBMITTED
    current.submitted_by = actor
    current.submitted_at = timezone.now()
    current.full_clean()
    current.save()
    text = _("Rencana kasus versi %(number)s diajukan untuk persetujuan") % {"number": plan.number}
    _event(case, actor, text, current, kind=EventKind.APPROVAL, status=current.status)
    return current


def _require_decider(actor: User, plan: CasePlan) -> Case:
    case = plan.case
    if not may_approve_case(actor, case):
        raise NotAllowed(_("Hanya supervisor kantor pemilik kasus yang dapat memutuskan rencana."))
    _require_open_case(case)
    if plan.status != PlanStatus.SUBMITTED:
        raise TransitionNotAllowed(_("Rencana ini tidak sedang menunggu persetujuan."))
    return case


def default_review_date(day: dt.date | None = None) -> dt.date:
    """The approval day plus PLAN_REVIEW_DAYS (90 unless set)."""
    return (day or timezone.localdate()) + dt.timedelta(days=settings.PLAN_REVIEW_DAYS)


@transaction.atomic
def plan_approve(
    *, actor: User, plan: CasePlan, expected_version: int, review_date: dt.date | None = None
) -> CasePlan:
    """Approve a submitted version: it becomes the case's active plan (the one it
    revised is marked superseded and stays readable), with a review date."""
    case = _require_decider(actor, plan)
    today = timezone.localdate()
    review_date = review_date or default_review_date(today)
    if review_date <= today:
        raise ValidationError({"review_date": _("Tanggal tinjauan harus sesudah hari ini.")})
    current = _claim(plan, expected_version, plan, {"status": PlanStatus.APPROVED})
    now = timezone.now()
    for old in CasePlan.objects.filter(case=case, status=PlanStatus.APPROVED, superseded=False):
        old.superseded = True
        old.superseded_at = now
        old.version += 1
        old.save()
    current.status = PlanStatus.APPROVED
    current.approved_by = actor
    current.approved_at = now
    current.review_date = review_date
    current.full_clean()
    current.save()
    text = _("Rencana kasus versi %(number)s disetujui; tinjauan %(date)s") % {
        "number": current.number,
        "date": review_date.strftime("%d/%m/%Y"),
    }
    _event(case, actor, text, current, kind=EventKind.APPROVAL, status=current.status)
    # The review date becomes a follow-up (kind "plan review") for the caseworker.
    plan_approved(current, review_date, actor)
    return current


@transaction.atomic
def plan_return(*, actor: User, plan: CasePlan, expected_version: int, reason: str) -> CasePlan:
    """Send a submitted version back to its office with a reason; it is revised and
    submitted again."""
    case = _require_decider(actor, plan)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Alasan wajib diisi.")})
    current = _claim(plan, expected_version, plan, {"status": PlanStatus.RETURNED})
    current.status = PlanStatus.RETURNED
    current.returned_by = actor
    current.returned_at = timezone.now()
    current.returned_reason = reason
    current.full_clean()
    current.save()
    text = _("Rencana kasus versi %(number)s dikembalikan: %(reason)s") % {
        "number": current.number,
        "reason": reason,
    }
    _event(case, actor, text, current, kind=EventKind.APPROVAL, status=current.status)
    return current


# --- goals ---------------------------------------------------------------------------


def _goal_data(data: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in data.items() if k in GOAL_FIELDS}
    if "text" in data:
        data["text"] = (data["text"] or "").strip()
        if not data["text"]:
            raise ValidationError({"text": _("Tujuan wajib diisi.")})
    if "need" in data:
        data["need"] = data["need"] or ""
        if data["need"] and data["need"] not in Need.values:
            raise ValidationError({"need": _("Pilih kebutuhan dari asesmen.")})
    return data


@transaction.atomic
def plan_goal_add(
    *, actor: User, plan: CasePlan, expected_version: int, data: dict[str, Any]
) -> PlanGoal:
    case = _writable_plan(actor, plan)
    data = _goal_data(data)
    current = _claim(plan, expected_version, plan, {})
    last = current.goals.aggregate(last=Max("position"))["last"]
    goal = PlanGoal(plan=current, position=(last or 0) + 1, **data)
    goal.full_clean()
    goal.save()
    text = _("Rencana v%(number)s: tujuan ditambahkan: %(text)s") % {
        "number": current.number,
        "text": goal.text,
    }
    _event(case, actor, text, current, goal=goal.pk)
    return goal


@transaction.atomic
def plan_goal_update(
    *, actor: User, goal: PlanGoal, expected_version: int, data: dict[str, Any]
) -> PlanGoal:
    plan = goal.plan
    case = _writable_plan(actor, plan)
    data = _goal_data(data)
    current_plan = _claim(plan, expected_version, goal, data)
    current = PlanGoal.objects.get(pk=goal.pk)
    changed = _changed_labels(current, data)
    for name, value in data.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    if changed:
        text = _("Rencana v%(number)s: tujuan diubah (%(fields)s): %(text)s") % {
            "number": current_plan.number,
            "fields": ", ".join(changed),
            "text": current.text,
        }
        _event(case, actor, text, current_plan, goal=current.pk)
    return current


@transaction.atomic
def plan_goal_delete(*, actor: User, goal: PlanGoal, expected_version: int) -> None:
    plan = goal.plan
    case = _writable_plan(actor, plan)
    current_plan = _claim(plan, expected_version, goal, {})
    text = _("Rencana v%(number)s: tujuan dihapus: %(text)s") % {
        "number": current_plan.number,
        "text": goal.text,
    }
    PlanGoal.objects.filter(pk=goal.pk).delete()
    _event(case, actor, text, current_plan, goal=goal.pk)


# --- actions -------------------------------------------------------------------------


def _action_data(case: Case, data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    data = {k: v for k, v in data.items() if k in ACTION_FIELDS}
    for name in ("text", "responsible_name"):
        if name in data:
            data[name] = (data[name] or "").strip()
    if "text" in data and not data["text"]:
        raise ValidationError({"text": _("Tindakan wajib diisi.")})
    person = data.get("responsible_user")
    if person is not None and not (
        person.is_active
        and not person.is_integration
        and person.organization_id == case.owner_org_id
    ):
        raise ValidationError(
            {"responsible_user": _("Pilih petugas aktif dari kantor pemilik kasus.")}
        )
    org = data.get("responsible_org")
    if isinstance(org, Organization) and not org.is_active:
        raise ValidationError({"responsible_org": _("Lembaga ini tidak aktif.")})
    if not partial and not (org or person or data.get("responsible_name")):
        raise ValidationError(
            {"responsible_org": _("Isi lembaga atau petugas penanggung jawab tindakan ini.")}
        )
    progress = data.get("progress")
    if progress is not None and not 0 <= progress <= 100:
        raise ValidationError({"progress": _("Kemajuan antara 0 dan 100 persen.")})
    if data.get("status") == ActionStatus.DONE and "progress" in data:
        data["progress"] = 100
    return data


@transaction.atomic
def plan_action_add(
    *, actor: User, goal: PlanGoal, expected_version: int, data: dict[str, Any]
) -> PlanAction:
    plan = goal.plan
    case = _writable_plan(actor, plan)
    data = _action_data(case, data, partial=False)
    current_plan = _claim(plan, expected_version, plan, {})
    if not PlanGoal.objects.filter(pk=goal.pk).exists():
        raise TransitionNotAllowed(_("Tujuan ini sudah dihapus."))
    last = goal.actions.aggregate(last=Max("position"))["last"]
    action = PlanAction(goal=goal, position=(last or 0) + 1, **data)
    action.full_clean()
    action.save()
    text = _("Rencana v%(number)s: tindakan ditambahkan: %(text)s") % {
        "number": current_plan.number,
        "text": action.text,
    }
    _event(case, actor, text, current_plan, action=action.pk)
    return action


@transaction.atomic
def plan_action_update(
    *, actor: User, action: PlanAction, expected_version: int, data: dict[str, Any]
) -> PlanAction:
    plan = action.goal.plan
    case = _writable_plan(actor, plan)
    merged = {name: getattr(action, name) for name in ACTION_FIELDS} | dict(data)
    data = _action_data(case, merged, partial=False)
    current_plan = _claim(plan, expected_version, action, data)
    current = PlanAction.objects.select_related("responsible_org", "responsible_user").get(
        pk=action.pk
    )
    changed = _changed_labels(current, data)
    for name, value in data.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    if changed:
        text = _("Rencana v%(number)s: tindakan diubah (%(fields)s): %(text)s") % {
            "number": current_plan.number,
            "fields": ", ".join(changed),
            "text": current.text,
        }
        _event(case, actor, text, current_plan, action=current.pk)
    return current


@transaction.atomic
def plan_action_progress(
    *, actor: User, action: PlanAction, expected_version: int, data: dict[str, Any]
) -> PlanAction:
    """The status and progress of an action of the case's active (approved) plan: the
    work goes on after approval; changing what the plan says is a revision."""
    plan = action.goal.plan
    case = plan.case
    _require_case_writer(actor, case)
    _require_open_case(case)
    if not plan.is_active:
        raise TransitionNotAllowed(
            _("Kemajuan dicatat pada rencana yang berlaku; versi ini tidak dapat diubah.")
        )
    data = {k: v for k, v in data.items() if k in ("status", "progress")}
    data = _action_data(case, data, partial=True)
    current_plan = _claim(plan, expected_version, action, data)
    current = PlanAction.objects.get(pk=action.pk)
    changed = _changed_labels(current, data)
    for name, value in data.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    if changed:
        text = _("Rencana v%(number)s: kemajuan “%(text)s”: %(status)s, %(progress)s%%") % {
            "number": current_plan.number,
            "text": current.text,
            "status": current.get_status_display(),
            "progress": current.progress,
        }
        _event(case, actor, text, current_plan, action=current.pk)
    return current


@transaction.atomic
def plan_action_delete(*, actor: User, action: PlanAction, expected_version: int) -> None:
    plan = action.goal.plan
    case = _writable_plan(actor, plan)
    current_plan = _claim(plan, expected_version, action, {})
    text = _("Rencana v%(number)s: tindakan dihapus: %(text)s") % {
        "number": current_plan.number,
        "text": action.text,
    }
    PlanAction.objects.filter(pk=action.pk).delete()
    _event(case, actor, text, current_plan, action=action.pk)


# --- closure: were the goals met? ----------------------------------------------------


def plan_goals_met_record(*, actor: User, case: Case, answers: dict[int, str] | None) -> int:
    """At a closure request: for each goal of the case's active plan, was it met
    (yes / partly / no)? None: not asked (the API); otherwise every goal needs an
    answer. Returns how many goals were recorded. Called inside the closure's
    transaction (cases.services.closure), so a refusal undoes the request too."""
    if answers is None:
        return 0
    plan = (
        CasePlan.objects.select_for_update()
        .filter(case=case, status=PlanStatus.APPROVED, superseded=False)
        .first()
    )
    if plan is None:
        return 0
    goals = list(plan.goals.all())
    missing = [goal.text for goal in goals if answers.get(goal.pk) not in GoalMet.values]
    if missing:
        raise ValidationError(
            {
                "goals_met": _("Jawab apakah setiap tujuan rencana tercapai: %(goals)s")
                % {"goals": "; ".join(missing)}
            }
        )
    now = timezone.now()
    for goal in goals:
        goal.met = answers[goal.pk]
        goal.met_recorded_by = actor
        goal.met_recorded_at = now
        goal.save()
    plan.version += 1
    plan.save()
    summary = "; ".join(f"{goal.text}: {goal.get_met_display()}" for goal in goals)
    text = _("Capaian tujuan rencana v%(number)s: %(summary)s") % {
        "number": plan.number,
        "summary": summary,
    }
    _event(case, actor, text, plan, met={str(goal.pk): goal.met for goal in goals})
    return len(goals)


def on_closure_requested(case_id: int, actor_id: int, answers: dict[int, str] | None) -> None:
    """pmks.hooks.closure_requested handler (CLOSURE_REQUEST_HANDLERS): record the
    answers given with a closure request; a missing answer refuses the request."""
    case = Case.objects.get(pk=case_id)
    actor = User.objects.get(pk=actor_id)
    plan_goals_met_record(actor=actor, case=case, answers=answers)
