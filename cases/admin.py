"""Django admin for the reference data of this app (PMKS categories, service types).

Beneficiaries and cases are worked in the app's own pages, which apply the
access rules and the version checks; they are not editable here."""

from django.contrib import admin

from cases.models import PmksCategory, ServiceType


@admin.register(PmksCategory)
class PmksCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "is_child", "sort_order")
    list_filter = ("is_child",)
    search_fields = ("code", "name", "name_en")
    ordering = ("sort_order", "code")

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Codes are stable identifiers: never renumbered once shipped.
        return ("code",) if obj else ()


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "has_capacity", "sort_order")
    list_filter = ("has_capacity",)
    search_fields = ("code", "name", "name_en")
    ordering = ("sort_order", "code")

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return ("code",) if obj else ()
