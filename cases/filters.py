"""FilterSets of the case and beneficiary lists, shared by the HTML pages and the API.

Choices that depend on the user (kecamatan, caseworkers) are narrowed to what
the user may see; the querysets passed in are already `visible_to(user)`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases.models import (
    ACTIVE_STATUSES,
    Beneficiary,
    Case,
    CaseStatus,
    PmksCategory,
    Priority,
)
from cases.nik import normalize_number
from cases.selectors import visible_caseworkers, visible_districts
from regions.models import Region

ACTIVE = "active"
# Filters on what a case is now (see CaseFilter.filter_queryset).
STATE_FILTERS = ("status", "category", "priority", "district", "assigned_to")
STATUS_CHOICES = [(ACTIVE, _("Semua yang aktif")), *CaseStatus.choices]


# Dates typed in a filter are clamped to years a case can have: the first and
# last representable dates (0001-01-01, 9999-12-31) overflow once shifted to UTC.
EARLIEST_DAY = dt.date(1900, 1, 1)
LATEST_DAY = dt.date(9000, 1, 1)


def _start_of(day: dt.date, *, days_after: int = 0) -> dt.datetime:
    day = min(max(day, EARLIEST_DAY), LATEST_DAY) + dt.timedelta(days=days_after)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _search_q(value: str, *, prefix: str = "") -> Q | None:
    """A 16-digit number is a NIK (exact, indexed); otherwise a name fragment
    (`icontains`: on PostgreSQL served by the UPPER(full_name) trigram index)."""
    value = " ".join(value.split())
    if not value:
        return None
    digits = normalize_number(value)
    if digits.isascii() and digits.isdigit() and len(digits) == 16:
        return Q(**{f"{prefix}nik": digits})
    return Q(**{f"{prefix}full_name__icontains": value})


def _looks_like_case_number(value: str) -> bool:
    """Case numbers read `6472/2026/00017`; names and NIKs never hold a "/"."""
    return "/" in value


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Cari nama, NIK atau nomor kasus"), method="filter_q", max_length=100
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, method="filter_status", empty_label=_("Semua")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Kategori PMKS"),
        queryset=PmksCategory.objects.all(),
        method="filter_category",
        empty_label=_("Semua"),
    )
    priority = django_filters.ChoiceFilter(
        label=_("Prioritas"), choices=Priority.choices, empty_label=_("Semua")
    )
    district = django_filters.ModelChoiceFilter(
        label=_("Kecamatan"), queryset=Region.objects.none(), empty_label=_("Semua")
    )
    assigned_to = django_filters.ModelChoiceFilter(
        label=_("Pekerja sosial"), queryset=User.objects.none(), empty_label=_("Semua")
    )
    opened_after = django_filters.DateFilter(
        label=_("Dibuka sejak"),
        method="filter_opened_after",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    opened_before = django_filters.DateFilter(
        label=_("Dibuka sampai"),
        method="filter_opened_before",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Case
        fields = [
            "q",
            "status",
            "category",
            "priority",
            "district",
            "assigned_to",
            "opened_after",
            "opened_before",
        ]

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet[Case] | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
        user: Any = None,
    ) -> None:
        super().__init__(data, queryset, request=request, prefix=prefix)
        user = user if user is not None else getattr(request, "user", None)
        self.user = user
        self.filters["district"].queryset = visible_districts(user)
        self.filters["assigned_to"].queryset = visible_caseworkers(user)

    def filter_queryset(self, queryset: QuerySet[Case]) -> QuerySet[Case]:
        # A filter on a case's present state would tell an office that handed a case
        # over what became of it; such filters cover the cases owned in reach only.
        if any(self.form.cleaned_data.get(name) not in (None, "") for name in STATE_FILTERS):
            queryset = queryset & Case.objects.owned_in_reach_of(self.user)
        return super().filter_queryset(queryset)

    def filter_q(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        # One column per kind of input: an OR across cases_case and cases_beneficiary
        # can use neither table's index (1.6-1.8 s at 1M beneficiaries).
        if _looks_like_case_number(value):
            return queryset.filter(number="".join(value.split()))
        query = _search_q(value, prefix="beneficiary__")
        return queryset.filter(query) if query is not None else queryset

    def filter_status(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        if value == ACTIVE:
            return queryset.filter(status__in=ACTIVE_STATUSES)
        return queryset.filter(status=value)

    def filter_category(
        self, queryset: QuerySet[Case], name: str, value: PmksCategory
    ) -> QuerySet[Case]:
        # Primary or secondary category, without a join that would repeat rows.
        secondary = Case.other_categories.through.objects.filter(pmkscategory=value).values(
            "case_id"
        )
        return queryset.filter(Q(primary_category=value) | Q(pk__in=secondary))

    def filter_opened_after(
        self, queryset: QuerySet[Case], name: str, value: dt.date
    ) -> QuerySet[Case]:
        return queryset.filter(opened_at__gte=_start_of(value))

    def filter_opened_before(
        self, queryset: QuerySet[Case], name: str, value: dt.date
    ) -> QuerySet[Case]:
        return queryset.filter(opened_at__lt=_start_of(value, days_after=1))


class BeneficiaryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Cari nama atau NIK"), method="filter_q", max_length=100)
    nik = django_filters.CharFilter(label=_("NIK"), method="filter_nik", max_length=20)

    class Meta:
        model = Beneficiary
        fields = ["q", "nik"]

    def filter_q(
        self, queryset: QuerySet[Beneficiary], name: str, value: str
    ) -> QuerySet[Beneficiary]:
        query = _search_q(value)
        return queryset.filter(query) if query is not None else queryset

    def filter_nik(
        self, queryset: QuerySet[Beneficiary], name: str, value: str
    ) -> QuerySet[Beneficiary]:
        return queryset.filter(nik=normalize_number(value))
