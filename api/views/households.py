"""Households (No. KK), read-only, for offices' own integrations.

Scoped like beneficiaries: a household is visible when one of its members is
(households.selectors); a foreign one is 404. Partner agencies get 403.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from api.pagination import NewestFirstPagination
from api.permissions import IsOfficeUser
from api.schema import errors
from api.serializers.households import HouseholdSerializer
from api.views.base import ApiGenericView, ApiView, acting
from households import selectors
from households.models import Household

HOUSEHOLD_EXAMPLE = {
    "id": 12,
    "no_kk": "6472011505200003",
    "address": "Jl. Pahlawan No. 3, RT 012",
    "village": "64.72.01.1001",
    "regency": "64.72",
    "head": 41,
    "in_dtsen": True,
    "desil": 2,
    "aid": ["pkh", "bpnt"],
    "members": [
        {"beneficiary": 41, "relationship": "kepala"},
        {"beneficiary": 42, "relationship": "istri"},
        {"beneficiary": None, "relationship": "anak"},
    ],
    "created_at": "2025-03-01T09:00:00+08:00",
    "updated_at": "2025-03-01T09:00:00+08:00",
    "version": 1,
}


@extend_schema(tags=["households"])
class HouseholdListView(ApiGenericView):
    permission_classes = [IsOfficeUser]
    serializer_class = HouseholdSerializer
    pagination_class = NewestFirstPagination
    queryset = Household.objects.none()

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Household.objects.none()
        return selectors.household_list(
            user=acting(self.request), no_kk=self.request.query_params.get("no_kk")
        )

    @extend_schema(
        summary="List households",
        description="Households (Kartu Keluarga) with a member you may see, newest first. "
        "Members you may not see are listed by relationship only (`beneficiary`: null).",
        parameters=[
            OpenApiParameter("no_kk", str, description="Exact 16-digit No. KK.", required=False)
        ],
        responses={200: HouseholdSerializer(many=True), **errors(400, 403)},
        examples=[OpenApiExample("Household", value=HOUSEHOLD_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        households = list(page or [])
        visible = selectors.visible_member_ids(acting(request), households)
        data = HouseholdSerializer(households, many=True, context={"visible": visible}).data
        return self.get_paginated_response(data)


@extend_schema(
    tags=["households"],
    summary="One household",
    description="The household's No. KK, address, desa, DTSEN membership and desil, national "
    "aid, and its members (by relationship; ids of those you may see).",
    responses={200: HouseholdSerializer, **errors(403, 404)},
    examples=[OpenApiExample("Household", value=HOUSEHOLD_EXAMPLE, response_only=True)],
)
class HouseholdDetailView(ApiView):
    permission_classes = [IsOfficeUser]

    def get(self, request: Request, pk: int) -> Response:
        household = selectors.get_household_for_user(acting(request), pk)
        visible = selectors.visible_member_ids(acting(request), [household])
        return Response(HouseholdSerializer(household, context={"visible": visible}).data)
