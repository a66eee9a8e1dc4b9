"""Webhook operations through the API and the "Integrasi API" page: redelivery, replay,
ping and secret rotation, each sent through the outbox to a real HTTP receiver; who may
do them; and the dispatcher serving shards in rounds."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from api import webhooks
from api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from api.services import webhook_endpoint_create
from api.testing import WebhookReceiver, celery_inline, client_for, error_of, key_admin
from cases.factories import CaseFactory
from outbox import dispatch
from outbox.models import PENDING, OutboxEvent
from outbox.testing import drain_outbox
from referrals.testing import send

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def receiver():
    with WebhookReceiver() as receiver, celery_inline():
        yield receiver


@pytest.fixture
def rsud(orgs):
    """The agency's own system: its API key (the integration user manages webhooks)."""
    return client_for(orgs["rsud"])


def register(organization, url, events=None):
    return webhook_endpoint_create(
        actor=key_admin(), organization=organization, url=url, events=events
    )


def received(receiver):
    """(event id header, delivery header, event header, body) of every POST."""
    return [
        (h["x-pmks-event-id"], h["x-pmks-delivery"], h["x-pmks-event"], json.loads(body))
        for h, body in receiver.received
    ]


def post(client, url, data=None):
    return client.post(url, data or {}, "application/json")


def events_to(endpoint, alice, count):
    """`count` referrals sent to the endpoint's organization, delivered."""
    for _ in range(count):
        send(alice, CaseFactory(owner_org=alice.organization), endpoint.organization)
    drain_outbox()
    return list(WebhookDelivery.objects.filter(endpoint=endpoint).order_by("created_at", "pk"))


# --- ping ---------------------------------------------------------------------------------


def test_a_ping_is_sent_signed_through_the_outbox_whatever_the_subscription(orgs, rsud, receiver):
    endpoint, secret = register(orgs["rsud"], receiver.url, ["cancelled"])
    response = post(rsud, f"/api/v1/webhooks/{endpoint.pk}/ping/")
    assert response.status_code == 202, response.content
    assert response.json()["event"] == "ping" and response.json()["status"] == "pending"
    assert OutboxEvent.objects.filter(PENDING, shard=f"webhook:{endpoint.pk}").count() == 1
    drain_outbox()
    [(event_id, delivery_id, event, body)] = received(receiver)
    assert event == "ping" == body["event"]
    assert event_id == delivery_id == body["event_id"] == response.json()["delivery_id"]
    assert body["webhook"] == {"id": endpoint.pk, "url": receiver.url, "events": ["cancelled"]}
    headers, raw = receiver.received[0]
    assert webhooks.verify_signature(secret, headers["x-pmks-signature"], raw)
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED


# --- redelivery ---------------------------------------------------------------------------


def test_a_redelivery_is_a_new_delivery_of_the_same_event_id(orgs, rsud, alice, receiver):
    endpoint, _secret = register(orgs["rsud"], receiver.url)
    [first] = events_to(endpoint, alice, 1)
    url = f"/api/v1/webhooks/{endpoint.pk}/deliveries/{first.delivery_id}/redeliver/"
    response = post(rsud, url)
    assert response.status_code == 202, response.content
    again = response.json()
    assert again["event_id"] == str(first.event_id) == str(first.delivery_id)
    assert again["delivery_id"] != str(first.delivery_id)
    assert again["redelivery_of"] == str(first.delivery_id)
    drain_outbox()
    (id1, delivery1, _e1, body1), (id2, delivery2, _e2, body2) = received(receiver)
    assert id1 == id2 == str(first.event_id)  # a receiver deduplicating by id sees one event
    assert (delivery1, delivery2) == (str(first.delivery_id), again["delivery_id"])
    assert body1 == body2
    statuses = WebhookDelivery.objects.order_by("pk").values_list("status", flat=True)
    assert list(statuses) == [DeliveryStatus.SUCCEEDED, DeliveryStatus.SUCCEEDED]
    # redelivering the redelivery names the same first delivery
    response = post(rsud, f"/api/v1/webhooks/{endpoint.pk}/deliveries/{delivery2}/redeliver/")
    assert response.json()["redelivery_of"] == str(first.delivery_id)


