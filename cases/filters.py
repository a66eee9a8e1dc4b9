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
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelChoiceField, ModelChoiceIterator

from accounts import policy
from accounts.models import User
from accounts.scoping import Reach, owned_q, scope_of
from cases.models import (
    ACTIVE_STATUSES,
    Beneficiary,
    Case,
    CaseStatus,
    PmksCategory,
    Priority,
)
from cases.nik import normalize_number
from pmks.dates import DayMonthYearField, DayMonthYearInput
from regions.models import Level, Region

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


def _search_q(
    value: str, *, nik: str = "nik", name: str = "full_name", no_kk: str = "no_kk"
) -> Q | None:
    """A 16-digit number is a NIK or a No. KK (exact, both indexed: the members of
    that household); otherwise a name fragment (`icontains`: on PostgreSQL served
    by an UPPER(name) trigram index)."""
    value = " ".join(value.split())
    if not value:
        return None
    if _is_nik(value):
        digits = normalize_number(value)
        return Q(**{nik: digits}) | Q(**{no_kk: digits})
    return Q(**{f"{name}__icontains": value})


def _is_nik(value: str) -> bool:
    digits = normalize_number(value)
    return digits.isascii() and digits.isdigit() and len(digits) == 16


def _looks_like_case_number(value: str) -> bool:
    """Case numbers read `6472/2026/00017`; names and NIKs never hold a "/"."""
    return "/" in value


# --- cheap <select>s ------------------------------------------------------------
# The case list's filter form offers every caseworker of the office (~110 at 1M
# beneficiaries), the 26 categories and the kecamatan. Through Django's widget
# templates each <option> is a template render, and each choice of a model filter
# a model instance: about 40% of the first page's time (PERFORMANCE.md C4).


# --- choices of the filters (scoped like the lists) ------------------------------


def visible_caseworkers(user: Any) -> QuerySet[User]:
    """Caseworkers whose cases the user may see (choices of the assigned-to filter)."""
    users = User.objects.filter(role__in=policy.assignable_roles(), is_integration=False).order_by(
        "first_name", "username"
    )
    return users.filter(owned_q(user, org_field="organization"))


def visible_districts(user: Any) -> QuerySet[Region]:
    """Kecamatan of the kabupaten/kota the user works in (all of them for the province)."""
    scope = scope_of(user)
    districts = Region.objects.filter(level=Level.DISTRICT).order_by("code")
    if scope.reach is Reach.PROVINCE:
        return districts
    if scope.reach is Reach.NOTHING:
        return districts.none()
    organization = user.organization
    return districts.filter(parent_id=organization.region_id)


class FastSelect(forms.Select):
    """A flat <select> written in Python (escaped by format_html), not through the
    per-option widget templates."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        choices = list(iter(self.choices))  # list() alone would COUNT a model's choices
        if any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)  # option groups
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        selected = set(self.format_value(value))
        # Each value and label escaped as format_html would, without its per-call
        # cost (about 1 ms a page for the ~190 options of a large office).
        options = []
        for choice, label in choices:
            option = "" if choice is None else str(choice)
            mark = " selected" if option in selected else ""
            text = label if isinstance(label, str) else str(label)  # a lazy translation
            value_html, label_html = conditional_escape(option), conditional_escape(text)
            options.append(f'<option value="{value_html}"{mark}>{label_html}</option>')
        return format_html(
            "<select{}>{}</select>", flatatt(final_attrs), mark_safe("".join(options))
        )


class ValuesChoiceIterator(ModelChoiceIterator):
    """Choices of a model filter read as (pk, label columns) tuples: no instances."""

    def __iter__(self) -> Any:
        field = self.field
        if field.empty_label is not None:
            yield ("", field.empty_label)
        if field.null_label is not None:
            yield (field.null_value, field.null_label)
        for pk, *values in self.queryset.values_list("pk", *field.label_fields):
            yield (pk, field.label_of(values))


class ValuesModelChoiceField(ModelChoiceField):
    iterator = ValuesChoiceIterator

    def __init__(self, *args: Any, label_fields: tuple[str, ...], label_of: Any, **kwargs: Any):
        self.label_fields = label_fields
        self.label_of = label_of
        super().__init__(*args, **kwargs)


class ValuesModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A ModelChoiceFilter whose choices come from values_list, shown in a FastSelect;
    the chosen value is still validated against the queryset."""

    field_class = ValuesModelChoiceField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_fields", ("name",))
        kwargs.setdefault("label_of", lambda values: values[0])
        kwargs.setdefault("widget", FastSelect)
        super().__init__(*args, **kwargs)


