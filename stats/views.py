"""Supervisor dashboards: the province, one kabupaten/kota, their exports.

Access: accounts.scoping.dashboard_regency_ids through stats.selectors
(provincial supervisors: everything; office supervisors: their own kabupaten/kota).
Everyone else (caseworkers, agency staff, admins) gets 404, like any object
outside their scope. The pages read only the summary tables.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import conditional_escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.scoping import dashboard_regency_ids
from stats.exports import csv_response, xlsx_response
from stats.models import DEFAULT_PERIOD, Period
from stats.selectors import (
    Scope,
    build_summary,
    dashboard_scope_for,
    latest_run_id,
    table_by_key,
)
from stats.templatetags.stats_tags import cell, is_number

# table key → chart: type ("bar", "hbar", "line"), label column, value columns, stacked
CHARTS: dict[str, tuple[str, str, list[str], bool]] = {
    "by_area": ("bar", "name", ["open", "new", "closed"], False),
    "by_category": ("hbar", "name", ["open"], False),
    "by_status": ("bar", "status", ["total"], False),
    "age_sex": ("bar", "age_band", ["male", "female"], True),
    "trend": ("line", "month", ["new", "closed", "reopened"], False),
    "daily": ("line", "date", ["open"], False),
    "sla": ("hbar", "organization", ["compliance"], False),
    "services": ("hbar", "service_type", ["planned", "ongoing", "done", "cancelled"], True),
}
# Tables that take the page's full width (long names or many columns).
WIDE_TABLES = {
    "by_area",
    "by_category",
    "beneficiaries",
    "households",
    "flow",
    "sla",
    "services",
}
POLL_SECONDS = 60


def _filters(request: HttpRequest) -> dict[str, str]:
    period = request.GET.get("period") or ""
    if period not in Period.values:
        period = str(DEFAULT_PERIOD)
    return {"period": period, "category": request.GET.get("category") or ""}


def _summary(scope: Scope, filters: dict[str, str]) -> dict[str, Any]:
    try:
        return build_summary(scope, period=filters["period"], category=filters["category"])
    except ValidationError:  # an unknown category in the address: show all
        filters["category"] = ""
        return build_summary(scope, period=filters["period"])


def _chart(table: dict[str, Any]) -> dict[str, Any] | None:
    spec = CHARTS.get(table["key"])
    if spec is None or not table["rows"]:
        return None
    kind, label_key, value_keys, stacked = spec
    keys = [column["key"] for column in table["columns"]]
    rows = [row for row in table["rows"] if row[keys.index(label_key)] != ""]
    return {
        "type": kind,
        "stacked": stacked,
        "labels": [row[keys.index(label_key)] for row in rows],
        "datasets": [
            {
                "label": table["columns"][keys.index(key)]["label"],
                "data": [row[keys.index(key)] for row in rows],
            }
            for key in value_keys
        ],
    }


def _row_html(cells: list[Any], link: str | None) -> SafeString:
    """The <td>s of one table row. Built here rather than in the template: a page
    has about a thousand cells, and a template tag per cell was a third of the time
    the page took."""
    parts = []
    for index, value in enumerate(cells):
        text = conditional_escape(cell(value))
        if index == 1 and link:
            parts.append(f'<td><a href="{conditional_escape(link)}">{text}</a></td>')
        elif is_number(value):
            parts.append(f'<td class="num">{text}</td>')
        else:
            parts.append(f"<td>{text}</td>")
    return mark_safe("".join(parts))  # noqa: S308  (every value above is escaped)


def _freshness(summary: dict[str, Any]) -> dict[str, Any] | None:
    run = summary["run"]
    if run is None:
        return None
    computed = parse_datetime(run["computed_at"])
    assert computed is not None
    local = timezone.localtime(computed)
    return {"at": local, "today": local.date() == timezone.localdate()}


def _page_url(scope: Scope) -> str:
    if scope.regency is None:
        return reverse("stats:province")
    return reverse("stats:regency", args=[scope.regency.code])


def _render(request: HttpRequest, scope: Scope) -> HttpResponse:
    filters = _filters(request)
    fragment = request.GET.get("fragment") == "1"
    if fragment and request.GET.get("run") and request.GET["run"] == str(latest_run_id()):
        return HttpResponse(status=204)  # nothing new since the page was drawn
    summary = _summary(scope, filters)
    page_url = _page_url(scope)
    query = urlencode({k: v for k, v in filters.items() if v})
    run_id = summary["run"]["id"] if summary["run"] else ""
    blocks = []
    for table in summary["tables"]:
        links = None
        if scope.is_province and table["key"] in ("by_area", "beneficiaries", "households"):
            links = [
                reverse("stats:regency", args=[row[0]]) if row[0] else None for row in table["rows"]
            ]
        blocks.append(
            {
                "table": table,
                "chart": _chart(table),
                "chart_id": f"chart-data-{table['key']}",
                "wide": table["key"] in WIDE_TABLES,
                "rows": [
                    _row_html(row, links[index] if links else None)
                    for index, row in enumerate(table["rows"])
                ],
                "csv": reverse(_export_name(scope), kwargs=_export_kwargs(scope, table, "csv"))
                + (f"?{query}" if query else ""),
                "xlsx": reverse(_export_name(scope), kwargs=_export_kwargs(scope, table, "xlsx"))
                + (f"?{query}" if query else ""),
            }
        )
    context = {
        "summary": summary,
        "scope": scope,
        "filters": filters,
        "blocks": blocks,
        "freshness": _freshness(summary),
        "page_url": page_url,
        "poll_url": f"{page_url}?{urlencode({**filters, 'fragment': '1', 'run': run_id})}",
        "poll_seconds": POLL_SECONDS,
        "is_provincial": dashboard_regency_ids(request.user) is None,
    }
    template = "stats/_live.html" if fragment else "stats/dashboard.html"
    return render(request, template, context)


def _export_name(scope: Scope) -> str:
    return "stats:province_export" if scope.is_province else "stats:regency_export"


def _export_kwargs(scope: Scope, table: dict[str, Any], fmt: str) -> dict[str, str]:
    kwargs = {"table": table["key"], "fmt": fmt}
    if scope.regency is not None:
        kwargs["code"] = scope.regency.code
    return kwargs


def _export(request: HttpRequest, scope: Scope, table_key: str, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    filters = _filters(request)
    summary = _summary(scope, filters)
    table = table_by_key(summary, table_key)
    if table is None:
        raise Http404
    place = "provinsi" if scope.regency is None else scope.regency.code.replace(".", "")
    filename = f"statistik-{place}-{table_key}-{filters['period']}"
    if filters["category"]:
        filename += f"-{filters['category']}"
    if fmt == "csv":
        return csv_response(table, filename)
    freshness = _freshness(summary)
    about = [
        (_("Wilayah"), summary["scope"]["regency"]["name"] if scope.regency else _("Provinsi")),
        (_("Periode"), summary["period"]["label"]),
        (_("Kategori PMKS"), summary["category"]["name"] if summary["category"] else _("Semua")),
        (
            _("Data per"),
            freshness["at"].strftime("%d/%m/%Y %H:%M WITA") if freshness else _("belum ada"),
        ),
    ]
    return xlsx_response(table, filename, about)


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Send a supervisor to the page of what they oversee."""
    scope = dashboard_scope_for(request.user)
    if scope.regency is None:
        return redirect("stats:province")
    return redirect("stats:regency", code=scope.regency.code)


@require_GET
@login_required
def province(request: HttpRequest) -> HttpResponse:
    scope = dashboard_scope_for(request.user)
    if not scope.is_province:
        raise Http404
    return _render(request, scope)


@require_GET
@login_required
def regency(request: HttpRequest, code: str) -> HttpResponse:
    return _render(request, dashboard_scope_for(request.user, code))


@require_GET
@login_required
def province_export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    scope = dashboard_scope_for(request.user)
    if not scope.is_province:
        raise Http404
    return _export(request, scope, table, fmt)


@require_GET
@login_required
def regency_export(request: HttpRequest, code: str, table: str, fmt: str) -> HttpResponse:
    return _export(request, dashboard_scope_for(request.user, code), table, fmt)
