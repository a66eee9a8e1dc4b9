"""Webhook delivery by a real Celery worker on Redis: the outbox is kicked after
commit, a failure is retried after the backoff, then delivered."""

import time

import pytest

from api.models import DeliveryStatus, WebhookDelivery
from api.services import webhook_endpoint_create
from api.testing import WebhookReceiver, key_admin
from cases.factories import CaseFactory
from pmks.testing import celery_worker_process
from referrals.testing import send

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def test_the_worker_retries_a_failed_delivery_after_the_backoff(orgs, alice):
    case = CaseFactory(owner_org=orgs["samarinda"])
    with (
        WebhookReceiver() as receiver,
        celery_worker_process(WEBHOOK_RETRY_BASE_SECONDS="2") as output,
    ):
        webhook_endpoint_create(actor=key_admin(), organization=orgs["rsud"], url=receiver.url)
        receiver.plan[:] = [503]
        send(alice, case, orgs["rsud"])  # commits: the delivery is enqueued on Redis

        deadline = time.monotonic() + 60
        delivery = None
        while time.monotonic() < deadline:
            delivery = WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).first()
            if delivery:
                break
            time.sleep(0.2)
        assert delivery is not None, "".join(output[-40:])
    assert (delivery.attempts, delivery.response_code) == (2, 200)
    assert len(receiver.received) == 2
    first_at, second_at = (float(h["x-pmks-signature"][2:12]) for h, _b in receiver.received)
    assert second_at - first_at >= 2  # the countdown, not an immediate retry
    # the outbox scheduled the retry after the webhook backoff (2 s, plus jitter)
    assert any("[webhook:" in line and "retrying (attempt 1)" in line for line in output), "".join(
        output[-40:]
    )
