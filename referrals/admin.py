"""Django admin for the service directory: the administrator publishes an
organization's offers (type, kabupaten/kota served, capacity). Staff of the
organization then keep the free capacity current from the directory page.

Referrals themselves are worked in the app's pages, which apply the access rules
and the transition table; they are not editable here."""

from django.contrib import admin

from referrals.models import ServiceOffer


@admin.register(ServiceOffer)
class ServiceOfferAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "organization",
        "service_type",
        "capacity_free",
        "capacity_total",
        "is_active",
    )
    list_filter = ("service_type", "is_active")
    search_fields = ("name", "organization__name")
    autocomplete_fields = ("organization", "regencies")
    readonly_fields = ("capacity_updated_at", "capacity_updated_by")
    list_select_related = ("organization", "service_type")
