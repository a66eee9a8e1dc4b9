"""The demo referrals: every state of both kinds, some overdue, a directory with
capacity, consistent with the rules, and idempotent."""

from __future__ import annotations

import pytest
from django.db.models import Count
from django.utils import timezone

from demo.cases import seed_cases
from demo.organizations import seed_organizations
from demo.referrals import seed_referrals
from referrals.models import Referral, ServiceOffer

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db):
    seed_organizations()
    seed_cases()
    return seed_referrals()


def test_the_demo_has_every_state_some_overdue_real_transfers_and_capacity(seeded):
    """One seeding, several checks (seeding takes seconds)."""
    pairs = set(Referral.objects.values_list("kind", "status"))
    for status in ("pending", "accepted", "declined", "cancelled"):
        assert ("transfer", status) in pairs
    for status in ("pending", "accepted", "declined", "cancelled", "completed"):
        assert ("service", status) in pairs
    assert seeded.referrals == Referral.objects.count() >= 15

    late = Referral.objects.filter(status="pending", due_at__lt=timezone.now())
    assert late.count() >= 3
    assert set(late.values_list("is_overdue", flat=True)) == {True}
    assert seeded.overdue_marked == late.count()

    for transfer in Referral.objects.filter(kind="transfer", status="accepted"):
        assert transfer.from_regency_id != transfer.to_regency_id
        assert transfer.case.owner_org_id == transfer.to_org_id

    shelter = ServiceOffer.objects.get(name="Shelter sementara UPTD Nirwana Puri")
    held = Referral.objects.filter(offer=shelter, holds_capacity=True).count()
    assert held >= 1
    assert shelter.capacity_free == 6 - held
    assert ServiceOffer.objects.get(name="Rumah Singgah Kota Balikpapan").capacity_free == 0


def test_seeding_again_changes_nothing(seeded):
    before = list(Referral.objects.values_list("number", "status").order_by("number"))
    offers = ServiceOffer.objects.count()
    again = seed_referrals()
    assert again.referrals == 0 and again.offers == 0 and again.overdue_marked == 0
    assert list(Referral.objects.values_list("number", "status").order_by("number")) == before
    assert ServiceOffer.objects.count() == offers
    assert not Referral.objects.values("number").annotate(n=Count("pk")).filter(n__gt=1).exists()