def _person_name(values: list[str]) -> str:
    """User.__str__ from (first_name, last_name, username)."""
    first, last, username = values
    return f"{first} {last}".strip() or username


class DayMonthYearFilter(django_filters.DateFilter):
    """A date filter typed as dd/mm/yyyy (pmks/dates.py)."""

    field_class = DayMonthYearField


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Cari nama, NIK, No. KK atau nomor kasus"), method="filter_q", max_length=100
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=STATUS_CHOICES,
        method="filter_status",
        empty_label=_("Semua"),
        widget=FastSelect,
    )
    category = ValuesModelChoiceFilter(
        label=_("Kategori PMKS"),
        queryset=PmksCategory.objects.all(),
        method="filter_category",
        empty_label=_("Semua"),
    )
    priority = django_filters.ChoiceFilter(
        label=_("Prioritas"), choices=Priority.choices, empty_label=_("Semua"), widget=FastSelect
    )
    district = ValuesModelChoiceFilter(
        label=_("Kecamatan"), queryset=Region.objects.none(), empty_label=_("Semua")
    )
    assigned_to = ValuesModelChoiceFilter(
        label=_("Pekerja sosial"),
        queryset=User.objects.none(),
        empty_label=_("Semua"),
        label_fields=("first_name", "last_name", "username"),
        label_of=_person_name,
    )
    opened_after = DayMonthYearFilter(
        label=_("Dibuka sejak"),
        method="filter_opened_after",
        widget=DayMonthYearInput(),
    )
    opened_before = DayMonthYearFilter(
        label=_("Dibuka sampai"),
        method="filter_opened_before",
        widget=DayMonthYearInput(),
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

    def filters_present_state(self) -> bool:
        """True when a filter asks about a case's present state (status, category,
        caseworker...): an office that handed a case over may not learn those."""
        if not self.is_bound or not self.is_valid():
            return False
        return any(self.form.cleaned_data.get(name) not in (None, "") for name in STATE_FILTERS)

    def names_few_rows(self) -> bool:
        """True when the search is a NIK or a case number: one person, one case."""
        if not self.is_bound or not self.is_valid():
            return False
        q = self.form.cleaned_data.get("q") or ""
        return _is_nik(q) or _looks_like_case_number(q)

    def filter_queryset(self, queryset: QuerySet[Case]) -> QuerySet[Case]:
        # A filter on a case's present state would tell an office that handed a case
        # over what became of it; such filters cover the cases owned in reach only.
        if self.filters_present_state():
            queryset = queryset & Case.objects.owned_in_reach_of(self.user)
        return super().filter_queryset(queryset)

    def apply(self, queryset: QuerySet[Case]) -> QuerySet[Case]:
        """`queryset` filtered as `.qs` filters the one given at construction
        (nothing when unbound; an invalid field is left out, its error shown)."""
        if not self.is_bound:
            return queryset
        self.errors  # noqa: B018 -- validates the form, as .qs does
        return self.filter_queryset(queryset)

    def filter_q(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        # One column per kind of input: an OR across cases_case and cases_beneficiary
        # can use neither table's index (1.6-1.8 s at 1M beneficiaries).
        if _looks_like_case_number(value):
            return queryset.filter(number="".join(value.split()))
        # The name: the case's copy, held by the list's walking indexes (C7).
        query = _search_q(
            value, nik="beneficiary__nik", name="beneficiary_name", no_kk="beneficiary__no_kk"
        )
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
    q = django_filters.CharFilter(
        label=_("Cari nama, NIK atau No. KK"), method="filter_q", max_length=100
    )
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
