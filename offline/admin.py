from django.contrib import admin

from offline.models import SyncDecision


@admin.register(SyncDecision)
class SyncDecisionAdmin(admin.ModelAdmin):
    list_display = ("uuid", "user", "kind", "match_type", "created_at", "resolved_at", "resolution")
    list_filter = ("kind", "match_type", "resolution")
    search_fields = ("uuid", "user__username")
    readonly_fields = [field.name for field in SyncDecision._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
