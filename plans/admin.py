"""Django admin for case plans: read-only, as plans are worked in the app's own pages
(access rules, version checks, the approval flow); the admin may look one up."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from plans.models import CasePlan, PlanGoal


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PlanGoalInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = PlanGoal
    fields = ("position", "need", "text", "met")
    readonly_fields = fields
    extra = 0


@admin.register(CasePlan)
class CasePlanAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("case", "number", "status", "superseded", "review_date", "approved_at")
    list_filter = ("status", "superseded")
    search_fields = ("case__number",)
    list_select_related = ("case", "case__beneficiary")
    raw_id_fields = ("case", "based_on")
    inlines = (PlanGoalInline,)
