"""Beneficiary, case and service shapes for offices' own integrations.

Inputs only parse types (codes to rows, dates, booleans); every rule (NIK
structure, duplicates, legal basis, transitions, dates) is checked by
cases.services, exactly as for the HTML forms.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Organization
from api.serializers.common import OrganizationRefSerializer, ServiceTypeSerializer
from cases.models import (
    Beneficiary,
    Case,
    CaseStatus,
    ClosureReason,
    LegalBasis,
    NikAbsentReason,
    PmksCategory,
    Priority,
    ServiceDelivery,
    ServiceStatus,
    ServiceType,
    Sex,
)
from households.models import HouseholdMember, Relationship
from regions.models import Region

# --- beneficiaries -------------------------------------------------------------------


class BeneficiarySerializer(serializers.ModelSerializer):
    nik_absent_reason = serializers.ChoiceField(
        choices=NikAbsentReason.choices,
        allow_blank=True,
        read_only=True,
        help_text="Why there is no NIK, empty when there is one.",
    )
    region = serializers.CharField(source="region.code", read_only=True)
    regency = serializers.CharField(source="regency.code", read_only=True)
    district = serializers.CharField(source="district.code", read_only=True, allow_null=True)
    registered_by_org = serializers.CharField(source="registered_by_org.code", read_only=True)
    household = serializers.SerializerMethodField(
        help_text="The id of the person's household (No. KK), null when none."
    )
    household_relationship = serializers.SerializerMethodField(
        help_text="Relationship to the household's head, per the KK form; null when none."
    )

    class Meta:
        model = Beneficiary
        fields = [
            "id",
            "nik",
            "nik_absent_reason",
            "no_kk",
            "full_name",
            "sex",
            "birth_date",
            "birth_date_estimated",
            "birth_place",
            "region",
            "regency",
            "district",
            "registered_by_org",
            "household",
            "household_relationship",
            "created_at",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_household(self, beneficiary: Beneficiary) -> int | None:
        membership = _membership(beneficiary)
        return membership.household_id if membership else None

    @extend_schema_field(serializers.ChoiceField(choices=Relationship.choices, allow_null=True))
    def get_household_relationship(self, beneficiary: Beneficiary) -> str | None:
        membership = _membership(beneficiary)
        return membership.relationship if membership else None


def _membership(beneficiary: Beneficiary) -> HouseholdMember | None:
    """The person's household membership (select_related by the views), or None."""
    try:
        return beneficiary.household_membership
    except HouseholdMember.DoesNotExist:
        return None


class BeneficiaryDetailSerializer(BeneficiarySerializer):
    class Meta(BeneficiarySerializer.Meta):
        fields = [
            *BeneficiarySerializer.Meta.fields,
            "address",
            "phone",
            "has_disability",
            "disability_note",
            "legal_basis",
            "consent_note",
            "updated_at",
        ]
        read_only_fields = fields


class BeneficiaryInput(serializers.Serializer):
    nik = serializers.CharField(required=False, allow_blank=True, max_length=32)
    nik_absent_reason = serializers.ChoiceField(
        choices=NikAbsentReason.choices, required=False, allow_blank=True
    )
    no_kk = serializers.CharField(required=False, allow_blank=True, max_length=32)
    full_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    birth_date_estimated = serializers.BooleanField(required=False, default=False)
    birth_place = serializers.CharField(required=False, allow_blank=True, max_length=100)
    address = serializers.CharField(required=False, allow_blank=True, max_length=300)
    region = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.all(),
        required=False,
        allow_null=True,
        help_text="Code of the desa/kelurahan of residence (or its kecamatan, kabupaten/kota).",
    )
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    has_disability = serializers.BooleanField(required=False, default=False)
    disability_note = serializers.CharField(required=False, allow_blank=True, max_length=200)
    legal_basis = serializers.ChoiceField(
        choices=LegalBasis.choices, required=False, allow_blank=True
    )
    consent_note = serializers.CharField(required=False, allow_blank=True, max_length=300)
    nik_mismatch_confirmed = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Keep a sex or birth date that differs from what the NIK says.",
    )
    confirm_new = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Register although likely matches were reported (409 `duplicate` with "
        "`details.matches`).",
    )


# --- cases ---------------------------------------------------------------------------


class CaseBeneficiarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Beneficiary
        fields = ["id", "full_name", "nik"]
        read_only_fields = fields


