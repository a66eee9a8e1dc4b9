from __future__ import annotations

from django.core.validators import URLValidator
from rest_framework import serializers

from accounts.models import Role
from api.models import OrganizationAPIKey, WebhookDelivery, WebhookEndpoint, WebhookEvent
from api.serializers.common import OrganizationRefSerializer


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "description", "is_active", "created_at"]
        read_only_fields = fields


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="Signing secret. Shown ONCE, in this response: store it now.",
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookEndpointInput(serializers.Serializer):
    url = serializers.CharField(
        max_length=500, validators=[URLValidator(schemes=["http", "https"])]
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices),
        required=False,
        allow_empty=False,
        help_text="Events to receive; all of them when omitted.",
    )
    description = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


class WebhookEndpointUpdateInput(serializers.Serializer):
    """What a PATCH may change; omitted fields stay as they are."""

    url = serializers.CharField(
        max_length=500, required=False, validators=[URLValidator(schemes=["http", "https"])]
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices),
        required=False,
        allow_empty=False,
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    endpoint = serializers.IntegerField(source="endpoint_id", read_only=True)
    event_id = serializers.UUIDField(
        read_only=True,
        help_text="The event's id (X-PMKS-Event-Id): the same in a redelivery or replay.",
    )
    redelivery_of = serializers.UUIDField(
        read_only=True,
        allow_null=True,
        help_text="For a redelivery or replay: the delivery_id of the event's first delivery.",
    )

    class Meta:
        model = WebhookDelivery
        fields = [
            "delivery_id",
            "event_id",
            "redelivery_of",
            "endpoint",
            "event",
            "referral_id",
            "status",
            "attempts",
            "response_code",
            "last_error",
            "created_at",
            "last_attempt_at",
            "next_attempt_at",
            "delivered_at",
        ]
        read_only_fields = fields


class ApiKeyInfoSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrganizationAPIKey
        fields = ["prefix", "name", "created", "expiry_date", "last_used_at"]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    organization = OrganizationRefSerializer(allow_null=True)
    api_key = ApiKeyInfoSerializer(allow_null=True, help_text="Null for a browser session.")
