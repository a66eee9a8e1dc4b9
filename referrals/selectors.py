"""Reads on referrals and the service directory, always through the scoping rules
(`Referral.objects.visible_to(user)`): an object outside them answers 404."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import Organization, OrganizationKind
from accounts.policy import Box, has_referral_inbox_only, referral_boxes
from cases.models import Case
from referrals.filters import ReferralFilter, ServiceOfferFilter
from referrals.models import Notification, Referral, ReferralStatus, ServiceOffer


def boxes_for(user: Any) -> list[str]:
    """Which referral lists a user has (the door's rule, accounts.policy)."""
    return referral_boxes(user)


def box_queryset(user: Any, box: str) -> QuerySet[Referral]:
    """The referrals of one of the user's boxes (404 for a box the user lacks).

    The inbox and the outbox are the user's own organization's: every referral
    addressed to it or sent by it is within `visible_to(user)` for each role that
    has that box, so they filter on to_org/from_org alone. ORed with visible_to,
    PostgreSQL could not drop the redundant join on the case (430 ms at 1M)."""
    if box not in boxes_for(user):
        raise Http404
    if box == Box.INBOX:
        return Referral.objects.inbox(user.organization_id)
    if box == Box.OUTBOX:
        return Referral.objects.outbox(user.organization_id)
    return Referral.objects.visible_to(user)


def referral_list(
    *, user: Any, box: str, filters: Mapping[str, Any] | None = None
) -> QuerySet[Referral]:
    """The referrals of one box, filtered; related rows for the list joined in."""
    filterset = ReferralFilter(data=filters or {}, queryset=box_queryset(user, box))
    return filterset.qs.select_related(
        "case__beneficiary", "from_org", "to_org", "service_type"
    ).order_by("-created_at", "-pk")


def referral_filterset(*, user: Any, box: str, filters: Mapping[str, Any]) -> ReferralFilter:
    return ReferralFilter(data=filters, queryset=box_queryset(user, box))


def status_counts(*, user: Any, box: str) -> dict[str, int]:
    """Referrals of the box per status, in one GROUP BY query (index-only on the
    box's (organization, status, created_at) index)."""
    rows = (
        box_queryset(user, box)
        .order_by()
        .values_list("status")
        .annotate(n=Count("*"))
        .values_list("status", "n")
    )
    counts = dict.fromkeys(ReferralStatus.values, 0)
    counts.update(dict(rows))
    return counts


def counted_total(filterset: ReferralFilter, counts: Mapping[str, int]) -> int | None:
    """The number of rows of the filtered list when the status counts already tell
    it (no filter, or only the status one), so the page needs no COUNT(*); None
    when other filters narrow the list."""
    cleaned: dict[str, Any] = {}
    if filterset.is_bound:
        filterset.form.is_valid()  # the list applies the fields that are valid
        cleaned = filterset.form.cleaned_data
    applied = {name for name, value in cleaned.items() if value not in (None, "")}
    if not applied:
        return sum(counts.values())
    if applied == {"status"}:
        return counts.get(cleaned["status"], 0)
    return None


def get_referral_for_user(user: Any, pk: int) -> Referral:
    return get_object_or_404(
        Referral.objects.visible_to(user).select_related(
            "case__beneficiary__region",
            "case__beneficiary__regency",
            "from_org__region",
            "to_org__region",
            "service_type",
            "offer",
            "created_by",
            "decided_by__organization",
            "completed_by__organization",
            "service_delivery",
        ),
        pk=pk,
    )


def referral_messages(referral: Referral) -> QuerySet:
    return referral.messages.select_related("author", "author_org").order_by("created_at", "pk")


def case_link_visible(user: Any, referral: Referral) -> bool:
    """The sender (and anyone who may see the case) gets a link to the case file."""
    return Case.objects.visible_to(user).filter(pk=referral.case_id).exists()


def get_writable_case_for_user(user: Any, pk: int) -> Case:
    """The case a user refers from: only cases they may change (404 otherwise)."""
    return get_object_or_404(
        Case.objects.writable_by(user).select_related("beneficiary", "owner_org__region"), pk=pk
    )


def referral_target_organizations(*, kind: str | None = None) -> QuerySet[Organization]:
    organizations = Organization.objects.filter(is_active=True).exclude(
        kind=OrganizationKind.PROVINCE_OFFICE
    )
    if kind == "transfer":
        organizations = organizations.filter(kind=OrganizationKind.REGENCY_OFFICE)
    return organizations.select_related("region").order_by("kind", "name")


def offer_list(*, filters: Mapping[str, Any] | None = None, user: Any = None) -> QuerySet:
    """Active directory offers; agency staff see only their own organization's."""
    offers = ServiceOffer.objects.filter(is_active=True, organization__is_active=True)
    if user is not None and has_referral_inbox_only(user):
        offers = offers.filter(organization_id=user.organization_id)
    filterset = ServiceOfferFilter(data=filters or {}, queryset=offers)
    return (
        filterset.qs.select_related("organization__region", "service_type")
        .prefetch_related(Prefetch("regencies"))
        .order_by("service_type__sort_order", "organization__name", "name")
    )


def unread_notification_count(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_list(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("referral")
