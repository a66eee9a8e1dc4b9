"""API keys act through an integration user of their organization; that account is
not a person, so it is never offered as a caseworker nor sent notifications."""

import pytest

from api.testing import issue_key
from cases.filters import visible_caseworkers
from cases.selectors import assignable_caseworkers

pytestmark = pytest.mark.django_db


def test_an_integration_user_is_flagged_and_never_offered_as_a_caseworker(orgs, alice, sari):
    key, _ = issue_key(orgs["samarinda"], role="caseworker")
    integration = key.user
    assert integration.is_integration
    assert not integration.has_usable_password()
    assert integration not in assignable_caseworkers(sari)
    assert integration not in visible_caseworkers(sari)
    assert alice in assignable_caseworkers(sari)


def test_an_integration_user_gets_no_notifications(orgs, alice, agnes):
    from cases.factories import CaseFactory
    from cases.models import ServiceType
    from referrals.models import Notification
    from referrals.services.creation import referral_create

    key, _ = issue_key(orgs["rsud"])
    case = CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice)
    referral_create(
        actor=alice,
        case=case,
        kind="service",
        to_org=orgs["rsud"],
        reason="Periksa",
        urgency="normal",
        shared_summary="Ringkasan",
        legal_basis="consent",
        service_type=ServiceType.objects.get(code="health"),
    )
    notified = set(Notification.objects.values_list("user_id", flat=True))
    assert agnes.pk in notified
    assert key.user.pk not in notified
