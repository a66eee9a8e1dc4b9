"""Referral shapes: what the receiving organization may see (the shared summary
and the beneficiary's identity, nothing else of the case file), and the inputs
of the moves."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from accounts.models import Organization
from api.serializers.common import OrganizationRefSerializer, ServiceTypeSerializer
from cases.models import Beneficiary, LegalBasis, ServiceType
from referrals.models import (
    Referral,
    ReferralKind,
    ReferralMessage,
    ReferralStatus,
    ServiceOffer,
    Urgency,
)


class BeneficiaryIdentitySerializer(serializers.ModelSerializer):
    """Identity only: what a referral shares about the person."""

    regency = serializers.CharField(source="regency.code", read_only=True)

    class Meta:
        model = Beneficiary
        fields = ["full_name", "nik", "sex", "birth_date", "regency"]
        read_only_fields = fields


class ReferralCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)


class ReferralSerializer(serializers.ModelSerializer):
    from_org = OrganizationRefSerializer(read_only=True)
    to_org = OrganizationRefSerializer(read_only=True)
    service_type = ServiceTypeSerializer(read_only=True, allow_null=True)
    case = ReferralCaseSerializer(read_only=True)
    beneficiary = BeneficiaryIdentitySerializer(source="case.beneficiary", read_only=True)
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "number",
            "kind",
            "status",
            "urgency",
            "from_org",
            "to_org",
            "service_type",
            "offer",
            "case",
            "beneficiary",
            "reason",
            "shared_summary",
            "legal_basis",
            "consent_note",
            "due_at",
            "is_overdue",
            "created_at",
            "decided_at",
            "decision_reason",
            "completed_at",
            "outcome",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def get_is_overdue(self, referral: Referral) -> bool:
        """Still waiting for a decision after the due date (as the `overdue` filter)."""
        return referral.status == ReferralStatus.PENDING and referral.due_at < timezone.now()


class ReferralDetailSerializer(ReferralSerializer):
    allowed_actions = serializers.ListField(
        child=serializers.ChoiceField(choices=["accept", "decline", "cancel", "complete"]),
        read_only=True,
        help_text="The moves the caller may make now.",
    )

    class Meta(ReferralSerializer.Meta):
        fields = [*ReferralSerializer.Meta.fields, "allowed_actions"]
        read_only_fields = fields


class ReferralCreateInput(serializers.Serializer):
    case = serializers.IntegerField(help_text="Id of a case of your office.")
    kind = serializers.ChoiceField(choices=ReferralKind.choices)
    to_org = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Organization.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="Code of the receiving organization (may be omitted when `offer` is given).",
    )
    service_type = serializers.SlugRelatedField(
        slug_field="code", queryset=ServiceType.objects.all(), required=False, allow_null=True
    )
    offer = serializers.PrimaryKeyRelatedField(
        queryset=ServiceOffer.objects.all(),
        required=False,
        allow_null=True,
        help_text="Id of a service in the directory.",
    )
    reason = serializers.CharField(max_length=5000)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    shared_summary = serializers.CharField(
        max_length=5000, help_text="The only part of the case file the receiver sees."
    )
    legal_basis = serializers.ChoiceField(choices=LegalBasis.choices)
    consent_note = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )


class AcceptInput(serializers.Serializer):
    assigned_to = serializers.CharField(
        required=False,
        allow_null=True,
        max_length=150,
        help_text="Transfers only: username of a caseworker of the receiving office.",
    )


class DeclineInput(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class CancelInput(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)


class CompleteInput(serializers.Serializer):
    outcome = serializers.CharField(max_length=5000)


class ReferralMessageSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    author_org = OrganizationRefSerializer(read_only=True)

    class Meta:
        model = ReferralMessage
        fields = ["id", "author", "author_org", "body", "created_at"]
        read_only_fields = fields

    def get_author(self, message: ReferralMessage) -> str:
        return message.author.display_name


class MessageInput(serializers.Serializer):
    body = serializers.CharField(max_length=5000)


def referral_detail_data(referral: Referral, actions: list[str]) -> dict[str, Any]:
    referral.allowed_actions = actions  # type: ignore[attr-defined]
    return ReferralDetailSerializer(referral).data
