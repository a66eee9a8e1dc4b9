"""Operations on a webhook endpoint: redeliver one delivery, replay a time range,
ping, rotate the signing secret.

Callers fetch the endpoint and the delivery within their own organization first (a
foreign one is a 404); each operation then asks accounts.policy.may_manage_webhooks
(NotAllowed, 403) and refuses an inactive endpoint or organization (409).

Redelivery and replay send an event again as a *new delivery* (`redelivery_of` the
first one) with the event's original `event_id`, through the outbox like any other.
They are idempotent while the event is still on its way: asking again for an event
with a pending or retrying delivery to that endpoint queues nothing new (that
delivery is made due now). A replay covers at most WEBHOOK_REPLAY_MAX_EVENTS events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.policy import may_manage_webhooks
from api.models import DeliveryEvent, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from api.services import new_webhook_secret
from outbox.models import PENDING, OutboxEvent
from outbox.services import kick, outbox_write
from pmks.errors import DomainError, NotAllowed

IN_FLIGHT = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


class WebhookInactive(DomainError):
    """Nothing is sent to an inactive endpoint (or an inactive organization's)."""

    code = "webhook_inactive"
    http_status = 409


class ReplayTooLarge(DomainError):
    """The range holds more events than one replay may send."""

    code = "replay_too_large"
    http_status = 400


@dataclass(frozen=True)
class Replay:
    matched: int  # events in the range
    queued: list[WebhookDelivery]  # new deliveries
    already_queued: int  # events still on their way: nothing new queued


def _check(actor: User, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """The door, then the endpoint locked (two requests at once queue one delivery)."""
    if not may_manage_webhooks(actor, endpoint.organization):
        raise NotAllowed(_("Anda tidak berwenang mengelola webhook organisasi ini."))
    if not endpoint.is_active or not endpoint.organization.is_active:
        raise WebhookInactive(_("Webhook ini nonaktif; tidak ada yang dikirim ke sana."))
    return (
        WebhookEndpoint.objects.select_for_update()
        .select_related("organization")
        .get(pk=endpoint.pk)
    )


def _queue(delivery: WebhookDelivery) -> WebhookDelivery:
    outbox_write(
        kind="webhook",
        shard=f"webhook:{delivery.endpoint_id}",
        payload={"delivery_id": delivery.pk},
        organization=delivery.organization_id,
        event_id=delivery.delivery_id,
    )
    return delivery


def _send_again(original: WebhookDelivery) -> WebhookDelivery:
    return _queue(
        WebhookDelivery.objects.create(
            endpoint_id=original.endpoint_id,
            organization_id=original.organization_id,
            event=original.event,
            event_id=original.event_id,
            referral_id=original.referral_id,
            payload=original.payload,
            redelivery_of=original.redelivery_of or original.delivery_id,
        )
    )


def _due_now(deliveries: list[WebhookDelivery]) -> None:
    OutboxEvent.objects.filter(
        PENDING, event_id__in=[delivery.delivery_id for delivery in deliveries]
    ).update(available_at=timezone.now())
    transaction.on_commit(kick)


@transaction.atomic
def webhook_redeliver(*, actor: User, delivery: WebhookDelivery) -> tuple[WebhookDelivery, bool]:
    """Send `delivery`'s event again to its endpoint. Returns the delivery that will
    carry it and whether it is new (False: one was on its way already, now due)."""
    endpoint = _check(actor, delivery.endpoint)
    queued = (
        WebhookDelivery.objects.filter(
            endpoint=endpoint, event_id=delivery.event_id, status__in=IN_FLIGHT
        )
        .order_by("pk")
        .first()
    )
    if queued is not None:
        _due_now([queued])
        return queued, False
    return _send_again(delivery), True


@transaction.atomic
def webhook_replay(
    *, actor: User, endpoint: WebhookEndpoint, since: dt.datetime, until: dt.datetime
) -> Replay:
    """Send again, in their order, the events first delivered to `endpoint` in
    [since, until) (pings excluded), each with its original event id."""
    endpoint = _check(actor, endpoint)
    if until <= since:
        raise ValidationError({"until": [_("Akhir rentang harus sesudah awalnya.")]})
    originals = WebhookDelivery.objects.filter(
        endpoint=endpoint,
        redelivery_of__isnull=True,
        created_at__gte=since,
        created_at__lt=until,
    ).exclude(event=DeliveryEvent.PING)
    matched = originals.count()
    limit = settings.WEBHOOK_REPLAY_MAX_EVENTS
    if matched > limit:
        raise ReplayTooLarge(
            _(
                "Rentang ini memuat %(count)s peristiwa; sekali putar ulang paling banyak "
                "%(max)s. Persempit rentangnya."
            )
            % {"count": matched, "max": limit},
            count=matched,
            max=limit,
        )
    originals_list = list(originals.order_by("created_at", "pk"))
    in_flight = set(
        WebhookDelivery.objects.filter(
            endpoint=endpoint,
            status__in=IN_FLIGHT,
            event_id__in=[original.event_id for original in originals_list],
        ).values_list("event_id", flat=True)
    )
    queued = [_send_again(o) for o in originals_list if o.event_id not in in_flight]
    return Replay(matched=matched, queued=queued, already_queued=matched - len(queued))


def ping_payload(endpoint: WebhookEndpoint) -> dict[str, object]:
    return {
        "event": DeliveryEvent.PING.value,
        "occurred_at": timezone.localtime().isoformat(),
        "webhook": {"id": endpoint.pk, "url": endpoint.url, "events": list(endpoint.events)},
    }


@transaction.atomic
def webhook_ping(*, actor: User, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a `ping` to the endpoint (whatever events it subscribed to)."""
    endpoint = _check(actor, endpoint)
    return _queue(
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            organization_id=endpoint.organization_id,
            event=DeliveryEvent.PING,
            payload=ping_payload(endpoint),
        )
    )


@transaction.atomic
def webhook_rotate_secret(*, actor: User, endpoint: WebhookEndpoint) -> tuple[WebhookEndpoint, str]:
    """A new secret (returned once); the current one keeps signing beside it for
    WEBHOOK_SECRET_OVERLAP_HOURS. A secret older than that is dropped."""
    endpoint = _check(actor, endpoint)
    overlap = dt.timedelta(hours=settings.WEBHOOK_SECRET_OVERLAP_HOURS)
    endpoint.previous_secret = endpoint.secret if overlap else ""
    endpoint.previous_secret_expires_at = timezone.now() + overlap if overlap else None
    endpoint.secret = new_webhook_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    return endpoint, endpoint.secret
