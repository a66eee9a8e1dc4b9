"""`{% case_plan %}` (the plan section of the case page) and `{% closure_goals %}`
(the "was each goal met?" fields of the closure request form).

Template tags, not lines in cases/views.py: the case page belongs to `cases`, which
does not import the apps above it (tests/test_architecture.py)."""

from __future__ import annotations

from typing import Any

from django import template

from plans import selectors
from plans.models import GoalMet

register = template.Library()


@register.inclusion_tag("plans/_case_panel.html", takes_context=True)
def case_plan(context: template.Context) -> dict[str, Any]:
    case = context["case"]
    return {"case": case, **selectors.case_plan_panel(context["request"].user, case)}


@register.inclusion_tag("plans/_case_file.html", takes_context=True)
def case_file_plan(context: template.Context) -> dict[str, Any]:
    """The plan section of the printed case file (cases/case_file.html)."""
    case = context["case"]
    return {"case": case, **selectors.case_file_plan(context["request"].user, case)}


@register.inclusion_tag("plans/_closure_goals.html", takes_context=True)
def closure_goals(context: template.Context) -> dict[str, Any]:
    """The goals of the case's active plan, each with a yes / partly / no choice
    (field names goal_met_<goal id>, read by cases.forms.goals_met_from)."""
    case = context["case"]
    return {"goals": selectors.active_plan_goals(case), "choices": GoalMet.choices}
