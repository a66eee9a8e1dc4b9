"""Django admin for households: read-only, as beneficiaries are worked in the app's
own pages (access rules, version checks); the admin may look a KK up."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from households.models import Household, HouseholdMember


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class HouseholdMemberInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = HouseholdMember
    fields = ("beneficiary", "relationship", "created_at")
    readonly_fields = fields
    extra = 0


@admin.register(Household)
class HouseholdAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("no_kk", "regency", "village", "in_dtsen", "desil", "registered_by_org")
    list_filter = ("in_dtsen", "desil", "regency")
    search_fields = ("no_kk",)
    list_select_related = ("regency", "village", "registered_by_org")
    raw_id_fields = ("head", "village")
    inlines = (HouseholdMemberInline,)
