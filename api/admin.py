from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import APIKey

from accounts.models import Role
from api import services
from api.models import OrganizationAPIKey, WebhookDelivery, WebhookEndpoint

# The library's own key model is unused: keys belong to organizations (below).
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)

KEY_ROLES = [
    (Role.AGENCY_STAFF, Role.AGENCY_STAFF.label),
    (Role.CASEWORKER, Role.CASEWORKER.label),
    (Role.SUPERVISOR, Role.SUPERVISOR.label),
]


class APIKeyAddForm(forms.ModelForm):
    role = forms.ChoiceField(
        label=_("peran kunci"),
        choices=[("", _("bawaan sesuai jenis organisasi")), *KEY_ROLES],
        required=False,
    )

    class Meta:
        model = OrganizationAPIKey
        fields = ["organization", "name", "expiry_date"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        organization = data.get("organization")
        role = data.get("role")
        if organization and role and role not in services.allowed_key_roles(organization):
            self.add_error("role", _("Peran ini tidak tersedia untuk jenis organisasi ini."))
        return data


@admin.register(OrganizationAPIKey)
class OrganizationAPIKeyAdmin(admin.ModelAdmin):
    list_display = [
        "prefix",
        "name",
        "organization",
        "user",
        "created",
        "expiry_date",
        "last_used_at",
        "revoked",
    ]
    list_filter = ["revoked", "organization__kind"]
    search_fields = ["name", "prefix", "organization__name"]
    autocomplete_fields = ["organization"]
    actions = ["revoke_keys"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = APIKeyAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["organization", "name", "role", "expiry_date"]
        return [
            "name",
            "prefix",
            "organization",
            "user",
            "created",
            "created_by",
            "expiry_date",
            "last_used_at",
            "revoked",
            "revoked_at",
            "revoked_by",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        fields = self.get_fields(request, obj)
        return [field for field in fields if field != "name"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            obj.save(update_fields=["name"])
            return
        key, clear_key = services.api_key_create(
            actor=request.user,  # type: ignore[arg-type]
            organization=form.cleaned_data["organization"],
            name=form.cleaned_data["name"],
            role=form.cleaned_data.get("role") or None,
            expiry_date=form.cleaned_data.get("expiry_date"),
        )
        obj.pk = key.pk
        obj.refresh_from_db()
        messages.warning(
            request,
            gettext(
                "Kunci API %(name)s: %(key)s — simpan sekarang, kunci ini tidak akan "
                "ditampilkan lagi."
            )
            % {"name": key.name, "key": clear_key},
        )

    @admin.action(description=_("Cabut kunci terpilih"))
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[OrganizationAPIKey]) -> None:
        for key in queryset.select_related("organization"):
            services.api_key_revoke(actor=request.user, key=key)  # type: ignore[arg-type]
        messages.success(request, gettext("Kunci terpilih sudah dicabut."))


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "organization", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "organization__name"]
    exclude = ["secret"]
    readonly_fields = ["created_by", "created_at"]
    autocomplete_fields = ["organization"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.secret = services.new_webhook_secret()
            obj.created_by = request.user
            messages.warning(
                request,
                gettext("Rahasia webhook: %(secret)s — simpan sekarang, tidak ditampilkan lagi.")
                % {"secret": obj.secret},
            )
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "endpoint", "status", "attempts", "response_code", "created_at"]
    list_filter = ["status", "event"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
