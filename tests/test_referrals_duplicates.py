"""At most one pending referral of a case to one organization for one service: the
service refuses a second one with a clear message (409 in the API, a form error on
the page), and the database refuses it too (ref_one_pending_per_case_org_service)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from api.testing import client_for, error_of
from cases.models import ServiceType
from pmks.errors import DuplicateReferral
from referrals.factories import ReferralFactory
from referrals.models import Referral
from referrals.services import decisions
from referrals.testing import make_case, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(orgs, alice):
    return make_case(orgs["samarinda"], assigned_to=alice)


@pytest.fixture
def first(case, alice, orgs):
    return send(alice, case, orgs["rsud"], service_type="health")


def test_a_second_pending_referral_for_the_same_service_is_refused_naming_the_first(
    first, case, alice, orgs
):
    with pytest.raises(DuplicateReferral) as refused:
        send(alice, case, orgs["rsud"], service_type="health")

    assert refused.value.http_status == 409
    assert first.number in str(refused.value.message)
    assert "masih menunggu keputusan" in str(refused.value.message)
    assert refused.value.details == {"referral_id": first.pk, "number": first.number}
    assert Referral.objects.count() == 1


def test_another_service_or_another_organization_is_a_new_referral(first, case, alice, orgs):
    assert send(alice, case, orgs["rsud"], service_type="psychosocial").pk
    assert send(alice, case, orgs["ppa"], service_type="health").pk


def test_once_the_first_is_decided_the_service_may_be_asked_again(first, case, alice, agnes, orgs):
    decisions.referral_decline(
        actor=agnes, referral=first, reason="Penuh minggu ini.", expected_version=first.version
    )
    again = send(alice, case, orgs["rsud"], service_type="health")
    assert again.pk != first.pk and again.status == "pending"


def test_the_database_refuses_a_duplicate_written_past_the_service(first):
    # Postgres names the constraint, SQLite its columns
    refused = pytest.raises(
        IntegrityError, match="ref_one_pending_per_case_org_service|service_type"
    )
    with refused, transaction.atomic():
        ReferralFactory(
            case=first.case,
            to_org=first.to_org,
            service_type=first.service_type,
            created_by=first.created_by,
        )
    # a decided one beside it is fine
    ReferralFactory(
        case=first.case,
        to_org=first.to_org,
        service_type=first.service_type,
        created_by=first.created_by,
        status="declined",
    )


def test_the_api_answers_409_with_the_waiting_referral(first, case, orgs):
    response = client_for(orgs["samarinda"]).post(
        "/api/v1/referrals/",
        {
            "case": case.pk,
            "kind": "service",
            "to_org": orgs["rsud"].code,
            "service_type": "health",
            "reason": "Pemeriksaan ulang.",
            "urgency": "normal",
            "shared_summary": "Ringkas.",
            "legal_basis": "consent",
        },
        "application/json",
    )
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "duplicate_referral"
    assert first.number in error["message"]
    assert error["details"] == {"referral_id": first.pk, "number": first.number}


def test_the_page_says_why_and_sends_nothing(client, first, case, alice, orgs):
    client.force_login(alice)
    response = client.post(
        reverse("referrals:create", args=[case.pk]),
        {
            "kind": "service",
            "to_org": orgs["rsud"].pk,
            "service_type": ServiceType.objects.get(code="health").pk,
            "urgency": "normal",
            "reason": "Pemeriksaan ulang.",
            "shared_summary": "Ringkas.",
            "legal_basis": "consent",
        },
    )
    assert response.status_code == 200
    assert first.number in response.text
    assert "masih menunggu keputusan" in response.text
    assert Referral.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_cancels_the_newer_copies_of_duplicates_made_before_the_rule(case, orgs):
    executor = MigrationExecutor(connection)
    before = [("referrals", "0002_referral_completion_numbers_and_one_pending_transfer")]
    after = [("referrals", "0003_one_pending_referral_per_case_org_service")]
    executor.migrate(before)
    try:  # the model's fields are those of 0002: only the constraint is new
        first = ReferralFactory(case=case, to_org=orgs["rsud"])
        copy = ReferralFactory(case=case, to_org=orgs["rsud"], created_at=first.created_at)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)

    statuses = dict(Referral.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "pending", copy.pk: "cancelled"}
    assert first.number in Referral.objects.get(pk=copy.pk).decision_reason
