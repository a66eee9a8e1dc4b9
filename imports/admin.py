"""Django admin for imports: read-only (the history of who imported what); the
files themselves are downloaded only through the import pages' permission check."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from imports.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "file_name",
        "organization",
        "created_by",
        "created_at",
        "status",
        "total_rows",
        "count_new",
        "count_linked",
        "count_skipped",
        "count_refused",
        "count_flagged",
    )
    list_filter = ("status", "organization")
    search_fields = ("file_name", "sha256")
    fields = list_display + ("sha256", "started_at", "finished_at", "stopped_at_row", "error")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