def test_redelivering_twice_while_the_event_is_queued_queues_it_once(orgs, rsud, alice, receiver):
    endpoint, _secret = register(orgs["rsud"], receiver.url)
    [first] = events_to(endpoint, alice, 1)
    url = f"/api/v1/webhooks/{endpoint.pk}/deliveries/{first.delivery_id}/redeliver/"
    one, two = post(rsud, url), post(rsud, url)
    assert (one.status_code, two.status_code) == (202, 200)
    assert one.json()["delivery_id"] == two.json()["delivery_id"]
    assert WebhookDelivery.objects.count() == 2
    drain_outbox()
    assert len(receiver.received) == 2  # the first delivery and one redelivery


def test_redelivering_a_retrying_delivery_sends_it_now_without_a_second_one(
    orgs, rsud, alice, receiver
):
    endpoint, _secret = register(orgs["rsud"], receiver.url)
    receiver.plan[:] = [503]
    send(alice, CaseFactory(owner_org=orgs["samarinda"]), orgs["rsud"])
    dispatch.dispatch()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRYING
    assert dispatch.dispatch() == []  # its backoff has not passed
    url = f"/api/v1/webhooks/{endpoint.pk}/deliveries/{delivery.delivery_id}/redeliver/"
    response = post(rsud, url)
    assert response.status_code == 200
    assert response.json()["delivery_id"] == str(delivery.delivery_id)
    assert [outcome.state for outcome in dispatch.dispatch()] == ["sent"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, WebhookDelivery.objects.count()) == (
        DeliveryStatus.SUCCEEDED,
        2,
        1,
    )


# --- replay -------------------------------------------------------------------------------


def deliveries_at_hours(endpoint, alice, hours):
    """One event first delivered at START + h for each h."""
    for hour in hours:
        with time_machine.travel(START + dt.timedelta(hours=hour), tick=True):
            events_to(endpoint, alice, 1)
    return list(WebhookDelivery.objects.filter(endpoint=endpoint).order_by("created_at", "pk"))


def test_a_replay_resends_the_events_of_the_range_in_order_with_their_ids(
    orgs, rsud, alice, receiver
):
    endpoint, _secret = register(orgs["rsud"], receiver.url)
    first, second, third = deliveries_at_hours(endpoint, alice, [0, 2, 4])
    receiver.received.clear()
    since = (START + dt.timedelta(hours=1)).isoformat()
    until = (START + dt.timedelta(hours=4)).isoformat()  # exclusive: the third is not in it
    url = f"/api/v1/webhooks/{endpoint.pk}/replay/"
    response = post(rsud, url, {"since": since, "until": until})
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["matched"], body["already_queued"]) == (1, 0)
    assert [d["event_id"] for d in body["queued"]] == [str(second.event_id)]

    wide = {"since": START.isoformat(), "until": (START + dt.timedelta(hours=5)).isoformat()}
    response = post(rsud, url, wide)
    body = response.json()
    # the second is still on its way: not queued twice; redeliveries are not replayed again
    assert (body["matched"], body["already_queued"], len(body["queued"])) == (3, 1, 2)
    drain_outbox()
    assert [event_id for event_id, *_rest in received(receiver)] == [
        str(second.event_id),
        str(first.event_id),
        str(third.event_id),
    ]


def test_a_replay_refuses_a_range_over_the_limit_and_a_reversed_range(
    orgs, rsud, alice, receiver, settings
):
    endpoint, _secret = register(orgs["rsud"], receiver.url)
    deliveries_at_hours(endpoint, alice, [0, 1, 2])
    settings.WEBHOOK_REPLAY_MAX_EVENTS = 2
    url = f"/api/v1/webhooks/{endpoint.pk}/replay/"
    day = {"since": START.isoformat(), "until": (START + dt.timedelta(days=1)).isoformat()}
    response = post(rsud, url, day)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "replay_too_large"
    assert error["details"] == {"count": 3, "max": 2}
    assert "Persempit" in error["message"]
    reversed_range = {"since": day["until"], "until": day["since"]}
    assert set(error_of(post(rsud, url, reversed_range))["fields"]) == {"until"}
    assert set(error_of(post(rsud, url, {"since": "kemarin"}))["fields"]) == {"since", "until"}
    assert WebhookDelivery.objects.count() == 3  # nothing queued


# --- rotation -----------------------------------------------------------------------------


