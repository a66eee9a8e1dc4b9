"""Reads of households: the beneficiary page's household, the API's list and detail.

The door is `Household.objects.visible_to(user)` (whoever sees a member sees the
household); members the user may not see are listed without their name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from cases.models import Beneficiary
from cases.nik import normalize_number
from households.models import Household, HouseholdMember, Relationship

# Head first, then spouses, children … as the KK form lists them.
_ORDER = {value: index for index, value in enumerate(Relationship.values)}


@dataclass(frozen=True)
class MemberRow:
    member: HouseholdMember
    visible: bool

    @property
    def beneficiary(self) -> Beneficiary:
        return self.member.beneficiary


@dataclass(frozen=True)
class HouseholdView:
    household: Household
    relationship: str  # the relationship of the page's person
    members: list[MemberRow]  # the other members

    @property
    def relationship_label(self) -> str:
        return str(Relationship(self.relationship).label)

    @property
    def hidden_count(self) -> int:
        return sum(1 for row in self.members if not row.visible)


def _ordered(members: list[HouseholdMember]) -> list[HouseholdMember]:
    return sorted(
        members,
        key=lambda m: (_ORDER.get(m.relationship, 99), m.beneficiary.birth_date is None, m.pk),
    )


def household_for_page(user: Any, beneficiary: Beneficiary) -> HouseholdView | None:
    """The household of a person the user sees (the caller checked that), with the
    other members; names only of those the user may see (3 queries)."""
    membership = (
        HouseholdMember.objects.select_related("household__village", "household__regency")
        .filter(beneficiary=beneficiary)
        .first()
    )
    if membership is None:
        return None
    others = list(
        HouseholdMember.objects.filter(household_id=membership.household_id)
        .exclude(pk=membership.pk)
        .select_related("beneficiary")
    )
    visible = (
        set(
            Beneficiary.objects.visible_to(user)
            .filter(pk__in=[m.beneficiary_id for m in others])
            .values_list("pk", flat=True)
        )
        if others
        else set()
    )
    return HouseholdView(
        household=membership.household,
        relationship=membership.relationship,
        members=[MemberRow(m, m.beneficiary_id in visible) for m in _ordered(others)],
    )


def household_list(*, user: Any, no_kk: str | None = None) -> QuerySet[Household]:
    """Households the user may see, newest first; `no_kk` an exact (normalized) match."""
    queryset = Household.objects.visible_to(user).select_related("village", "regency")
    if no_kk:
        queryset = queryset.filter(no_kk=normalize_number(no_kk))
    return queryset.order_by("-created_at", "-pk").prefetch_related(
        Prefetch("members", queryset=HouseholdMember.objects.order_by("pk"))
    )


def get_household_for_user(user: Any, pk: int) -> Household:
    """A household the user may see, its members prefetched; 404 for any other (a
    foreign one included)."""
    return get_object_or_404(
        Household.objects.visible_to(user)
        .select_related("village", "regency")
        .prefetch_related(Prefetch("members", queryset=HouseholdMember.objects.order_by("pk"))),
        pk=pk,
    )


def visible_member_ids(user: Any, households: list[Household]) -> set[int]:
    """Ids of the members of `households` (prefetched) the user may see (one query)."""
    ids = [m.beneficiary_id for household in households for m in household.members.all()]
    if not ids:
        return set()
    return set(Beneficiary.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


# --- the list page's filters (shared with exports.datasets.households) ---------

DTSEN_CHOICES = (("ya", "ya"), ("tidak", "tidak"), ("belum", "belum diketahui"))


def filter_households(queryset: QuerySet[Household], params: Any) -> QuerySet[Household]:
    """The list's filters from a query string: `no_kk` (exact, normalized), `dtsen`
    (ya / tidak / belum = not known), `desil` (1–10), `aid` (a programme code).
    A value out of range is ignored, as an empty one (the form says so)."""
    from households.models import AID_CODES, DESIL_MAX, DESIL_MIN

    no_kk = normalize_number(str(params.get("no_kk") or ""))
    if no_kk:
        queryset = queryset.filter(no_kk=no_kk)
    dtsen = params.get("dtsen")
    if dtsen == "ya":
        queryset = queryset.filter(in_dtsen=True)
    elif dtsen == "tidak":
        queryset = queryset.filter(in_dtsen=False)
    elif dtsen == "belum":
        queryset = queryset.filter(in_dtsen__isnull=True)
    desil = str(params.get("desil") or "")
    if desil.isdigit() and DESIL_MIN <= int(desil) <= DESIL_MAX:
        queryset = queryset.filter(desil=int(desil))
    aid = params.get("aid")
    if aid in AID_CODES:
        # The codes are distinct words: a text match on the JSON list is exact
        # (and works on SQLite, whose JSON fields have no `contains`).
        queryset = queryset.filter(aid__icontains=f'"{aid}"')
    return queryset


@dataclass(frozen=True)
class HouseholdRow:
    household: Household
    head_visible: bool
    member_count: int


def household_rows(user: Any, households: list[Household]) -> list[HouseholdRow]:
    """The list page's rows: the head's name only when the user may see the head
    (one query for the page, the members prefetched)."""
    visible = visible_member_ids(user, households)
    return [
        HouseholdRow(
            household=household,
            head_visible=household.head_id is not None and household.head_id in visible,
            member_count=len(household.members.all()),
        )
        for household in households
    ]
