"""Input and output of the webhook operations (api/views/webhooks.py)."""

from __future__ import annotations

from rest_framework import serializers

from api.serializers.webhooks import WebhookDeliverySerializer


class ReplayInput(serializers.Serializer):
    since = serializers.DateTimeField(help_text="Start of the range (inclusive), with offset.")
    until = serializers.DateTimeField(help_text="End of the range (exclusive), with offset.")


class ReplaySerializer(serializers.Serializer):
    matched = serializers.IntegerField(help_text="Events first delivered in the range.")
    queued = WebhookDeliverySerializer(many=True, help_text="The new deliveries, in order.")
    already_queued = serializers.IntegerField(
        help_text="Events still on their way to the endpoint: nothing new was queued for them."
    )


class RotatedSecretSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    secret = serializers.CharField(help_text="The new signing secret. Shown ONCE: store it now.")
    previous_secret_expires_at = serializers.DateTimeField(
        allow_null=True,
        help_text="Until then deliveries carry a second v1= signature made with the old "
        "secret (null: no overlap).",
    )