def test_during_the_overlap_both_secrets_verify_then_only_the_new_one(orgs, rsud, receiver):
    endpoint, old_secret = register(orgs["rsud"], receiver.url)
    with time_machine.travel(START, tick=True):
        response = post(rsud, f"/api/v1/webhooks/{endpoint.pk}/rotate-secret/")
        assert response.status_code == 200, response.content
        new_secret = response.json()["secret"]
        assert new_secret.startswith("whsec_") and new_secret != old_secret
        expires = dt.datetime.fromisoformat(response.json()["previous_secret_expires_at"])
        assert abs(expires - (START + dt.timedelta(hours=24))) < dt.timedelta(seconds=5)
        post(rsud, f"/api/v1/webhooks/{endpoint.pk}/ping/")
        drain_outbox()
        headers, body = receiver.received[-1]
        signature = headers["x-pmks-signature"]
        assert signature.count("v1=") == 2
        assert webhooks.verify_signature(new_secret, signature, body)
        assert webhooks.verify_signature(old_secret, signature, body)  # a receiver not yet switched
        assert not webhooks.verify_signature("whsec_other", signature, body)

    with time_machine.travel(START + dt.timedelta(hours=24, seconds=1), tick=True):
        post(rsud, f"/api/v1/webhooks/{endpoint.pk}/ping/")
        drain_outbox()
        headers, body = receiver.received[-1]
        signature = headers["x-pmks-signature"]
        assert signature.count("v1=") == 1
        assert webhooks.verify_signature(new_secret, signature, body)
        assert not webhooks.verify_signature(old_secret, signature, body)


def test_rotating_again_drops_the_oldest_secret_and_no_overlap_means_one_signature(
    orgs, rsud, settings
):
    endpoint, first = register(orgs["rsud"], "https://simrs.example/hook")
    url = f"/api/v1/webhooks/{endpoint.pk}/rotate-secret/"
    second = post(rsud, url).json()["secret"]
    third = post(rsud, url).json()["secret"]
    endpoint.refresh_from_db()
    assert endpoint.signing_secrets(timezone.now()) == [third, second]
    assert first not in endpoint.signing_secrets(timezone.now())
    settings.WEBHOOK_SECRET_OVERLAP_HOURS = 0
    response = post(rsud, url)
    assert response.json()["previous_secret_expires_at"] is None
    endpoint.refresh_from_db()
    assert endpoint.signing_secrets(timezone.now()) == [response.json()["secret"]]


# --- who may -------------------------------------------------------------------------------


def operations(endpoint, delivery):
    base = f"/api/v1/webhooks/{endpoint.pk}"
    day = {"since": START.isoformat(), "until": (START + dt.timedelta(days=1)).isoformat()}
    return [
        (f"{base}/deliveries/{delivery.delivery_id}/redeliver/", {}),
        (f"{base}/replay/", day),
        (f"{base}/ping/", {}),
        (f"{base}/rotate-secret/", {}),
    ]


def a_delivery(endpoint):
    return WebhookDelivery.objects.create(
        endpoint=endpoint, organization_id=endpoint.organization_id, event="ping", payload={}
    )


def nothing_changed(endpoint, secret):
    endpoint.refresh_from_db()
    return WebhookDelivery.objects.count() == 1 and endpoint.secret == secret


def test_another_organizations_webhook_or_delivery_answers_404(orgs, rsud):
    endpoint, secret = register(orgs["rsud"], "https://simrs.example/hook")
    delivery = a_delivery(endpoint)
    ppa = client_for(orgs["ppa"])
    for url, data in operations(endpoint, delivery):
        response = post(ppa, url, data)
        assert response.status_code == 404, url
        assert error_of(response)["code"] == "not_found"
    # a delivery of another endpoint, even of the same organization, is not found either
    other, _ = register(orgs["rsud"], "https://simrs.example/other")
    url = f"/api/v1/webhooks/{other.pk}/deliveries/{delivery.delivery_id}/redeliver/"
    assert post(rsud, url).status_code == 404
    assert nothing_changed(endpoint, secret)


@pytest.mark.parametrize("persona", ["alice", "agnes"])
def test_roles_that_may_not_manage_webhooks_get_403(orgs, persona, request):
    """A caseworker of the owning office, an agency's staff member (not its key)."""
    user = request.getfixturevalue(persona)
    endpoint, secret = register(user.organization, "https://simrs.example/hook")
    delivery = a_delivery(endpoint)
    client = Client()
    client.force_login(user)
    for url, data in operations(endpoint, delivery):
        response = post(client, url, data)
        assert response.status_code == 403, url
        assert error_of(response)["code"] == "not_allowed"
    assert nothing_changed(endpoint, secret)


