"""Statistics: the rolled-up figures of the dashboards (stats.selectors.summary_for)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.scoping import dashboard_regency_ids
from api.schema import errors
from api.views.base import ApiView, acting
from stats.models import Period
from stats.selectors import summary_for

# --- the shape of the summary (stats.selectors.build_summary builds it; these only
# document it for the schema, field by field) ---

# What a summary covers (settings ENUM_NAME_OVERRIDES: StatsScopeLevelEnum).
SCOPE_LEVELS = [("province", "province"), ("regency", "regency")]


class CodeNameSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class StatsScopeSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=SCOPE_LEVELS)
    regency = CodeNameSerializer(allow_null=True, help_text="Null for the whole province.")
    area_label = serializers.CharField(help_text="What the by-area table's rows are.")


class StatsRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    computed_at = serializers.DateTimeField(help_text="How fresh the figures are.")
    duration_ms = serializers.IntegerField()
    trigger = serializers.CharField()


class StatsPeriodSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=Period.choices)
    label = serializers.CharField()  # type: ignore[assignment]  # a field named "label"
    start = serializers.DateField()
    end = serializers.DateField()


class PeriodChoiceSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=Period.choices)
    label = serializers.CharField()  # type: ignore[assignment]  # a field named "label"


class StatsFiltersSerializer(serializers.Serializer):
    periods = PeriodChoiceSerializer(many=True)
    categories = CodeNameSerializer(many=True)


class StatsHeadlineSerializer(serializers.Serializer):
    open_cases = serializers.IntegerField()
    new_this_month = serializers.IntegerField()
    closed_this_month = serializers.IntegerField()
    reopened_this_month = serializers.IntegerField()
    pending_referrals = serializers.IntegerField()
    overdue_referrals = serializers.IntegerField()
    beneficiaries = serializers.IntegerField()
    households_reached = serializers.IntegerField(
        help_text="Distinct households (No. KK) with a case in the scope."
    )


class StatsColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named "label"


class StatsTableSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Stable, e.g. `by_status`.")
    title = serializers.CharField()
    columns = StatsColumnSerializer(many=True)
    rows = serializers.ListField(
        child=serializers.ListField(child=serializers.JSONField()),
        help_text="One list per row, in the order of `columns` (text, numbers or null).",
    )


class StatsSummarySerializer(serializers.Serializer):
    scope = StatsScopeSerializer()
    run = StatsRunSerializer(allow_null=True, help_text="Null before the first rebuild.")
    period = StatsPeriodSerializer()
    category = CodeNameSerializer(allow_null=True, help_text="The category filtered on.")
    filters = StatsFiltersSerializer()
    headline = StatsHeadlineSerializer()
    tables = StatsTableSerializer(many=True)


class HasDashboard(BasePermission):
    """Supervisors: the province (provincial) or their kabupaten/kota (office)."""

    message = _("Statistik hanya untuk supervisor.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = acting(request)
        return bool(user and user.is_authenticated and dashboard_regency_ids(user) != set())


class SummaryQuery(serializers.Serializer):
    regency = serializers.CharField(required=False, max_length=13)
    period = serializers.ChoiceField(choices=Period.choices, required=False)
    category = serializers.CharField(required=False, max_length=10)


@extend_schema(
    tags=["statistics"],
    summary="Rolled-up statistics",
    description="The figures of the supervisor dashboards, read from the summary tables "
    "(refreshed by Celery; `run.computed_at` says how fresh): headline counts and tables "
    "by kabupaten/kota (or kecamatan), PMKS category, status, sex × age band, monthly and "
    "daily trends, referral flows, SLA and services. A provincial supervisor's key sees the "
    "province or any `regency`; an office supervisor's key its own kabupaten/kota (another "
    "one is 404). Other roles: 403.",
    parameters=[
        OpenApiParameter("regency", str, description="Kabupaten/kota code, e.g. `64.72`."),
        OpenApiParameter("period", str, enum=Period.values, description="Window (default `12m`)."),
        OpenApiParameter("category", str, description="PMKS category code, e.g. `PMKS08`."),
    ],
    responses={200: StatsSummarySerializer, **errors(400, 403, 404)},
    examples=[
        OpenApiExample(
            "Summary (abridged)",
            value={
                "scope": {
                    "level": "regency",
                    "regency": {"code": "64.72", "name": "Kota Samarinda"},
                    "area_label": "Kecamatan",
                },
                "run": {
                    "id": 12,
                    "computed_at": "2025-03-01T10:00:00+08:00",
                    "duration_ms": 840,
                    "trigger": "beat",
                },
                "period": {
                    "key": "12m",
                    "label": "12 bulan terakhir",
                    "start": "2024-04-01",
                    "end": "2025-03-01",
                },
                "category": None,
                "filters": {
                    "periods": [{"key": "12m", "label": "12 bulan terakhir"}],
                    "categories": [{"code": "PMKS08", "name": "Lanjut Usia Telantar"}],
                },
                "headline": {
                    "open_cases": 412,
                    "new_this_month": 37,
                    "closed_this_month": 21,
                    "reopened_this_month": 1,
                    "pending_referrals": 9,
                    "overdue_referrals": 2,
                    "beneficiaries": 388,
                    "households_reached": 240,
                },
                "tables": [
                    {
                        "key": "by_status",
                        "title": "Kasus per status",
                        "columns": [{"key": "status", "label": "Status"}],
                        "rows": [["open", 120]],
                    }
                ],
            },
            response_only=True,
        )
    ],
)
class StatsSummaryView(ApiView):
    permission_classes = [HasDashboard]

    def get(self, request: Request) -> Response:
        query = SummaryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        summary = summary_for(
            acting(request),
            regency_code=data.get("regency"),
            period=data.get("period"),
            category=data.get("category"),
        )
        return Response(summary)
