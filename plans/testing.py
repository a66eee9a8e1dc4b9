"""Helpers for the plan tests: a plan drafted, submitted or approved in one call."""

from __future__ import annotations

from typing import Any

from plans import services
from plans.models import CasePlan


def drafted(
    actor: Any, case: Any, goals: tuple[tuple[str, str], ...] = (("shelter", "Tinggal aman"),)
) -> CasePlan:
    """A draft with one action per goal (responsible: the actor's office)."""
    plan = services.plan_create(actor=actor, case=case)
    for need, text in goals:
        plan.refresh_from_db()
        goal = services.plan_goal_add(
            actor=actor, plan=plan, expected_version=plan.version, data={"need": need, "text": text}
        )
        plan.refresh_from_db()
        goal.plan = plan
        services.plan_action_add(
            actor=actor,
            goal=goal,
            expected_version=plan.version,
            data={"text": f"Tindakan: {text}", "responsible_org": actor.organization},
        )
    plan.refresh_from_db()
    return plan


def submitted(actor: Any, case: Any, **kwargs: Any) -> CasePlan:
    plan = drafted(actor, case, **kwargs)
    return services.plan_submit(actor=actor, plan=plan, expected_version=plan.version)


def approved(actor: Any, supervisor: Any, case: Any, **kwargs: Any) -> CasePlan:
    plan = submitted(actor, case, **kwargs)
    return services.plan_approve(actor=supervisor, plan=plan, expected_version=plan.version)