def test_an_office_supervisor_may_and_an_inactive_webhook_answers_409(orgs, sari):
    endpoint, secret = register(orgs["samarinda"], "https://dinsos.example/hook")
    delivery = a_delivery(endpoint)
    client = Client()
    client.force_login(sari)
    assert post(client, f"/api/v1/webhooks/{endpoint.pk}/ping/").status_code == 202
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    for url, data in operations(endpoint, delivery):
        response = post(client, url, data)
        assert response.status_code == 409, url
        assert error_of(response)["code"] == "webhook_inactive"


# --- the page --------------------------------------------------------------------------------


def test_the_integration_page_pings_rotates_redelivers_and_replays(orgs, sari, alice, receiver):
    endpoint, old_secret = register(orgs["samarinda"], receiver.url)
    client = Client()
    client.force_login(sari)
    page = client.get("/api/v1/integrasi/").content.decode()
    assert f"/api/v1/integrasi/webhook/{endpoint.pk}/ping/" in page
    assert "<script>" not in page  # plain forms, no inline script (CSP)

    response = client.post(f"/api/v1/integrasi/webhook/{endpoint.pk}/ping/", follow=True)
    assert "Ping dikirim" in response.content.decode()
    response = client.post(f"/api/v1/integrasi/webhook/{endpoint.pk}/ganti-rahasia/")
    endpoint.refresh_from_db()
    assert endpoint.secret != old_secret and endpoint.previous_secret == old_secret
    assert endpoint.secret in response.content.decode()  # shown this once
    assert response["Cache-Control"] == "no-store"

    drain_outbox()
    ping = WebhookDelivery.objects.get()
    response = client.post(f"/api/v1/integrasi/pengiriman/{ping.delivery_id}/kirim-ulang/")
    assert response.status_code == 302
    assert WebhookDelivery.objects.filter(event_id=ping.event_id).count() == 2
    response = client.post(
        "/api/v1/integrasi/webhook/putar-ulang/",
        {"endpoint": endpoint.pk, "since": "2026-03-02T10:00", "until": "2026-03-02T09:00"},
    )
    assert "Akhir rentang harus sesudah awalnya" in response.content.decode()
    drain_outbox()
    assert [event for _i, _d, event, _b in received(receiver)] == ["ping", "ping"]


def test_the_page_refuses_another_organizations_webhook_and_a_caseworker(orgs, sari, budi, alice):
    endpoint, secret = register(orgs["samarinda"], "https://dinsos.example/hook")
    delivery = a_delivery(endpoint)
    for user, status in ((budi, 404), (alice, 403)):
        client = Client()
        client.force_login(user)
        for url in (
            f"/api/v1/integrasi/webhook/{endpoint.pk}/ping/",
            f"/api/v1/integrasi/webhook/{endpoint.pk}/ganti-rahasia/",
            f"/api/v1/integrasi/pengiriman/{delivery.delivery_id}/kirim-ulang/",
        ):
            assert client.post(url).status_code == status, (user, url)
    assert nothing_changed(endpoint, secret)


# --- fairness of the dispatcher ----------------------------------------------------------------


def test_a_shard_with_a_backlog_takes_one_row_per_round(orgs, alice, receiver):
    """An endpoint catching up on 30 deliveries does not hold back a newer event for
    another endpoint until its backlog is done."""
    backlog, _ = register(orgs["rsud"], receiver.url, ["new_referral"])
    other, _ = register(orgs["ppa"], receiver.url, ["new_referral"])
    with timezone.override("UTC"):
        for _ in range(30):
            send(alice, CaseFactory(owner_org=orgs["samarinda"]), orgs["rsud"])
        send(alice, CaseFactory(owner_org=orgs["samarinda"]), orgs["ppa"])  # the newest
    OutboxEvent.objects.exclude(kind="webhook").delete()
    first_two = dispatch.dispatch(max_rows=2)
    assert [outcome.shard for outcome in first_two] == [
        f"webhook:{backlog.pk}",
        f"webhook:{other.pk}",
    ]
    # and the backlog still goes out in its order
    dispatch.dispatch()
    ids = [event_id for event_id, *_rest in received(receiver)]
    order = [
        str(event_id)
        for event_id in WebhookDelivery.objects.filter(endpoint=backlog)
        .order_by("pk")
        .values_list("event_id", flat=True)
    ]
    assert [event_id for event_id in ids if event_id in order] == order
