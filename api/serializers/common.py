"""Small shared shapes: references to organizations, regions, categories, errors."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from rest_framework import serializers

from accounts.models import Organization
from cases.models import PmksCategory, ServiceType
from regions.models import Region


class OrganizationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["code", "name", "kind"]
        read_only_fields = fields


class RegionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level"]
        read_only_fields = fields


class LocalizedNameMixin:
    """`name` in the request's language (Indonesian by default, `name_en` for English)."""

    def get_name(self, obj: Any) -> str:
        language = (get_language() or "id").split("-")[0]
        return obj.name_en if language == "en" and obj.name_en else obj.name


class CategorySerializer(LocalizedNameMixin, serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = PmksCategory
        fields = ["code", "name", "name_id", "is_child"]
        read_only_fields = fields

    name_id = serializers.CharField(source="name", read_only=True)


class ServiceTypeSerializer(LocalizedNameMixin, serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    name_id = serializers.CharField(source="name", read_only=True)

    class Meta:
        model = ServiceType
        fields = ["code", "name", "name_id", "has_capacity"]
        read_only_fields = fields


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `invalid`.")
    message = serializers.CharField(help_text="For people, in the request's language.")
    # A field named "fields": DRF's metaclass moves it into _declared_fields.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Every bad input field with its messages.",
    )
    details = serializers.DictField(required=False)


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()
