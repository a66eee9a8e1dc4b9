"""Webhooks: signed deliveries to a real HTTP server, retries with backoff, records."""

import json
import time

import pytest

from api import webhooks
from api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from api.services import webhook_endpoint_create
from api.testing import WebhookReceiver, celery_inline, client_for, error_of, key_admin
from cases.factories import CaseFactory
from outbox.models import OutboxEvent
from outbox.testing import drain_outbox
from referrals.services.conversation import referral_message_post
from referrals.services.decisions import referral_accept, referral_cancel
from referrals.testing import send

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    with WebhookReceiver() as receiver, celery_inline():
        yield receiver


@pytest.fixture
def case(orgs):
    return CaseFactory(owner_org=orgs["samarinda"])


def register(organization, url, events=None):
    endpoint, secret = webhook_endpoint_create(
        actor=key_admin(), organization=organization, url=url, events=events
    )
    return endpoint, secret


def test_a_new_referral_is_posted_signed_to_the_receivers_webhook(
    orgs, alice, case, receiver, django_capture_on_commit_callbacks
):
    # the agency registers its webhook through the API and keeps the secret
    rsud = client_for(orgs["rsud"])
    created = rsud.post(
        "/api/v1/webhooks/", {"url": receiver.url, "events": ["new_referral"]}, "application/json"
    )
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert "secret" not in rsud.get("/api/v1/webhooks/").json()[0]

    with django_capture_on_commit_callbacks(execute=True):
        referral = send(alice, case, orgs["rsud"])

    [(headers, body)] = receiver.received
    assert headers["x-pmks-event"] == "new_referral"
    assert headers["content-type"] == "application/json"
    assert webhooks.verify_signature(secret, headers["x-pmks-signature"], body)
    assert not webhooks.verify_signature("whsec_wrong", headers["x-pmks-signature"], body)
    payload = json.loads(body)
    assert payload["referral"]["id"] == referral.pk
    assert payload["referral"]["to_org"] == "rsud-aws"
    assert payload["id"] == headers["x-pmks-delivery"]
    # the event id, for receivers that deduplicate: the outbox row's, in header and body
    assert payload["event_id"] == headers["x-pmks-event-id"] == headers["x-pmks-delivery"]
    assert str(OutboxEvent.objects.get(kind="webhook").event_id) == payload["event_id"]
    assert "beneficiary" not in payload["referral"]  # no personal data in webhooks
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("succeeded", 1, 200)
    assert delivery.delivered_at is not None


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    header = webhooks.sign("whsec_x", 1_700_000_000, b'{"a":1}')
    import hashlib
    import hmac

    expected = hmac.new(b"whsec_x", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    # an old timestamp is refused by the receiver's check
    assert not webhooks.verify_signature("whsec_x", header, b'{"a":1}')
    fresh = webhooks.sign("whsec_x", int(time.time()), b'{"a":1}')
    assert webhooks.verify_signature("whsec_x", fresh, b'{"a":1}')
    assert not webhooks.verify_signature("whsec_x", fresh, b'{"a":2}')


def test_a_failed_delivery_is_retried_until_it_succeeds(
    orgs, alice, case, receiver, django_capture_on_commit_callbacks
):
    register(orgs["rsud"], receiver.url)
    receiver.plan[:] = [500, 503]  # the agency's system is down twice, then up

    with django_capture_on_commit_callbacks(execute=True):
        send(alice, case, orgs["rsud"])
    assert len(receiver.received) == 1  # the first attempt, right after the commit
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.RETRYING, "HTTP 500")
    drain_outbox()  # the backoff passes

    assert len(receiver.received) == 3
    ids = {headers["x-pmks-delivery"] for headers, _ in receiver.received}
    assert len(ids) == 1  # the same delivery id on every attempt
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("succeeded", 3, 200)
    assert delivery.last_error == ""


