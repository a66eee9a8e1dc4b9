from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.common import (
    OrganizationRefSerializer,
    RegionRefSerializer,
    ServiceTypeSerializer,
)
from referrals.models import ServiceOffer
from regions.models import Region


class RegionSerializer(serializers.ModelSerializer):
    # A field named "parent" (DRF's metaclass keeps it apart from Field.parent).
    parent = serializers.CharField(  # type: ignore[assignment]
        source="parent.code", read_only=True, allow_null=True
    )

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]
        read_only_fields = fields


class RegionDetailSerializer(RegionSerializer):
    children = RegionRefSerializer(many=True, read_only=True)

    class Meta(RegionSerializer.Meta):
        fields = [*RegionSerializer.Meta.fields, "children"]
        read_only_fields = fields


class RegionTreeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    children = serializers.SerializerMethodField()

    @extend_schema_field(
        {
            "type": "array",
            "items": {"$ref": "#/components/schemas/RegionTree"},
            "description": "Same shape, one level down (empty at the requested depth).",
        }
    )
    def get_children(self, node: dict[str, Any]) -> list[dict[str, Any]]:
        return [RegionTreeSerializer(child).data for child in node["children"]]


class ServiceOfferSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer(read_only=True)
    service_type = ServiceTypeSerializer(read_only=True)
    regencies = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        many=True, slug_field="code", read_only=True
    )

    class Meta:
        model = ServiceOffer
        fields = [
            "id",
            "name",
            "description",
            "organization",
            "service_type",
            "regencies",
            "capacity_total",
            "capacity_free",
            "capacity_updated_at",
        ]
        read_only_fields = fields
