"""Deactivation ends access everywhere, at once (issue 12; DESIGN.md "People and access").

A deactivated USER: their logged-in session is over on the next request (pages send
them to the login page, the API refuses), whatever they try changes nothing.
A deactivated ORGANIZATION: every member's session, every API key of it (401
`inactive`), its integration users, and the webhook deliveries to its endpoints.
A revoked or expired API KEY: refused on its next call.
Every refused call is a write, and each test checks that nothing changed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from api.models import OrganizationAPIKey, WebhookDelivery
from api.services import api_key_revoke, webhook_endpoint_create
from api.testing import WebhookReceiver, celery_inline, error_of, issue_key, key_admin, key_client
from cases.factories import CaseFactory
from cases.models import Case, CaseEvent, ServiceDelivery
from outbox.testing import drain_outbox
from referrals.models import Referral, ReferralMessage
from referrals.services.decisions import referral_cancel
from referrals.testing import send

pytestmark = pytest.mark.django_db

JSON = "application/json"


def logged_in(user: Any) -> tuple[Client, str]:
    """The user's own browser: logged in, with its own CSRF token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/akun/kata-sandi/", follow=True)
    return client, client.cookies["csrftoken"].value


def state(case: Case) -> tuple[Any, ...]:
    """What the refused calls below could have changed."""
    fresh = Case.objects.get(pk=case.pk)
    return (
        fresh.version,
        fresh.status,
        fresh.summary,
        fresh.assigned_to_id,
        CaseEvent.objects.filter(case=case).count(),
        ServiceDelivery.objects.filter(case=case).count(),
        Case.objects.count(),
        Referral.objects.count(),
        ReferralMessage.objects.count(),
        OrganizationAPIKey.objects.filter(revoked=False).count(),
    )


def try_writes(client: Client, token: str, case: Case) -> list[int]:
    """A page write and API writes on the case, with a valid CSRF token."""
    return [
        client.post(
            f"/kasus/{case.pk}/catatan/", {"text": "masih bisa?", "csrfmiddlewaretoken": token}
        ).status_code,
        client.post(
            f"/kasus/{case.pk}/status/",
            {"to_status": "assessment", "csrfmiddlewaretoken": token},
        ).status_code,
        client.post(
            f"/api/v1/cases/{case.pk}/transition/",
            {"to_status": "assessment"},
            JSON,
            HTTP_X_CSRFTOKEN=token,
        ).status_code,
        client.patch(
            f"/api/v1/cases/{case.pk}/",
            {"summary": "masih bisa?"},
            JSON,
            HTTP_X_CSRFTOKEN=token,
            HTTP_IF_MATCH="*",
        ).status_code,
        client.post(
            f"/api/v1/cases/{case.pk}/services/",
            {"service_type": "shelter"},
            JSON,
            HTTP_X_CSRFTOKEN=token,
        ).status_code,
    ]


def _redirects_to_login(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/akun/masuk/")


# --- a user -----------------------------------------------------------------------------


def test_deactivating_a_user_ends_their_session_at_once(orgs, alice):
    case = CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice)
    client, token = logged_in(alice)
    assert client.get(f"/kasus/{case.pk}/").status_code == 200
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    before = state(case)

    alice.is_active = False
    alice.save(update_fields=["is_active"])

    assert _redirects_to_login(client.get(f"/kasus/{case.pk}/"))
    assert _redirects_to_login(client.get("/rujukan/"))
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code in (401, 403)
    assert client.get("/api/v1/me/").status_code in (401, 403)
    page_note, page_move, *api = try_writes(client, token, case)
    assert page_note == page_move == 302  # to the login page
    assert all(code in (401, 403) for code in api), api
    assert state(case) == before


def test_a_deactivated_user_cannot_log_in_again(orgs, alice):
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    client = Client()
    client.post("/akun/masuk/", {"username": "alice", "password": "pass-for-tests-1"})
    assert _redirects_to_login(client.get("/kasus/"))


def test_deactivating_a_keys_integration_user_ends_the_key(orgs):
    case = CaseFactory(owner_org=orgs["samarinda"])
    key, clear = issue_key(orgs["samarinda"])
    client = key_client(clear)
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    before = state(case)
    key.user.is_active = False
    key.user.save(update_fields=["is_active"])
    for response in (
        client.get(f"/api/v1/cases/{case.pk}/"),
        client.post(f"/api/v1/cases/{case.pk}/transition/", {"to_status": "assessment"}, JSON),
    ):
        assert response.status_code == 401
        assert error_of(response)["code"] == "inactive"
    assert state(case) == before


# --- an organization ----------------------------------------------------------------------


def test_deactivating_an_organization_ends_every_members_session(orgs, alice, sari, agnes):
    case = CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice)
    referral = send(alice, case, orgs["rsud"])
    browsers = {user.username: logged_in(user) for user in (alice, sari)}
    for client, _token in browsers.values():
        assert client.get(f"/kasus/{case.pk}/").status_code == 200
    before = state(case)
    referral_before = Referral.objects.get(pk=referral.pk).version

    orgs["samarinda"].is_active = False
    orgs["samarinda"].save(update_fields=["is_active"])

    for name, (client, token) in browsers.items():
        page = client.get(f"/kasus/{case.pk}/")
        assert page.status_code == 404 or _redirects_to_login(page), name
        assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 403, name
        assert client.get(f"/api/v1/referrals/{referral.pk}/").status_code == 403, name
        codes = try_writes(client, token, case)
        assert all(code in (302, 403, 404) for code in codes), (name, codes)
        cancel = client.post(
            f"/api/v1/referrals/{referral.pk}/cancel/",
            {"reason": "x"},
            JSON,
            HTTP_X_CSRFTOKEN=token,
        )
        assert cancel.status_code == 403, name
        message = client.post(
            f"/rujukan/{referral.pk}/pesan/", {"body": "halo", "csrfmiddlewaretoken": token}
        )
        assert message.status_code in (302, 403, 404), name
        assert not _csrf_refusal(message)
    # The key manager's page is closed too.
    sari_client, sari_token = browsers["sari"]
    response = sari_client.post(
        "/api/v1/integrasi/kunci/",
        {
            "name": "x",
            "role": "caseworker",
            "expiry": "2099-01-01",
            "csrfmiddlewaretoken": sari_token,
        },
    )
    assert response.status_code == 403
    assert state(case) == before
    assert Referral.objects.get(pk=referral.pk).version == referral_before


