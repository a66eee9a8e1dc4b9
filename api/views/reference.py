"""Reference data: regions, PMKS categories, service types, the service directory."""

from __future__ import annotations

from typing import Any

import django_filters
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.pagination import ByCodePagination, ByIdPagination
from api.permissions import BelongsToOrganization
from api.schema import errors
from api.serializers.common import CategorySerializer, ServiceTypeSerializer
from api.serializers.reference import (
    RegionDetailSerializer,
    RegionSerializer,
    RegionTreeSerializer,
    ServiceOfferSerializer,
)
from api.views.base import ApiGenericView, ApiView
from cases.models import PmksCategory, ServiceType
from referrals.models import ServiceOffer
from regions.models import LEVEL_DEPTH, PROVINCE_CODE, Level, Region


class RegionFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Level.choices, help_text="Tingkat wilayah.")
    parent = django_filters.CharFilter(
        field_name="parent__code", help_text="Kode induk, mis. `64.72` untuk kecamatan Samarinda."
    )
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", help_text="Bagian nama."
    )

    class Meta:
        model = Region
        fields = ["level", "parent", "q"]


@extend_schema(
    tags=["reference"],
    summary="List regions (Kemendagri codes)",
    description="The region tree as a flat list, by code: filter by `level` and `parent` "
    "to walk it (province `64` → kabupaten/kota `64.72` → kecamatan → desa/kelurahan).",
    responses={200: RegionSerializer(many=True), **errors(400)},
    examples=[
        OpenApiExample(
            "Kabupaten/kota",
            value={"code": "64.72", "name": "Kota Samarinda", "level": "regency", "parent": "64"},
            response_only=True,
        )
    ],
)
class RegionListView(ApiGenericView):
    permission_classes = [BelongsToOrganization]
    serializer_class = RegionSerializer
    pagination_class = ByCodePagination
    filterset_class = RegionFilter
    queryset = Region.objects.select_related("parent")

    def get(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class TreeQuery(serializers.Serializer):
    # A field named "root" (DRF's metaclass keeps it apart from Field.root).
    root = serializers.CharField(default=PROVINCE_CODE, max_length=13)  # type: ignore[assignment]
    depth = serializers.IntegerField(default=1, min_value=1, max_value=3)


@extend_schema(
    tags=["reference"],
    summary="Region tree below a root",
    description="The root region with its descendants `depth` levels down, nested.",
    parameters=[
        OpenApiParameter("root", str, description="Root code (default `64`)."),
        OpenApiParameter("depth", int, description="Levels below the root, 1 to 3 (default 1)."),
    ],
    responses={200: RegionTreeSerializer, **errors(400, 404)},
    examples=[
        OpenApiExample(
            "Province and its kabupaten/kota",
            value={
                "code": "64",
                "name": "Kalimantan Timur",
                "level": "province",
                "children": [
                    {"code": "64.01", "name": "Kabupaten Paser", "level": "regency", "children": []}
                ],
            },
            response_only=True,
        )
    ],
)
class RegionTreeView(ApiView):
    permission_classes = [BelongsToOrganization]

    def get(self, request: Request) -> Response:
        query = TreeQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        root_code, depth = query.validated_data["root"], query.validated_data["depth"]
        root_depth = len(root_code.split("."))
        levels = [
            level for level, n in LEVEL_DEPTH.items() if root_depth <= n <= root_depth + depth
        ]
        rows = list(
            Region.objects.descendants_of(root_code, include_self=True)
            .filter(level__in=levels)
            .order_by("code")
            .values("id", "code", "name", "level", "parent_id")
        )
        nodes: dict[int, dict[str, Any]] = {row["id"]: {**row, "children": []} for row in rows}
        root = next((node for node in nodes.values() if node["code"] == root_code), None)
        if root is None:
            raise Http404
        for node in nodes.values():
            parent = nodes.get(node["parent_id"])
            if parent is not None and node is not root:
                parent["children"].append(node)
        return Response(RegionTreeSerializer(root).data)


@extend_schema(
    tags=["reference"],
    summary="One region by code",
    description="With its parent's code and its direct children.",
    responses={200: RegionDetailSerializer, **errors(404)},
    examples=[
        OpenApiExample(
            "Kota Samarinda",
            value={
                "code": "64.72",
                "name": "Kota Samarinda",
                "level": "regency",
                "parent": "64",
                "children": [
                    {"code": "64.72.01", "name": "Palaran", "level": "district"},
                ],
            },
            response_only=True,
        )
    ],
)
class RegionDetailView(ApiView):
    permission_classes = [BelongsToOrganization]

    def get(self, request: Request, code: str) -> Response:
        region = get_object_or_404(
            Region.objects.select_related("parent").prefetch_related("children"), code=code
        )
        return Response(RegionDetailSerializer(region).data)


@extend_schema(
    tags=["reference"],
    summary="PMKS categories",
    description="The 26 PMKS/PPKS types (Permensos 08/2012) with the project's stable codes. "
    "`name` follows Accept-Language (id default, en); `name_id` is always Indonesian.",
    responses={200: CategorySerializer(many=True), **errors()},
    examples=[
        OpenApiExample(
            "Category",
            value={
                "code": "PMKS11",
                "name": "Gelandangan",
                "name_id": "Gelandangan",
                "is_child": False,
            },
            response_only=True,
        )
    ],
)
class CategoryListView(ApiView):
    permission_classes = [BelongsToOrganization]

    def get(self, request: Request) -> Response:
        return Response(CategorySerializer(PmksCategory.objects.all(), many=True).data)


@extend_schema(
    tags=["reference"],
    summary="Service types",
    description="Kinds of service (shelter, psychosocial support, health access, ...). "
    "`has_capacity`: the directory publishes free places for it.",
    responses={200: ServiceTypeSerializer(many=True), **errors()},
    examples=[
        OpenApiExample(
            "Service type",
            value={
                "code": "shelter",
                "name": "Tempat tinggal sementara (shelter)",
                "name_id": "Tempat tinggal sementara (shelter)",
                "has_capacity": True,
            },
            response_only=True,
        )
    ],
)
class ServiceTypeListView(ApiView):
    permission_classes = [BelongsToOrganization]

    def get(self, request: Request) -> Response:
        return Response(ServiceTypeSerializer(ServiceType.objects.all(), many=True).data)


def directory_filterset() -> Any:
    """The directory page's FilterSet (referrals.filters.ServiceOfferFilter)."""
    from referrals.filters import ServiceOfferFilter

    return ServiceOfferFilter


@extend_schema(
    tags=["reference"],
    summary="Service directory with free capacity",
    description="Services organizations publish, with free places (shelter beds, training "
    "seats): how kabupaten/kota share resources. Filters as on the directory page.",
    responses={200: ServiceOfferSerializer(many=True), **errors(400)},
    examples=[
        OpenApiExample(
            "Shelter with free beds",
            value={
                "id": 3,
                "name": "Shelter Dinsos Samarinda",
                "description": "Tempat tinggal sementara untuk perempuan dan anak.",
                "organization": {
                    "code": "dinsos-samarinda",
                    "name": "Dinas Sosial Kota Samarinda",
                    "kind": "regency_office",
                },
                "service_type": {
                    "code": "shelter",
                    "name": "Tempat tinggal sementara (shelter)",
                    "name_id": "Tempat tinggal sementara (shelter)",
                    "has_capacity": True,
                },
                "regencies": ["64.72", "64.74"],
                "capacity_total": 20,
                "capacity_free": 4,
                "capacity_updated_at": "2025-03-01T08:00:00+08:00",
            },
            response_only=True,
        )
    ],
)
class DirectoryListView(ApiGenericView):
    permission_classes = [BelongsToOrganization]
    serializer_class = ServiceOfferSerializer
    pagination_class = ByIdPagination

    @property
    def filterset_class(self) -> Any:  # type: ignore[override]
        return directory_filterset()

    def get_queryset(self) -> Any:
        return (
            ServiceOffer.objects.filter(is_active=True, organization__is_active=True)
            .select_related("organization", "service_type")
            .prefetch_related("regencies")
        )

    def get(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
