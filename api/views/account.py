"""Who am I, and the organization's webhooks and their deliveries."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api import services
from api.models import OrganizationAPIKey, WebhookDelivery, WebhookEndpoint
from api.permissions import BelongsToOrganization
from api.schema import errors
from api.serializers.webhooks import (
    MeSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointInput,
    WebhookEndpointSerializer,
    WebhookEndpointUpdateInput,
)
from api.views.base import ApiGenericView, ApiView, acting, acting_organization

WEBHOOK_EXAMPLE = {
    "id": 7,
    "url": "https://simrs.example.go.id/pmks/webhook",
    "events": ["new_referral", "decision"],
    "description": "SIMRS",
    "is_active": True,
    "created_at": "2025-03-01T10:12:00+08:00",
}


@extend_schema(
    tags=["account"],
    summary="Who am I",
    description="The user the request acts as (a key's integration user), its role and "
    "organization, and the key used. Handy to check a key works.",
    responses={200: MeSerializer, **errors()},
    examples=[
        OpenApiExample(
            "Agency key",
            value={
                "username": "api.rsud-aws.agency_staff",
                "role": "agency_staff",
                "organization": {
                    "code": "rsud-aws",
                    "name": "RSUD Abdul Wahab Sjahranie",
                    "kind": "agency",
                },
                "api_key": {
                    "prefix": "Xb3kP0qa",
                    "name": "SIMRS",
                    "created": "2025-01-06T09:00:00+08:00",
                    "expiry_date": "2026-01-06T09:00:00+08:00",
                    "last_used_at": "2025-03-01T10:12:00+08:00",
                },
            },
            response_only=True,
        )
    ],
)
class MeView(ApiView):
    def get(self, request: Request) -> Response:
        user = acting(request)
        api_key = request.auth if isinstance(request.auth, OrganizationAPIKey) else None
        data = {
            "username": user.username,
            "role": user.role,
            "organization": user.organization,
            "api_key": api_key,
        }
        return Response(MeSerializer(data).data)


@extend_schema(tags=["webhooks"])
class WebhookListView(ApiView):
    permission_classes = [BelongsToOrganization]

    @extend_schema(
        summary="List the organization's webhooks",
        description="Every endpoint of the caller's organization, active or not (not paginated: "
        "an organization has a few).",
        responses={200: WebhookEndpointSerializer(many=True), **errors()},
        examples=[
            OpenApiExample(
                "Webhook",
                value=WEBHOOK_EXAMPLE,
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        endpoints = WebhookEndpoint.objects.filter(organization=acting_organization(request))
        return Response(WebhookEndpointSerializer(endpoints, many=True).data)

    @extend_schema(
        summary="Register a webhook",
        description="The organization's system will receive a signed POST for each event "
        "(see docs/api.md). The response holds the signing `secret`, shown only this once. "
        "Allowed for the organization's API keys and its supervisors.",
        request=WebhookEndpointInput,
        responses={201: WebhookEndpointCreatedSerializer, **errors(400, 403)},
        examples=[
            OpenApiExample(
                "Register",
                value={
                    "url": "https://simrs.example.go.id/pmks/webhook",
                    "events": ["new_referral"],
                },
                request_only=True,
            ),
            OpenApiExample(
                "Registered",
                value={
                    "id": 7,
                    "url": "https://simrs.example.go.id/pmks/webhook",
                    "events": ["new_referral"],
                    "description": "",
                    "is_active": True,
                    "created_at": "2025-03-01T10:12:00+08:00",
                    "secret": "whsec_3f1c...",
                },
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        data = WebhookEndpointInput(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint, secret = services.webhook_endpoint_create(
            actor=acting(request),
            organization=acting_organization(request),
            url=data.validated_data["url"],
            events=data.validated_data.get("events"),
            description=data.validated_data["description"],
        )
        endpoint.secret = secret
        return Response(WebhookEndpointCreatedSerializer(endpoint).data, status=201)


@extend_schema(tags=["webhooks"])
class WebhookDetailView(ApiView):
    permission_classes = [BelongsToOrganization]

    def _endpoint(self, request: Request, pk: int) -> WebhookEndpoint:
        """The caller's organization's endpoint, else 404."""
        return get_object_or_404(
            WebhookEndpoint.objects.select_related("organization"),
            pk=pk,
            organization=acting_organization(request),
        )

    @extend_schema(
        summary="One webhook",
        description="The endpoint's URL, events and state (never its secret).",
        responses={200: WebhookEndpointSerializer, **errors(404)},
        examples=[OpenApiExample("Webhook", value=WEBHOOK_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(WebhookEndpointSerializer(self._endpoint(request, pk)).data)

    @extend_schema(
        summary="Change a webhook",
        description="The URL (the same rules as registration), the events or the "
        "description; what is omitted stays. The secret does not change (see rotate-secret).",
        request=WebhookEndpointUpdateInput,
        responses={200: WebhookEndpointSerializer, **errors(400, 403, 404)},
        examples=[
            OpenApiExample(
                "Also hear about messages",
                value={"events": ["new_referral", "decision", "message"]},
                request_only=True,
            ),
            OpenApiExample("Webhook", value=WEBHOOK_EXAMPLE, response_only=True),
        ],
    )
    def patch(self, request: Request, pk: int) -> Response:
        endpoint = self._endpoint(request, pk)
        data = WebhookEndpointUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.webhook_endpoint_update(
            actor=acting(request), endpoint=endpoint, **data.validated_data
        )
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(
        summary="Deactivate a webhook",
        description="No more deliveries to it; pending retries give up.",
        responses={204: None, **errors(403, 404)},
    )
    def delete(self, request: Request, pk: int) -> Response:
        endpoint = self._endpoint(request, pk)
        services.webhook_endpoint_deactivate(actor=acting(request), endpoint=endpoint)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    tags=["webhooks"],
    summary="Deliveries to the organization's webhooks",
    description="Newest first: status (pending, retrying, succeeded, failed), attempts, the "
    "last response code or error.",
    responses={200: WebhookDeliverySerializer(many=True), **errors(400)},
    examples=[
        OpenApiExample(
            "Retried, then delivered",
            value={
                "delivery_id": "5b0c2f4e-8d7a-4a51-9a55-0f2d8c1e7b10",
                "event_id": "0e6f1a52-3c8b-4d7e-9f21-7a4b5c6d8e90",
                "redelivery_of": None,
                "endpoint": 7,
                "event": "new_referral",
                "referral_id": 41,
                "status": "succeeded",
                "attempts": 2,
                "response_code": 200,
                "last_error": "",
                "created_at": "2025-03-01T09:00:01+08:00",
                "last_attempt_at": "2025-03-01T09:00:32+08:00",
                "next_attempt_at": None,
                "delivered_at": "2025-03-01T09:00:32+08:00",
            },
            response_only=True,
        )
    ],
)
class WebhookDeliveryListView(ApiGenericView):
    permission_classes = [BelongsToOrganization]
    serializer_class = WebhookDeliverySerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        return WebhookDelivery.objects.filter(organization=acting_organization(self.request))

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
