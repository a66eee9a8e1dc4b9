"""Webhooks: organizations hear about their referrals without polling.

`on_referral_event(event, referral_id)` is listed in settings
REFERRAL_EVENT_HANDLERS; pmks.hooks calls it after the referral's transaction
commits. It records one `WebhookDelivery` per active endpoint of each
organization concerned that subscribed to the event, and enqueues
the Celery task `deliver_webhook` (defined here, named "api.tasks.deliver_webhook";
api/tasks.py imports this module, never the reverse) for each after that commit.

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
a timestamp older than a few minutes. `X-PMKS-Delivery` is a unique id (retries
keep it) so a receiver can ignore a delivery it already processed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import partial
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.policy import referral_sending_office
from api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent

logger = logging.getLogger("pmks.api.webhooks")

BOTH_ENDS = {WebhookEvent.DECISION, WebhookEvent.COMPLETED, WebhookEvent.OVERDUE}
USER_AGENT = "PMKS-Kaltim-Webhooks/1"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(secret: str, header: str, body: bytes, *, tolerance: int = 300) -> bool:
    """What a receiver does (and what the tests check)."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


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
        "occurred_at": timezone.now().isoformat(),
        "referral": {
            "id": referral.pk,
            "number": referral.number,
            "kind": referral.kind,
            "status": referral.status,
            "urgency": referral.urgency,
            "is_overdue": referral.is_overdue,
            "due_at": referral.due_at.isoformat() if referral.due_at else None,
            "from_org": referral.from_org.code,
            "to_org": referral.to_org.code,
            "version": referral.version,
            "url": f"{settings.SITE_URL.rstrip('/')}/api/v1/referrals/{referral.pk}/",
        },
    }


def on_referral_event(event: str, referral_id: int) -> list[WebhookDelivery]:
    """Handler of pmks.hooks.referral_event: record deliveries, send after commit."""
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
            organization_id__in=recipients(event, referral), is_active=True
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
            transaction.on_commit(partial(enqueue, delivery.pk))
    return deliveries


@shared_task(
    name="api.tasks.deliver_webhook",
    bind=True,
    acks_late=True,
    max_retries=None,
    ignore_result=True,
)
def deliver_webhook(self, delivery_id: int) -> str:  # type: ignore[no-untyped-def]
    """POST one delivery; on failure retry with exponential backoff until
    WEBHOOK_MAX_ATTEMPTS attempts (recorded on the delivery), then give up."""
    delivery = attempt_delivery(delivery_id)
    if delivery is None:
        return "skipped"
    if delivery.status == DeliveryStatus.RETRYING:
        raise self.retry(countdown=backoff_seconds(delivery.attempts))
    return delivery.status


def enqueue(delivery_id: int, countdown: float | None = None) -> None:
    from celery.exceptions import Retry

    try:
        deliver_webhook.apply_async((delivery_id,), countdown=countdown)
    except Retry:
        # Tasks run inline (no broker: the embedded default) cannot wait for a
        # countdown; the delivery stays "retrying" for api.tasks.retry_due_webhooks.
        logger.info("webhook delivery %s left for the retry sweep", delivery_id)


def due_for_retry(*, now: dt.datetime | None = None, grace_seconds: int = 300) -> list[int]:
    """Retrying deliveries whose countdown retry is overdue (lost with a worker, or
    never scheduled because tasks ran inline)."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.RETRYING,
            next_attempt_at__lte=now - dt.timedelta(seconds=grace_seconds),
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is a failed delivery, never a re-POST elsewhere


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass(frozen=True)
class Attempt:
    ok: bool
    response_code: int | None = None
    error: str = ""


def post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> Attempt:
    body = json.dumps(
        {"id": str(delivery.delivery_id), **delivery.payload},
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (http/https checked on registration)
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-PMKS-Event": delivery.event,
            "X-PMKS-Delivery": str(delivery.delivery_id),
            "X-PMKS-Signature": sign(endpoint.secret, int(time.time()), body),
        },
    )
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            code = response.status
    except urllib.error.HTTPError as exc:
        return Attempt(False, exc.code, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return Attempt(False, None, str(getattr(exc, "reason", exc))[:500])
    if 200 <= code < 300:
        return Attempt(True, code)
    return Attempt(False, code, f"HTTP {code}")


def backoff_seconds(attempts: int) -> float:
    """Exponential: base, 2×base, 4×base, ... capped."""
    base = settings.WEBHOOK_RETRY_BASE_SECONDS
    return float(min(base * (2 ** max(attempts - 1, 0)), settings.WEBHOOK_RETRY_MAX_SECONDS))


def attempt_delivery(delivery_id: int) -> WebhookDelivery | None:
    """Send once and record the outcome. Returns the delivery, None if nothing to do.

    The caller (the Celery task) retries while the status is `retrying`.
    """
    delivery = (
        WebhookDelivery.objects.select_related("endpoint")
        .filter(pk=delivery_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING])
        .first()
    )
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        attempt = Attempt(False, None, "endpoint deactivated")
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
