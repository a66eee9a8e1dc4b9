"""Django admin: follow-ups and visits, for support (the work itself is done in the
app's pages, which apply the access rules)."""

from django.contrib import admin

from followups.models import FollowUp, Visit


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ("case", "kind", "due_date", "assignee", "source", "done_at", "is_overdue")
    list_filter = ("kind", "source", "is_overdue")
    search_fields = ("case__number",)
    raw_id_fields = ("case", "assignee", "done_by", "created_by")
    readonly_fields = ("rule_key", "overdue_marked_at", "created_at")


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ("case", "visited_on", "place", "met_with", "created_by")
    search_fields = ("case__number", "place")
    raw_id_fields = ("case", "followup", "created_by")
    readonly_fields = ("created_at",)
