"""Admin: the outbox rows, dead ones first to the eye, and a resend action."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from outbox.models import OutboxEvent
from outbox.services import outbox_resend


class StateFilter(admin.SimpleListFilter):
    title = _("keadaan")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:  # type: ignore[type-arg]
        return [
            ("dead", _("Gagal permanen")),
            ("waiting", _("Menunggu / dicoba ulang")),
            ("sent", _("Terkirim")),
        ]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[OutboxEvent]
    ) -> QuerySet[OutboxEvent]:
        if self.value() == "dead":
            return queryset.filter(dead_at__isnull=False)
        if self.value() == "waiting":
            return queryset.filter(sent_at__isnull=True, dead_at__isnull=True)
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        return queryset


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "id",
        "kind",
        "shard",
        "organization",
        "state",
        "attempts",
        "available_at",
        "sent_at",
        "dead_at",
    ]
    list_filter = [StateFilter, "kind"]
    search_fields = ["=event_id", "shard"]
    readonly_fields = [field.name for field in OutboxEvent._meta.fields]
    actions = ["resend"]
    list_select_related = ["organization"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_("keadaan"))
    def state(self, obj: OutboxEvent) -> str:
        return obj.state

    @admin.action(description=_("Kirim ulang (dari percobaan pertama)"), permissions=["view"])
    def resend(self, request: HttpRequest, queryset: QuerySet[OutboxEvent]) -> None:
        count = outbox_resend(event_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(n)d efek dijadwalkan ulang.", "%(n)d efek dijadwalkan ulang.", count)
            % {"n": count},
            messages.SUCCESS,
        )
        if count:
            from outbox.services import kick

            kick()
