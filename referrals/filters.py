"""FilterSets shared by the HTML lists and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import ServiceType
from referrals.models import Referral, ReferralKind, ReferralStatus, ServiceOffer, Urgency
from regions.models import Level, Region

_YES_NO = [("true", _("Ya")), ("false", _("Tidak"))]


def overdue_q(now: Any = None) -> Q:
    """Overdue now: still waiting for a decision after the due date."""
    return Q(status=ReferralStatus.PENDING, due_at__lt=now or timezone.now())


class ReferralFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ReferralStatus.choices, empty_label=_("Semua status")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Jenis"), choices=ReferralKind.choices, empty_label=_("Semua jenis")
    )
    urgency = django_filters.ChoiceFilter(
        label=_("Urgensi"), choices=Urgency.choices, empty_label=_("Semua urgensi")
    )
    overdue = django_filters.ChoiceFilter(
        label=_("Terlambat"), choices=_YES_NO, empty_label=_("Semua"), method="filter_overdue"
    )
    updated_since = django_filters.IsoDateTimeFilter(
        label=_("Diubah sejak"), field_name="updated_at", method="filter_updated_since"
    )

    class Meta:
        model = Referral
        fields = ["status", "kind", "urgency", "overdue", "updated_since"]

    def filter_updated_since(
        self, queryset: QuerySet[Referral], name: str, value: dt.datetime | None
    ) -> QuerySet:
        if value is None:
            return queryset
        # 0001-01-01 or 9999-12-31 overflow once shifted to UTC: clamp to real years.
        if value.year < 1900:
            return queryset
        if value.year > 9000:
            return queryset.none()
        return queryset.filter(updated_at__gte=value)

    def filter_overdue(self, queryset: QuerySet[Referral], name: str, value: Any) -> QuerySet:
        if value == "true":
            return queryset.filter(overdue_q())
        if value == "false":
            return queryset.exclude(overdue_q())
        return queryset


class ServiceOfferFilter(django_filters.FilterSet):
    service_type = django_filters.ModelChoiceFilter(
        label=_("Jenis layanan"),
        queryset=ServiceType.objects.all(),
        to_field_name="code",
        empty_label=_("Semua layanan"),
    )
    regency = django_filters.ModelChoiceFilter(
        label=_("Kabupaten/kota"),
        queryset=Region.objects.filter(level=Level.REGENCY).order_by("code"),
        to_field_name="code",
        empty_label=_("Semua kabupaten/kota"),
        method="filter_regency",
    )
    has_capacity = django_filters.ChoiceFilter(
        label=_("Ada tempat kosong"),
        choices=_YES_NO,
        empty_label=_("Semua"),
        method="filter_has_capacity",
    )

    class Meta:
        model = ServiceOffer
        fields = ["service_type", "regency", "has_capacity"]

    def filter_regency(self, queryset: QuerySet, name: str, value: Region | None) -> QuerySet:
        if value is None:
            return queryset
        # Offers that serve the kabupaten/kota, or the whole province.
        served = ServiceOffer.regencies.through.objects.filter(
            Q(region=value) | Q(region__level=Level.PROVINCE)
        ).values("serviceoffer_id")
        return queryset.filter(pk__in=served)

    def filter_has_capacity(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "true":
            return queryset.filter(Q(capacity_free__isnull=True) | Q(capacity_free__gt=0))
        if value == "false":
            return queryset.filter(capacity_free=0)
        return queryset
