"""Webhooks: organizations hear about their referrals without polling.

`on_referral_event(event, referral_id)` is listed in settings
REFERRAL_EVENT_HANDLERS; pmks.hooks calls it in the referral's transaction. It
records one `WebhookDelivery` per active endpoint of each organization concerned
that subscribed to the event, and one outbox row per delivery (kind "webhook",
shard `webhook:<endpoint id>`, so one partner's broken endpoint delays no other;
the row's event id is the delivery id). After the commit the outbox dispatcher
calls `handle_outbox_delivery`, which POSTs once and records the attempt on the
delivery; the outbox retries with backoff until WEBHOOK_MAX_ATTEMPTS.

Who hears what:
- new_referral, cancelled: the receiving organization;
- decision, completed, overdue: the receiving organization and the sending office;
- message: both ends except the organization of the message's author.
The sending office is `accounts.policy.referral_sending_office(referral)`, the same rule
as for in-app notifications: for a service referral the office that owns its case
now (after a transfer, the new owner), for a transfer its `from_org`.

The payload carries no personal data: the referral's id, number, status and
the organizations' codes; the receiver fetches the details through the API.

Signature (like Stripe's): header
    X-PMKS-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>
Receivers recompute it over the raw body, compare in constant time and refuse
a timestamp older than a few minutes. After a secret rotation (api/webhook_actions.py)
the header carries a second `v1=` made with the old secret until the overlap ends.

Delivery is at least once (a crash between the POST and recording it sends it
again). `X-PMKS-Event-Id` (also `event_id` and `id` in the body) is stable across
retries, redeliveries and replays, so a receiver that remembers the ids it processed
sees each event once; `X-PMKS-Delivery` names the delivery (a redelivery is a new one).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.policy import referral_sending_office
from api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from outbox.dispatch import GiveUp, RetryLater
from outbox.services import outbox_write
from pmks import outbound

logger = logging.getLogger("pmks.api.webhooks")

BOTH_ENDS = {WebhookEvent.DECISION, WebhookEvent.COMPLETED, WebhookEvent.OVERDUE}
USER_AGENT = "PMKS-Kaltim-Webhooks/1"
# Recorded on a delivery that was not sent; like pmks.outbound's reasons, shown as is.
ENDPOINT_INACTIVE = gettext_noop("webhook atau organisasi nonaktif")


def sign(secret: str | list[str], timestamp: int, body: bytes) -> str:
    """`t=<timestamp>,v1=<hex>`, one `v1=` per secret (during a rotation's overlap:
    the new secret's first, then the old one's)."""
    secrets = [secret] if isinstance(secret, str) else secret
    payload = f"{timestamp}.".encode() + body
    macs = [hmac.new(key.encode(), payload, hashlib.sha256).hexdigest() for key in secrets]
    return ",".join([f"t={timestamp}", *(f"v1={mac}" for mac in macs)])


def verify_signature(secret: str, header: str, body: bytes, *, tolerance: int = 300) -> bool:
    """What a receiver does (and what the tests check): one of the header's `v1=`
    values is the HMAC of `<t>.<body>` with `secret`, and `t` is recent."""
    items = [part.strip().split("=", 1) for part in header.split(",") if "=" in part]
    try:
        timestamp = int(next(value for key, value in items if key == "t"))
    except (StopIteration, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    # compare every candidate (no early exit on the first match)
    matches = [hmac.compare_digest(expected, value) for key, value in items if key == "v1"]
    return any(matches)


def recipients(event: str, referral: Any) -> set[int]:
    """Organization ids that hear about `event` on `referral` (its `case` loaded)."""
    both_ends = {referral.to_org_id, referral_sending_office(referral)[0]}
    if event in BOTH_ENDS:
        return both_ends
    if event == WebhookEvent.MESSAGE:
        author_org_id = (
            referral.messages.order_by("-created_at", "-pk")
            .values_list("author_org_id", flat=True)
            .first()
        )
        return both_ends - {author_org_id}
    return {referral.to_org_id}


def referral_payload(event: str, referral: Any) -> dict[str, Any]:
    return {
        "event": event,
        "occurred_at": timezone.localtime().isoformat(),  # WITA, with its offset
        "referral": {
            "id": referral.pk,
            "number": referral.number,
            "kind": referral.kind,
            "status": referral.status,
            "urgency": referral.urgency,
            "is_overdue": referral.is_overdue,
            "due_at": timezone.localtime(referral.due_at).isoformat() if referral.due_at else None,
            "from_org": referral.from_org.code,
            "to_org": referral.to_org.code,
            "version": referral.version,
            "url": f"{settings.SITE_URL.rstrip('/')}/api/v1/referrals/{referral.pk}/",
        },
    }


def on_referral_event(event: str, referral_id: int) -> list[WebhookDelivery]:
    """Handler of pmks.hooks.referral_event, in the referral's transaction: record
    the deliveries and their outbox rows (sent after the commit)."""
    from referrals.models import Referral

    if event not in WebhookEvent.values:
        return []
    # case: the sending office of a service referral is its case's owner (recipients)
    referral = (
        Referral.objects.select_related("case", "from_org", "to_org").filter(pk=referral_id).first()
    )
    if referral is None:
        return []
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(
            organization_id__in=recipients(event, referral),
            is_active=True,
            organization__is_active=True,  # a deactivated organization hears nothing
        )
        if event in (endpoint.events or [])
    ]
    if not endpoints:
        return []
    payload = referral_payload(event, referral)
    with transaction.atomic():
        deliveries = [
            WebhookDelivery.objects.create(
                endpoint=endpoint,
                organization_id=endpoint.organization_id,
                event=event,
                referral_id=referral.pk,
                payload=payload,
            )
            for endpoint in endpoints
        ]
        for delivery in deliveries:
            outbox_write(
                kind="webhook",
                shard=f"webhook:{delivery.endpoint_id}",
                payload={"delivery_id": delivery.pk},
                organization=delivery.organization_id,
                event_id=delivery.delivery_id,
            )
    return deliveries


def handle_outbox_delivery(event: Any) -> None:
    """Outbox handler of kind "webhook" (settings.OUTBOX_HANDLERS): one attempt.
    Nothing to do when the delivery already succeeded or failed for good."""
    delivery = attempt_delivery(event.payload["delivery_id"])
    if delivery is None or delivery.status == DeliveryStatus.SUCCEEDED:
        return
    if delivery.status == DeliveryStatus.FAILED:
        raise GiveUp(delivery.last_error or "failed")
    raise RetryLater(delivery.last_error, delay=backoff_seconds(delivery.attempts))


@shared_task(name="api.tasks.deliver_webhook", ignore_result=True)
def deliver_webhook(delivery_id: int) -> str:
    """Messages queued before the outbox: the delivery has an outbox row (migration
    api 0002), so only ask the dispatcher to run."""
    from outbox.tasks import dispatch_outbox

    dispatch_outbox.delay()
    return "outbox"


@dataclass(frozen=True)
class Attempt:
    ok: bool
    response_code: int | None = None
    error: str = ""


def post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> Attempt:
    # The body names the event (the same in a redelivery); X-PMKS-Delivery this attempt's delivery.
    body = json.dumps(
        {"id": str(delivery.event_id), "event_id": str(delivery.event_id), **delivery.payload},
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-PMKS-Event": delivery.event,
        "X-PMKS-Delivery": str(delivery.delivery_id),
        "X-PMKS-Event-Id": str(delivery.event_id),
        "X-PMKS-Signature": sign(endpoint.signing_secrets(timezone.now()), int(time.time()), body),
    }
    try:
        response = outbound.post(
            endpoint.url, body, headers, read_timeout=settings.WEBHOOK_TIMEOUT_SECONDS
        )
    except outbound.OutboundError as exc:
        # the organization sees the classified reason; the raw cause stays in this log
        logger.warning("webhook %s → %s: %s", delivery.delivery_id, endpoint.url, exc.detail)
        return Attempt(False, exc.status, exc.reason)
    if 200 <= response.status < 300:
        return Attempt(True, response.status)
    return Attempt(False, response.status, outbound.http_status_reason(response.status))


def backoff_seconds(attempts: int) -> float:
    """Exponential: base, 2×base, 4×base, ... capped."""
    base = settings.WEBHOOK_RETRY_BASE_SECONDS
    return float(min(base * (2 ** max(attempts - 1, 0)), settings.WEBHOOK_RETRY_MAX_SECONDS))


def attempt_delivery(delivery_id: int) -> WebhookDelivery | None:
    """Send once and record the outcome. Returns the delivery, None if nothing to do.

    The caller (the outbox handler) retries while the status is `retrying`.
    """
    delivery = (
        WebhookDelivery.objects.select_related("endpoint__organization")
        .filter(pk=delivery_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING])
        .first()
    )
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    if not endpoint.is_active or not endpoint.organization.is_active:
        # Queued before a deactivation: never sent afterwards.
        attempt = Attempt(False, None, ENDPOINT_INACTIVE)
        final = True
    else:
        attempt = post(endpoint, delivery)
        final = attempt.ok or delivery.attempts + 1 >= settings.WEBHOOK_MAX_ATTEMPTS
    now = timezone.now()
    if attempt.ok:
        status = DeliveryStatus.SUCCEEDED
    else:
        status = DeliveryStatus.FAILED if final else DeliveryStatus.RETRYING
    next_attempt = (
        None if final else now + dt.timedelta(seconds=backoff_seconds(delivery.attempts + 1))
    )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status,
        attempts=F("attempts") + 1,
        response_code=attempt.response_code,
        last_error=attempt.error,
        last_attempt_at=now,
        next_attempt_at=next_attempt,
        delivered_at=now if attempt.ok else None,
    )
    delivery.refresh_from_db()
    log = logger.info if attempt.ok else logger.warning
    log(
        "webhook %s %s → %s: %s (attempt %s)",
        delivery.event,
        delivery.delivery_id,
        endpoint.url,
        attempt.response_code or attempt.error,
        delivery.attempts,
    )
    return delivery
