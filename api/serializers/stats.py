"""The shape of /stats/summary/ for the schema (stats.selectors.build_summary builds
the data; these serializers only document it, field by field)."""

from __future__ import annotations

from rest_framework import serializers

from stats.models import Period

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