def test_a_delivery_gives_up_after_the_maximum_attempts(
    orgs, alice, case, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    register(orgs["rsud"], receiver.url)
    receiver.plan[:] = [500] * 10

    with django_capture_on_commit_callbacks(execute=True):
        send(alice, case, orgs["rsud"])
    drain_outbox()

    assert len(receiver.received) == 3
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
    assert (delivery.response_code, delivery.last_error) == (500, "HTTP 500")
    assert delivery.next_attempt_at is None
    assert OutboxEvent.objects.get(kind="webhook").dead_at is not None  # on the admin page


def test_an_unreachable_endpoint_is_recorded_with_the_error(
    orgs, alice, case, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    register(orgs["rsud"], "http://127.0.0.1:9/nobody-listens")
    with celery_inline(), django_capture_on_commit_callbacks(execute=True):
        send(alice, case, orgs["rsud"])
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.response_code is None
    assert delivery.last_error


def test_the_backoff_doubles_and_is_capped(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_RETRY_MAX_SECONDS = 200
    assert [webhooks.backoff_seconds(n) for n in (1, 2, 3, 4, 5)] == [30, 60, 120, 200, 200]


def test_a_decision_reaches_both_the_sender_and_the_receiver(
    orgs, alice, agnes, case, receiver, django_capture_on_commit_callbacks
):
    register(orgs["rsud"], receiver.url, ["decision"])
    register(orgs["samarinda"], receiver.url + "?office", ["decision"])
    with django_capture_on_commit_callbacks(execute=True):
        referral = send(alice, case, orgs["rsud"])
    with django_capture_on_commit_callbacks(execute=True):
        referral_accept(actor=agnes, referral=referral)
    assert receiver.events() == ["decision", "decision"]
    assert set(WebhookDelivery.objects.values_list("organization__code", flat=True)) == {
        "rsud-aws",
        "dinsos-samarinda",
    }


def test_a_message_goes_to_the_other_side_only(
    orgs, alice, agnes, case, receiver, django_capture_on_commit_callbacks
):
    register(orgs["rsud"], receiver.url, ["message"])
    register(orgs["samarinda"], receiver.url, ["message"])
    with django_capture_on_commit_callbacks(execute=True):
        referral = send(alice, case, orgs["rsud"])
    with django_capture_on_commit_callbacks(execute=True):
        referral_message_post(actor=agnes, referral=referral, body="Jadwal Senin.")
    assert [d.organization.code for d in WebhookDelivery.objects.all()] == ["dinsos-samarinda"]


def test_unsubscribed_or_inactive_endpoints_get_nothing(
    orgs, alice, case, receiver, django_capture_on_commit_callbacks
):
    register(orgs["rsud"], receiver.url, ["overdue"])
    inactive, _ = register(orgs["rsud"], receiver.url + "?all")  # one active endpoint per URL
    WebhookEndpoint.objects.filter(pk=inactive.pk).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        send(alice, case, orgs["rsud"])
    assert receiver.received == []
    assert not WebhookDelivery.objects.exists()


def test_an_organization_sees_only_its_own_deliveries(
    orgs, alice, case, receiver, django_capture_on_commit_callbacks
):
    register(orgs["rsud"], receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        send(alice, case, orgs["rsud"])
    mine = client_for(orgs["rsud"]).get("/api/v1/webhooks/deliveries/").json()["results"]
    assert [(d["event"], d["status"], d["attempts"]) for d in mine] == [
        ("new_referral", "succeeded", 1)
    ]
    assert client_for(orgs["ppa"]).get("/api/v1/webhooks/deliveries/").json()["results"] == []


def test_registering_checks_the_url_and_the_events(orgs):
    rsud = client_for(orgs["rsud"])
    response = rsud.post(
        "/api/v1/webhooks/", {"url": "ftp://x.example", "events": ["birthday"]}, "application/json"
    )
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"url", "events.0"}


def test_another_organization_cannot_deactivate_a_webhook(orgs):
    endpoint, _ = register(orgs["rsud"], "https://simrs.example/hook")
    assert client_for(orgs["ppa"]).delete(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 404
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).is_active
    assert client_for(orgs["rsud"]).delete(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 204
    assert not WebhookEndpoint.objects.get(pk=endpoint.pk).is_active


def test_a_caseworker_session_may_not_register_webhooks(alice):
    from django.test import Client

    client = Client()
    client.force_login(alice)
    response = client.post(
        "/api/v1/webhooks/", {"url": "https://x.example/hook"}, "application/json"
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "not_allowed"
    assert not WebhookEndpoint.objects.exists()


def test_without_a_worker_a_failed_delivery_waits_for_the_sweep(
    orgs, alice, case, django_capture_on_commit_callbacks
):
    """The embedded default runs tasks inline: the commit's kick makes the first
    attempt; a retry waits for its backoff and the sweep."""
    import datetime as dt

    from django.utils import timezone

    from outbox.tasks import sweep_outbox

    with WebhookReceiver() as receiver, celery_inline():
        register(orgs["rsud"], receiver.url)
        receiver.plan[:] = [500]
        with django_capture_on_commit_callbacks(execute=True):
            send(alice, case, orgs["rsud"])
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.RETRYING, 1)
        assert sweep_outbox() == 0  # not due yet
        OutboxEvent.objects.update(available_at=timezone.now() - dt.timedelta(seconds=1))
        assert sweep_outbox() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 2)
    assert len(receiver.received) == 2


def test_a_pending_delivery_is_sent_by_the_sweep_when_its_kick_was_lost(orgs, alice, case):
    """(The old sweep only picked `retrying` deliveries: a `pending` one stayed.)"""
    from outbox.tasks import sweep_outbox

    with WebhookReceiver() as receiver, celery_inline():
        register(orgs["rsud"], receiver.url)
        send(alice, case, orgs["rsud"])  # no on_commit here: the kick never runs
        assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING
        assert sweep_outbox() == 2  # the delivery and the statistics' dirty mark
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED
    assert len(receiver.received) == 1


def test_a_broken_endpoint_does_not_delay_another_organizations(
    orgs, alice, case, django_capture_on_commit_callbacks
):
    with WebhookReceiver() as receiver, celery_inline():
        register(orgs["rsud"], "http://127.0.0.1:9/nobody-listens", ["new_referral"])
        register(orgs["samarinda"], receiver.url, ["cancelled"])
        register(orgs["rsud"], receiver.url, ["cancelled"])
        with django_capture_on_commit_callbacks(execute=True):
            first = send(alice, case, orgs["rsud"])
        with django_capture_on_commit_callbacks(execute=True):
            referral_cancel(actor=alice, referral=first, reason="Salah alamat.")
    shards = dict(OutboxEvent.objects.values_list("shard", "sent_at"))
    assert len(shards) == 3  # one shard per endpoint
    assert [d.status for d in WebhookDelivery.objects.order_by("pk")] == [
        DeliveryStatus.RETRYING,
        DeliveryStatus.SUCCEEDED,
    ]
    assert receiver.events() == ["cancelled"]


@pytest.mark.parametrize("count", [1, 4])
def test_the_delivery_list_costs_the_same_whatever_its_length(
    orgs, count, django_assert_num_queries
):
    endpoint, _ = register(orgs["rsud"], "https://simrs.example/hook")
    for _index in range(count):
        WebhookDelivery.objects.create(
            endpoint=endpoint, organization=orgs["rsud"], event="new_referral", payload={}
        )
    client = client_for(orgs["rsud"])
    client.get("/api/v1/webhooks/deliveries/")
    # 1. key + user + organization, 2. the page of deliveries
    with django_assert_num_queries(2):
        response = client.get("/api/v1/webhooks/deliveries/")
    assert len(response.json()["results"]) == count


def test_the_overdue_sweep_warns_both_ends(
    orgs, alice, case, receiver, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    from referrals.models import Referral
    from referrals.services.sla import mark_overdue_referrals

    register(orgs["rsud"], receiver.url, ["overdue"])
    register(orgs["samarinda"], receiver.url, ["overdue"])
    with django_capture_on_commit_callbacks(execute=True):
        referral = send(alice, case, orgs["rsud"])
    Referral.objects.filter(pk=referral.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert mark_overdue_referrals() == 1
    assert receiver.events() == ["overdue", "overdue"]
    payloads = [json.loads(body)["referral"] for _headers, body in receiver.received]
    assert all(p["id"] == referral.pk and p["is_overdue"] for p in payloads)


def delivered(referral):
    """(event, organization code) of the deliveries recorded for `referral`, sorted."""
    return sorted(
        WebhookDelivery.objects.filter(referral_id=referral.pk).values_list(
            "event", "organization__code"
        )
    )


def test_after_a_transfer_a_service_referrals_events_go_to_the_office_owning_the_case(
    orgs, alice, agnes, bob, case, receiver, django_capture_on_commit_callbacks
):
    """The sending side is accounts.policy.referral_sending_office: for a service referral the
    case's owner now, for a transfer the office it came from."""
    from referrals.models import Referral

    for office in ("samarinda", "balikpapan"):
        register(orgs[office], f"{receiver.url}?{office}", ["decision", "message"])
    with django_capture_on_commit_callbacks(execute=True):
        service = send(alice, case, orgs["rsud"])
        transfer = send(alice, case, orgs["balikpapan"], kind="transfer")
    with django_capture_on_commit_callbacks(execute=True):
        referral_accept(actor=bob, referral=transfer)
    # the case is Balikpapan's now; its transfer's decision still reaches Samarinda
    assert delivered(transfer) == [
        ("decision", "dinsos-balikpapan"),
        ("decision", "dinsos-samarinda"),
    ]

    service = Referral.objects.get(pk=service.pk)
    with django_capture_on_commit_callbacks(execute=True):
        referral_accept(actor=agnes, referral=service)
    with django_capture_on_commit_callbacks(execute=True):
        referral_message_post(actor=agnes, referral=service, body="Jadwal Senin.")
    assert delivered(service) == [
        ("decision", "dinsos-balikpapan"),
        ("message", "dinsos-balikpapan"),
    ]

    # a message from the transfer's receiver goes to the office that sent the transfer
    with django_capture_on_commit_callbacks(execute=True):
        referral_message_post(actor=bob, referral=transfer, body="Berkas sudah kami terima.")
    assert delivered(transfer)[-1] == ("message", "dinsos-samarinda")
    assert len(delivered(transfer)) == 3

    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}
    assert len(receiver.received) == WebhookDelivery.objects.count() == 5
    assert all(
        d.endpoint.organization_id == d.organization_id
        for d in WebhookDelivery.objects.select_related("endpoint")
    )


def test_recording_an_event_reads_the_referral_and_its_case_in_one_query(
    orgs, alice, agnes, case, django_assert_num_queries
):
    register(orgs["rsud"], "https://simrs.example/hook", ["decision"])
    register(orgs["samarinda"], "https://siks.example/hook", ["decision"])
    referral = send(alice, case, orgs["rsud"])
    # 1. the referral joined with its case and both organizations, 2. the endpoints,
    # 3. savepoint, 4-5. one delivery per endpoint, 6-7. its outbox row, 8. release savepoint
    with django_assert_num_queries(8):
        deliveries = webhooks.on_referral_event("decision", referral.pk)
    assert {d.organization_id for d in deliveries} == {orgs["rsud"].pk, orgs["samarinda"].pk}
