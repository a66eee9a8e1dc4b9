"""Webhook operations: redeliver one delivery, replay a range, ping, rotate the secret.

The endpoint (and the delivery) are looked up within the caller's organization, so a
foreign one is a 404; the services (api/webhook_actions.py) ask the policy (403).
"""

from __future__ import annotations

from uuid import UUID

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from api import webhook_actions
from api.models import WebhookDelivery, WebhookEndpoint
from api.permissions import BelongsToOrganization
from api.schema import errors
from api.serializers.webhook_operations import (
    ReplayInput,
    ReplaySerializer,
    RotatedSecretSerializer,
)
from api.serializers.webhooks import WebhookDeliverySerializer
from api.views.base import ApiView, acting, acting_organization


def endpoint_of(request: Request, pk: int) -> WebhookEndpoint:
    return get_object_or_404(
        WebhookEndpoint.objects.select_related("organization"),
        pk=pk,
        organization=acting_organization(request),
    )


INACTIVE = "409: the webhook (or its organization) is inactive (`webhook_inactive`)."


@extend_schema(
    tags=["webhooks"],
    summary="Redeliver one delivery",
    description="Sends the delivery's event again, as a new delivery with the same "
    "`event_id` (a receiver that deduplicates by event id should record an id only once "
    "it processed the event). 202: queued. 200: the event is already on its way to this "
    "endpoint (pending or retrying); nothing new is queued and it is sent now. " + INACTIVE,
    request=None,
    responses={202: WebhookDeliverySerializer, 200: WebhookDeliverySerializer, **errors(409)},
)
class WebhookRedeliverView(ApiView):
    permission_classes = [BelongsToOrganization]

    def post(self, request: Request, pk: int, delivery_id: UUID) -> Response:
        endpoint = endpoint_of(request, pk)
        delivery = get_object_or_404(
            WebhookDelivery.objects.select_related("endpoint__organization"),
            endpoint=endpoint,
            delivery_id=delivery_id,
        )
        queued, created = webhook_actions.webhook_redeliver(
            actor=acting(request), delivery=delivery
        )
        return Response(WebhookDeliverySerializer(queued).data, status=202 if created else 200)


@extend_schema(
    tags=["webhooks"],
    summary="Replay a time range",
    description="Sends again, in their order and with their original `event_id`, the events "
    "first delivered to this webhook from `since` (inclusive) to `until` (exclusive), pings "
    "excluded. At most WEBHOOK_REPLAY_MAX_EVENTS (100) events a request: a larger range is "
    "a 400 (`replay_too_large`, with `details.count`). Events still on their way are not "
    "queued twice (`already_queued`). " + INACTIVE,
    request=ReplayInput,
    responses={202: ReplaySerializer, **errors(400, 409)},
    examples=[
        OpenApiExample(
            "Replay an afternoon",
            value={"since": "2025-03-01T13:00:00+08:00", "until": "2025-03-01T17:00:00+08:00"},
            request_only=True,
        )
    ],
)
class WebhookReplayView(ApiView):
    permission_classes = [BelongsToOrganization]

    def post(self, request: Request, pk: int) -> Response:
        endpoint = endpoint_of(request, pk)
        data = ReplayInput(data=request.data)
        data.is_valid(raise_exception=True)
        replay = webhook_actions.webhook_replay(
            actor=acting(request),
            endpoint=endpoint,
            since=data.validated_data["since"],
            until=data.validated_data["until"],
        )
        return Response(ReplaySerializer(replay).data, status=202)


@extend_schema(
    tags=["webhooks"],
    summary="Send a ping",
    description="Queues a `ping` event to this webhook, signed and sent like any other "
    "(whatever events it subscribed to): a way to test the receiver. " + INACTIVE,
    request=None,
    responses={202: WebhookDeliverySerializer, **errors(409)},
)
class WebhookPingView(ApiView):
    permission_classes = [BelongsToOrganization]

    def post(self, request: Request, pk: int) -> Response:
        endpoint = endpoint_of(request, pk)
        delivery = webhook_actions.webhook_ping(actor=acting(request), endpoint=endpoint)
        return Response(WebhookDeliverySerializer(delivery).data, status=202)


@extend_schema(
    tags=["webhooks"],
    summary="Rotate the signing secret",
    description="Returns a new secret, shown only this once. Until "
    "`previous_secret_expires_at` (WEBHOOK_SECRET_OVERLAP_HOURS, 24 h) every delivery "
    "carries two signatures, `X-PMKS-Signature: t=...,v1=<new>,v1=<old>`, so the receiver "
    "may switch to the new secret at any time in between. Rotating again drops the older "
    "secret at once. " + INACTIVE,
    request=None,
    responses={200: RotatedSecretSerializer, **errors(409)},
    examples=[
        OpenApiExample(
            "Rotated",
            value={
                "id": 7,
                "secret": "whsec_9a0d...",
                "previous_secret_expires_at": "2025-03-02T10:12:00+08:00",
            },
            response_only=True,
        )
    ],
)
class WebhookRotateSecretView(ApiView):
    permission_classes = [BelongsToOrganization]

    def post(self, request: Request, pk: int) -> Response:
        endpoint = endpoint_of(request, pk)
        endpoint, secret = webhook_actions.webhook_rotate_secret(
            actor=acting(request), endpoint=endpoint
        )
        body = {
            "id": endpoint.pk,
            "secret": secret,
            "previous_secret_expires_at": endpoint.previous_secret_expires_at,
        }
        return Response(RotatedSecretSerializer(body).data)
