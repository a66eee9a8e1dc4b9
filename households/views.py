"""The households list: the households the user may see (one of their members is
visible), by No. KK, DTSEN, desil and aid; the same rows as /api/v1/households/
and as the export (exports.datasets.households)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from cases import selectors as case_selectors
from cases.views import PAGE_SIZE, office_user
from households import selectors
from households.forms import HouseholdSearchForm


@require_GET
@office_user
def household_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = HouseholdSearchForm(request.GET or None)
    params: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()  # the valid fields filter even when another is refused (said beside it)
        params = form.cleaned_data
    rows = selectors.filter_households(
        selectors.household_list(user=request.user).select_related("head"), params
    )
    page = case_selectors.paginate(rows, request.GET.get("page"), size=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "households/list.html",
        {
            "form": form,
            "page": page,
            "rows": selectors.household_rows(request.user, page.rows),
            "query": query.urlencode(),
        },
    )
