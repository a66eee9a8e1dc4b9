"""Household shapes (No. KK) for offices' own integrations: read-only.

Members the caller may not see are listed by their relationship only
(`beneficiary` null), as the beneficiary page lists them without a name.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from households.models import Aid, Household, Relationship


class HouseholdMemberSerializer(serializers.Serializer):
    beneficiary = serializers.IntegerField(
        allow_null=True, help_text="The person's id; null when you may not see them."
    )
    relationship = serializers.ChoiceField(
        choices=Relationship.choices, help_text="Relationship to the head, per the KK form."
    )


class HouseholdSerializer(serializers.ModelSerializer):
    village = serializers.CharField(source="village.code", read_only=True, allow_null=True)
    regency = serializers.CharField(source="regency.code", read_only=True)
    head = serializers.SerializerMethodField(help_text="The head's id, when you may see them.")
    in_dtsen = serializers.BooleanField(
        read_only=True, allow_null=True, help_text="In DTSEN; null when not known."
    )
    aid = serializers.ListField(
        child=serializers.ChoiceField(choices=Aid.choices),
        read_only=True,
        help_text="National aid received: pkh, bpnt (BPNT/Sembako), pbi_jk, blt.",
    )
    members = serializers.SerializerMethodField()

    class Meta:
        model = Household
        fields = [
            "id",
            "no_kk",
            "address",
            "village",
            "regency",
            "head",
            "in_dtsen",
            "desil",
            "aid",
            "members",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def _visible(self) -> set[int]:
        return self.context.get("visible", set())

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_head(self, household: Household) -> int | None:
        head = household.head_id
        return head if head in self._visible() else None

    @extend_schema_field(HouseholdMemberSerializer(many=True))
    def get_members(self, household: Household) -> list[dict[str, Any]]:
        visible = self._visible()
        return [
            {
                "beneficiary": m.beneficiary_id if m.beneficiary_id in visible else None,
                "relationship": m.relationship,
            }
            for m in household.members.all()
        ]