class CaseSerializer(serializers.ModelSerializer):
    beneficiary = CaseBeneficiarySerializer(read_only=True)
    primary_category = serializers.CharField(source="primary_category.code", read_only=True)
    owner_org = serializers.CharField(source="owner_org.code", read_only=True)
    district = serializers.CharField(source="district.code", read_only=True, allow_null=True)
    assigned_to = serializers.CharField(
        source="assigned_to.username", read_only=True, allow_null=True
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "status",
            "priority",
            "beneficiary",
            "primary_category",
            "owner_org",
            "district",
            "assigned_to",
            "opened_at",
            "closed_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields


class CaseMoveSerializer(serializers.Serializer):
    move = serializers.CharField()
    to_status = serializers.ChoiceField(choices=CaseStatus.choices)


class CaseDetailSerializer(CaseSerializer):
    closure_reason = serializers.ChoiceField(
        choices=ClosureReason.choices,
        allow_blank=True,
        read_only=True,
        help_text="Why the case closes, empty while it is not closing.",
    )
    other_categories = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        many=True, slug_field="code", read_only=True
    )
    allowed_moves = CaseMoveSerializer(many=True, read_only=True)
    history_until = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        default=None,
        help_text="For an office that transferred the case away: the moment of the transfer; "
        "the case is shown as it was then. Null for the owner.",
    )

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "other_categories",
            "summary",
            "closure_reason",
            "closure_note",
            "reopened_count",
            "created_at",
            "allowed_moves",
            "history_until",
        ]
        read_only_fields = fields


class CaseCreateInput(serializers.Serializer):
    beneficiary = serializers.IntegerField(help_text="Id of a beneficiary you may see.")
    primary_category = serializers.SlugRelatedField(
        slug_field="code", queryset=PmksCategory.objects.all()
    )
    other_categories = serializers.SlugRelatedField(
        slug_field="code", queryset=PmksCategory.objects.all(), many=True, required=False
    )
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    assigned_to = serializers.CharField(
        required=False,
        allow_null=True,
        max_length=150,
        help_text="Username of a caseworker of your office (default: you, if a caseworker).",
    )
    age_mismatch_confirmed = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Keep a category that the age rules only warn about (400 with the "
        "`age_mismatch_confirmed` field until confirmed); a hard mismatch is refused always.",
    )


class CaseUpdateInput(serializers.Serializer):
    primary_category = serializers.SlugRelatedField(
        slug_field="code", queryset=PmksCategory.objects.all(), required=False
    )
    other_categories = serializers.SlugRelatedField(
        slug_field="code", queryset=PmksCategory.objects.all(), many=True, required=False
    )
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    age_mismatch_confirmed = serializers.BooleanField(
        required=False,
        help_text="Keep a category that the age rules only warn about (400 with the "
        "`age_mismatch_confirmed` field until confirmed); a hard mismatch is refused always.",
    )


class CaseTransitionInput(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=CaseStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    closure_reason = serializers.ChoiceField(
        choices=ClosureReason.choices, required=False, allow_blank=True, default=""
    )


# --- services delivered ---------------------------------------------------------------


class ServiceDeliverySerializer(serializers.ModelSerializer):
    service_type = ServiceTypeSerializer(read_only=True)
    provider_org = OrganizationRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ServiceDelivery
        fields = [
            "id",
            "service_type",
            "provider_org",
            "provider_name",
            "status",
            "start_date",
            "end_date",
            "outcome",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields


class ServiceDeliveryInput(serializers.Serializer):
    service_type = serializers.SlugRelatedField(
        slug_field="code", queryset=ServiceType.objects.all()
    )
    provider_org = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Organization.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    provider_name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )
    status = serializers.ChoiceField(choices=ServiceStatus.choices, default=ServiceStatus.PLANNED)
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    outcome = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class ServiceDeliveryUpdateInput(serializers.Serializer):
    provider_org = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Organization.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    provider_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    status = serializers.ChoiceField(choices=ServiceStatus.choices, required=False)
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    outcome = serializers.CharField(required=False, allow_blank=True, max_length=5000)


def case_detail_data(case: Case, moves: list[Any]) -> dict[str, Any]:
    case.allowed_moves = [  # type: ignore[attr-defined]
        {"move": move.name, "to_status": target} for move, target in moves
    ]
    return CaseDetailSerializer(case).data
