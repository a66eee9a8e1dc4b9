"""`{% case_followups %}`: the follow-ups and visits sections of the case page.

A template tag, not a line in cases/views.py: the case page belongs to `cases`,
which does not import the apps above it (tests/test_architecture.py)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from cases import selectors as case_selectors
from followups import selectors
from followups.forms import FollowUpForm

register = template.Library()


@register.inclusion_tag("followups/_case_section.html", takes_context=True)
def case_followups(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    case = context["case"]
    may_write = bool(context.get("may_write")) and case.is_active
    until = context.get("history_cutoff")  # a former owner sees the case as it was
    result: dict[str, Any] = {
        "request": request,
        "case": case,
        "csrf_token": context.get("csrf_token"),
        "followups": selectors.case_followups(case, until=until),
        "visits": selectors.case_visits(case, until=until),
        "today": timezone.localdate(),
        "may_write": may_write,
    }
    if may_write:
        assignees = case_selectors.assignable_caseworkers(request.user).filter(
            organization_id=case.owner_org_id
        )
        result["followup_form"] = FollowUpForm(assignees=assignees, prefix="followup")
    return result


@register.inclusion_tag("followups/_case_file.html", takes_context=True)
def case_file_followups(context: template.Context) -> dict[str, Any]:
    """The follow-ups and visits of the printed case file (cases/case_file.html)."""
    case = context["case"]
    until = context.get("history_cutoff")
    return {
        "followups": selectors.case_followups(case, until=until),
        "visits": selectors.case_visits(case, until=until),
    }
