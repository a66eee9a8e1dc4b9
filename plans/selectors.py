"""Reads on case plans. A plan is seen by whoever sees its case (callers fetch the
case with cases.selectors.get_case_for_user first, so a foreign case's plan answers
404); an office that owned the case before a transfer sees the versions made up to
the transfer only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from cases.models import Case, Need
from cases.selectors import history_cutoff, may_approve_case, may_write_case
from plans.models import OPEN_STATUSES, CasePlan, PlanAction, PlanGoal, PlanStatus

PLAN_RELATED = ("created_by", "submitted_by", "approved_by", "returned_by")


def _content(plans: QuerySet[CasePlan]) -> QuerySet[CasePlan]:
    """Goals and their actions in two more queries, whatever their number."""
    actions = PlanAction.objects.select_related("responsible_org", "responsible_user")
    goals = PlanGoal.objects.prefetch_related(Prefetch("actions", queryset=actions))
    return plans.prefetch_related(Prefetch("goals", queryset=goals))


def case_plans(user: Any, case: Case) -> list[CasePlan]:
    """Every version of the case's plan the user may see, newest first (without goals)."""
    plans = CasePlan.objects.filter(case=case).select_related(*PLAN_RELATED)
    cutoff = history_cutoff(user, case)
    if cutoff is not None:
        plans = plans.filter(created_at__lte=cutoff)
    return list(plans.order_by("-number"))


def get_plan_for_user(user: Any, case: Case, number: int) -> CasePlan:
    """One version of a case the user may see (else 404), with its goals and actions."""
    plans = CasePlan.objects.filter(case=case, number=number).select_related(*PLAN_RELATED)
    cutoff = history_cutoff(user, case)
    if cutoff is not None:
        plans = plans.filter(created_at__lte=cutoff)
    plan = _content(plans).first()
    if plan is None:
        raise Http404(_("Rencana tidak ditemukan."))
    plan.case = case
    return plan


def get_goal(plan: CasePlan, goal_pk: int) -> PlanGoal:
    goal = PlanGoal.objects.filter(plan=plan, pk=goal_pk).first()
    if goal is None:
        raise Http404
    goal.plan = plan
    return goal


def get_action(plan: CasePlan, action_pk: int) -> PlanAction:
    action = (
        PlanAction.objects.filter(goal__plan=plan, pk=action_pk)
        .select_related("goal", "responsible_org", "responsible_user")
        .first()
    )
    if action is None:
        raise Http404
    action.goal.plan = plan
    return action


def active_plan(plans: list[CasePlan], *, cutoff: dt.datetime | None = None) -> CasePlan | None:
    """The latest approved version (as at `cutoff` for a former owner)."""
    for plan in plans:
        if plan.status != PlanStatus.APPROVED:
            continue
        if cutoff is None and not plan.superseded:
            return plan
        if cutoff is not None and plan.approved_at and plan.approved_at <= cutoff:
            return plan
    return None


def open_plan(plans: list[CasePlan]) -> CasePlan | None:
    """The version not decided yet (draft, submitted or returned), if any."""
    return next((plan for plan in plans if plan.status in OPEN_STATUSES), None)


def case_plan_panel(user: Any, case: Case) -> dict[str, Any]:
    """What the case page shows: the active plan with its goals and actions, the
    version in the works, and whether the user may start one (constant queries)."""
    plans = case_plans(user, case)
    cutoff = history_cutoff(user, case)
    active = active_plan(plans, cutoff=cutoff)
    if active is not None:
        active = _content(CasePlan.objects.filter(pk=active.pk).select_related(*PLAN_RELATED)).get()
    pending = open_plan(plans)
    return {
        "active_plan": active,
        "open_plan": pending,
        "plan_count": len(plans),
        "may_draft_plan": pending is None
        and may_write_case(user, case)
        and case.status != "closed",
    }


def plan_may(user: Any, case: Case, plan: CasePlan) -> dict[str, bool]:
    """What the user may do to this version now (the page shows only these)."""
    writer = may_write_case(user, case) and case.status != "closed"
    return {
        "edit": writer and plan.is_editable,
        "submit": writer and plan.is_editable,
        "progress": writer and plan.is_active,
        "decide": plan.status == PlanStatus.SUBMITTED
        and case.status != "closed"
        and may_approve_case(user, case),
    }


def plan_approval_queue(user: Any) -> QuerySet[CasePlan]:
    """Submitted versions of the cases owned by offices in the user's reach, oldest
    submission first (not of cases the user's office handed over)."""
    return (
        CasePlan.objects.filter(
            status=PlanStatus.SUBMITTED, case__in=Case.objects.owned_in_reach_of(user)
        )
        .select_related("case", "case__beneficiary", "case__owner_org", "submitted_by")
        .order_by("submitted_at", "pk")
    )


def need_choices(case: Case, *, keep: str = "") -> list[tuple[str, str]]:
    """The needs of the case's latest assessment (and `keep`, a goal's current need)."""
    latest = case.assessments.order_by("-assessed_at", "-pk").first()
    codes = list(latest.needs) if latest is not None else []
    if keep and keep not in codes:
        codes.append(keep)
    labels = dict(Need.choices)
    return [(code, str(labels[code])) for code in codes if code in labels]


def responsible_people(case: Case) -> QuerySet[User]:
    """Staff of the owning office who may be named responsible for an action."""
    return User.objects.filter(
        organization_id=case.owner_org_id, is_active=True, is_integration=False
    ).order_by("first_name", "username")


def responsible_organizations() -> QuerySet[Organization]:
    return Organization.objects.filter(is_active=True).order_by("name")


def active_plan_goals(case: Case) -> list[PlanGoal]:
    """The goals of the case's approved, current plan (what closure asks about)."""
    return list(
        PlanGoal.objects.filter(
            plan__case=case, plan__status=PlanStatus.APPROVED, plan__superseded=False
        ).order_by("position", "pk")
    )


def case_file_plan(user: Any, case: Case) -> dict[str, Any]:
    """The printed case file's plan: the active version with its goals and actions,
    and the other versions the user may see (number and status only)."""
    plans = case_plans(user, case)
    active = active_plan(plans, cutoff=history_cutoff(user, case))
    if active is not None:
        active = _content(CasePlan.objects.filter(pk=active.pk).select_related(*PLAN_RELATED)).get()
    return {
        "active_plan": active,
        "other_plans": [plan for plan in plans if active is None or plan.pk != active.pk],
    }