def _csrf_refusal(response: Any) -> bool:
    return b"CSRF" in response.content


def test_deactivating_an_organization_ends_every_api_key_of_it(orgs):
    case = CaseFactory(owner_org=orgs["samarinda"])
    clears = [issue_key(orgs["samarinda"], role=role)[1] for role in ("caseworker", "supervisor")]
    for clear in clears:
        assert key_client(clear).get("/api/v1/me/").status_code == 200
    before = state(case)

    orgs["samarinda"].is_active = False
    orgs["samarinda"].save(update_fields=["is_active"])

    for clear in clears:
        client = key_client(clear)
        for response in (
            client.get("/api/v1/me/"),
            client.get(f"/api/v1/cases/{case.pk}/"),
            client.post(f"/api/v1/cases/{case.pk}/transition/", {"to_status": "assessment"}, JSON),
            client.post("/api/v1/webhooks/", {"url": "https://x.example/h"}, JSON),
        ):
            assert response.status_code == 401
            assert error_of(response)["code"] == "inactive"
    assert state(case) == before


def test_deactivating_an_agency_ends_its_key_on_referrals(orgs, alice):
    case = CaseFactory(owner_org=orgs["samarinda"])
    referral = send(alice, case, orgs["rsud"])
    _key, clear = issue_key(orgs["rsud"])
    orgs["rsud"].is_active = False
    orgs["rsud"].save(update_fields=["is_active"])
    before = Referral.objects.values_list("status", "version").get(pk=referral.pk)
    client = key_client(clear)
    for response in (
        client.post(f"/api/v1/referrals/{referral.pk}/accept/", {}, JSON),
        client.post(f"/api/v1/referrals/{referral.pk}/messages/", {"body": "x"}, JSON),
    ):
        assert response.status_code == 401
        assert error_of(response)["code"] == "inactive"
    assert Referral.objects.values_list("status", "version").get(pk=referral.pk) == before
    assert not ReferralMessage.objects.filter(referral=referral).exists()


def test_no_webhook_delivery_is_sent_to_an_inactive_organization(
    orgs, alice, django_capture_on_commit_callbacks
):
    case = CaseFactory(owner_org=orgs["samarinda"])
    with WebhookReceiver() as receiver, celery_inline():
        webhook_endpoint_create(actor=key_admin(), organization=orgs["rsud"], url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            referral = send(alice, case, orgs["rsud"])
        drain_outbox()
        assert receiver.events() == ["new_referral"]  # the endpoint works while active
        orgs["rsud"].is_active = False
        orgs["rsud"].save(update_fields=["is_active"])
        with django_capture_on_commit_callbacks(execute=True):
            referral_cancel(actor=alice, referral=referral, reason="Sudah pulang")
        drain_outbox()
        assert receiver.events() == ["new_referral"]
    assert not WebhookDelivery.objects.filter(event="cancelled", status="succeeded").exists()


# --- a key ---------------------------------------------------------------------------------


def test_revoking_a_key_ends_it_at_once(orgs):
    case = CaseFactory(owner_org=orgs["samarinda"])
    key, clear = issue_key(orgs["samarinda"])
    client = key_client(clear)
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    api_key_revoke(actor=key_admin(), key=key)
    before = state(case)
    for response in (
        client.get(f"/api/v1/cases/{case.pk}/"),
        client.post(f"/api/v1/cases/{case.pk}/transition/", {"to_status": "assessment"}, JSON),
        client.post(f"/api/v1/cases/{case.pk}/services/", {"service_type": "shelter"}, JSON),
    ):
        assert response.status_code == 401
        assert error_of(response)["code"] == "key_revoked"
    assert state(case) == before


def test_a_key_past_its_expiry_is_refused_on_the_next_call(orgs):
    case = CaseFactory(owner_org=orgs["samarinda"])
    key, clear = issue_key(orgs["samarinda"])
    client = key_client(clear)
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    before = state(case)
    OrganizationAPIKey.objects.filter(pk=key.pk).update(
        expiry_date=timezone.now() - dt.timedelta(seconds=1)
    )
    for response in (
        client.get(f"/api/v1/cases/{case.pk}/"),
        client.patch(f"/api/v1/cases/{case.pk}/", {"summary": "x"}, JSON, HTTP_IF_MATCH="*"),
    ):
        assert response.status_code == 401
        assert error_of(response)["code"] == "key_expired"
    assert state(case) == before


def test_a_revoked_key_is_refused_on_the_page_that_revoked_it_too(orgs, sari):
    """The supervisor revokes on the integration page; the key is dead on its next call."""
    key, clear = issue_key(orgs["samarinda"])
    client, token = logged_in(sari)
    response = client.post(
        f"/api/v1/integrasi/kunci/{key.prefix}/cabut/", {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    refused = key_client(clear).get("/api/v1/me/")
    assert refused.status_code == 401
    assert error_of(refused)["code"] == "key_revoked"
