"""The home page, composed at the project level: each role lands on its own page.

The project package sits above every app, so it may read them all: the role comes
from accounts.policy, the blocks from cases and referrals. accounts (the base app)
does not know its dependants.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import policy
from cases.selectors import caseworker_home, supervisor_home
from followups.selectors import home_counts
from referrals.home import referrals_home


def home_context(user: Any) -> dict[str, Any]:
    kind = policy.home_kind(user)
    context: dict[str, Any] = {"template": f"home/{kind}.html"}
    if policy.works_cases(user):
        blocks = caseworker_home if kind == "caseworker" else supervisor_home
        context["cases_home"] = blocks(user)
        context["followups_supervisor"] = kind != "caseworker"
        context["followups_home"] = home_counts(user, supervisor=kind != "caseworker")
    if kind != "admin":
        context["referrals_home"] = referrals_home(user)
    return context


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context = home_context(request.user)
    return render(request, context.pop("template"), context)
