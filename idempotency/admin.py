from django.contrib import admin

from idempotency.models import IdempotencyKey


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    list_display = ("scope", "key", "method", "path", "response_status", "created_at", "expires_at")
    list_filter = ("method", "response_status")
    search_fields = ("scope", "key", "path")
    readonly_fields = [field.name for field in IdempotencyKey._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
