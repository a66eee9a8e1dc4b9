from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "sector", "region", "is_active"]
    list_filter = ["kind", "sector", "is_active"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["region"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "organization", "role", "is_active"]
    list_filter = ["role", "is_active", "organization__kind"]
    search_fields = ["username", "first_name", "last_name", "email"]
    autocomplete_fields = ["organization"]
    fieldsets = (
        # django-stubs types fieldsets as ModelAdmin's Optional; UserAdmin sets a tuple.
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (_("Organisasi dan peran"), {"fields": ("organization", "role", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Organisasi dan peran"), {"fields": ("organization", "role")}),
    )
