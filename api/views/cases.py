"""Beneficiaries, cases and services delivered, for offices' own integrations.

Scoped exactly like the HTML pages: reads start from `visible_to(user)` and the
cases selectors (a foreign object is 404), writes go through cases.services,
lists use the same FilterSets (cases.filters). Partner agencies get 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from api.concurrency import expected_version, stale_is_412, with_etag
from api.errors import error_response
from api.pagination import NewestFirstPagination
from api.permissions import IsOfficeUser
from api.schema import ETAG, IF_MATCH, IF_MATCH_REQUIRED, errors
from api.serializers.cases import (
    BeneficiaryDetailSerializer,
    BeneficiaryInput,
    BeneficiarySerializer,
    CaseCreateInput,
    CaseDetailSerializer,
    CaseSerializer,
    CaseTransitionInput,
    CaseUpdateInput,
    ServiceDeliveryInput,
    ServiceDeliverySerializer,
    ServiceDeliveryUpdateInput,
    case_detail_data,
)
from api.views.base import ApiGenericView, ApiView, acting
from cases import selectors
from cases.audit import log_access
from cases.filters import BeneficiaryFilter, CaseFilter
from cases.models import Beneficiary, Case, ServiceDelivery
from cases.services import delivery, opening, registration, workflow
from pmks.errors import DuplicateFound


class CasePagination(NewestFirstPagination):
    ordering = ("-opened_at", "-id")


def _beneficiary_link(request: Request, pk: int) -> str:
    return request.build_absolute_uri(reverse("api:beneficiary", args=[pk]))


def _user_in(organization: Any, username: str | None, field: str) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, organization=organization).first()
    if user is None:
        raise ValidationError({field: [_("Pengguna tidak ditemukan di kantor ini.")]})
    return user


def _match_facts(match: dict[str, Any]) -> dict[str, Any]:
    """What tells a likely match apart, as on the registration page (issue 15):
    age, desa, masked NIK and No. KK, the office and day of the last case."""
    last = match.get("last_case")
    return {
        "age": match.get("age"),
        "place": match.get("place"),
        "nik_masked": match.get("nik_masked") or None,
        "no_kk_masked": match.get("no_kk_masked") or None,
        "last_case": (
            {"office": last.owner_org.name, "opened_on": timezone.localdate(last.opened_at)}
            if last is not None
            else None
        ),
    }


def _duplicate_response(request: Request, exc: DuplicateFound) -> Response:
    """409 with the existing person's link (if the caller may see them) or the matches."""
    details: dict[str, Any] = {}
    if "beneficiary" in exc.details:
        existing = exc.details["beneficiary"]
        visible = exc.details.get("visible", False)
        details["owner_org"] = exc.details.get("owner_org")
        details["contact"] = exc.details.get("contact")
        details["beneficiary"] = (
            {"id": existing.pk, "url": _beneficiary_link(request, existing.pk)} if visible else None
        )
    if "matches" in exc.details:
        details["matches"] = [
            {
                "similarity": match["similarity"],
                "organization": match["organization"].name,
                "beneficiary": (
                    {
                        "id": match["beneficiary"].pk,
                        "full_name": match["beneficiary"].full_name,
                        "birth_date": match["beneficiary"].birth_date,
                        "url": _beneficiary_link(request, match["beneficiary"].pk),
                        **_match_facts(match),
                    }
                    if match["visible"]
                    else None
                ),
            }
            for match in exc.details["matches"]
        ]
    return error_response(409, exc.code, str(exc.message), details=details)


BENEFICIARY_EXAMPLE = {
    "id": 88,
    "nik": "6472015705900001",
    "nik_absent_reason": "",
    "no_kk": "",
    "full_name": "Siti Rahmawati",
    "sex": "F",
    "birth_date": "1990-05-17",
    "birth_date_estimated": False,
    "birth_place": "Samarinda",
    "region": "64.72.01.1001",
    "regency": "64.72",
    "district": "64.72.01",
    "registered_by_org": "dinsos-samarinda",
    "household": None,
    "household_relationship": None,
    "created_at": "2025-03-01T09:00:00+08:00",
    "version": 1,
}
CASE_EXAMPLE = {
    "id": 1203,
    "number": "6472/2025/01203",
    "status": "in_service",
    "priority": "high",
    "beneficiary": {"id": 88, "full_name": "Siti Rahmawati", "nik": "6472015705900001"},
    "primary_category": "PMKS08",
    "owner_org": "dinsos-samarinda",
    "district": "64.72.01",
    "assigned_to": "pekerja.samarinda",
    "opened_at": "2025-03-01T09:00:00+08:00",
    "closed_at": None,
    "updated_at": "2025-03-02T10:00:00+08:00",
    "version": 4,
}
CASE_DETAIL_EXAMPLE = {
    **CASE_EXAMPLE,
    "other_categories": ["PMKS24"],
    "summary": "Lansia telantar, tinggal sendiri.",
    "closure_reason": "",
    "closure_note": "",
    "reopened_count": 0,
    "created_at": "2025-03-01T09:00:00+08:00",
    "allowed_moves": [
        {"move": "monitor", "to_status": "monitoring"},
        {"move": "request_closure", "to_status": "closure_requested"},
    ],
    "history_until": None,
}
SERVICE_EXAMPLE = {
    "id": 311,
    "service_type": {
        "code": "shelter",
        "name": "Tempat tinggal sementara (shelter)",
        "name_id": "Tempat tinggal sementara (shelter)",
        "has_capacity": True,
    },
    "provider_org": {
        "code": "dinsos-samarinda",
        "name": "Dinas Sosial Kota Samarinda",
        "kind": "regency_office",
    },
    "provider_name": "",
    "status": "ongoing",
    "start_date": "2025-03-02",
    "end_date": None,
    "outcome": "",
    "created_at": "2025-03-02T10:00:00+08:00",
    "updated_at": "2025-03-02T10:00:00+08:00",
    "version": 1,
}

DUPLICATE_EXAMPLE = {
    "error": {
        "code": "duplicate",
        "message": "NIK ini sudah terdaftar atas nama orang lain di sistem.",
        "details": {
            "owner_org": "Dinas Sosial Kota Samarinda",
            "contact": {
                "name": "Dinas Sosial Kota Samarinda",
                "phone": "",
                "email": "",
                "address": "",
            },
            "beneficiary": {"id": 88, "url": "https://pmks.example/api/v1/beneficiaries/88/"},
        },
    }
}


@extend_schema(tags=["beneficiaries"])
class BeneficiaryListView(ApiGenericView):
    permission_classes = [IsOfficeUser]
    serializer_class = BeneficiarySerializer
    filterset_class = BeneficiaryFilter  # the same FilterSet as the HTML search
    queryset = Beneficiary.objects.none()

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Beneficiary.objects.none()
        return Beneficiary.objects.visible_to(acting(self.request)).select_related(
            "region", "regency", "district", "registered_by_org", "household_membership"
        )

    @extend_schema(
        summary="Search beneficiaries",
        description="Persons you may see, newest first. `q`: a 16-digit NIK (exact) or part of "
        "the name; `nik`: exact NIK.",
        responses={200: BeneficiarySerializer(many=True), **errors(400, 403)},
        examples=[OpenApiExample("Person", value=BENEFICIARY_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Register a beneficiary",
        description="Same checks as the registration form: NIK structure (region, birth date, "
        "serial) and its agreement with sex and birth date, a reason when there is no NIK, "
        "the legal basis (UU PDP). An existing NIK is a 409 `duplicate` with the person's link "
        "(or the registering office when you may not see them); likely matches (similar name, "
        "near birth date, same kabupaten/kota) are a 409 with `details.matches` until you "
        "send `confirm_new: true`.",
        request=BeneficiaryInput,
        parameters=[ETAG],
        responses={201: BeneficiaryDetailSerializer, **errors(400, 403, 409)},
        examples=[
            OpenApiExample(
                "With NIK",
                value={
                    "nik": "6472015705900001",
                    "full_name": "Siti Rahmawati",
                    "sex": "F",
                    "birth_date": "1990-05-17",
                    "region": "64.72.01",
                    "legal_basis": "public_task",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Already registered",
                value=DUPLICATE_EXAMPLE,
                response_only=True,
                status_codes=["409"],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        data = BeneficiaryInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = {key: data.validated_data[key] for key in request.data if key in data.fields}
        values.pop("confirm_new", None)
        values.setdefault("nik_mismatch_confirmed", False)
        try:
            beneficiary = registration.beneficiary_register(
                actor=acting(request), data=values, confirm_new=data.validated_data["confirm_new"]
            )
        except DuplicateFound as exc:
            return _duplicate_response(request, exc)
        beneficiary = selectors.get_beneficiary_for_user(acting(request), beneficiary.pk)
        return with_etag(
            Response(BeneficiaryDetailSerializer(beneficiary).data, status=201), beneficiary
        )


@extend_schema(
    tags=["beneficiaries"],
    summary="One beneficiary",
    description="The person's data (recorded in the personal-data access log), with an ETag.",
    parameters=[ETAG],
    responses={200: BeneficiaryDetailSerializer, **errors(403, 404)},
    examples=[
        OpenApiExample(
            "Person",
            value={
                **BENEFICIARY_EXAMPLE,
                "address": "Jl. Pahlawan RT 12",
                "phone": "",
                "has_disability": False,
                "disability_note": "",
                "legal_basis": "public_task",
                "consent_note": "",
                "updated_at": "2025-03-01T09:00:00+08:00",
            },
            response_only=True,
        )
    ],
)
class BeneficiaryDetailView(ApiView):
    permission_classes = [IsOfficeUser]

    def get(self, request: Request, pk: int) -> Response:
        beneficiary = selectors.get_beneficiary_for_user(acting(request), pk)
        log_access(user=acting(request), instance=beneficiary)
        return with_etag(Response(BeneficiaryDetailSerializer(beneficiary).data), beneficiary)


@extend_schema(tags=["cases"])
class CaseListView(ApiGenericView):
    permission_classes = [IsOfficeUser]
    serializer_class = CaseSerializer
    filterset_class = CaseFilter  # the same FilterSet as the HTML case list
    pagination_class = CasePagination
    queryset = Case.objects.none()

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        return selectors.case_list(user=acting(self.request), owned_only=True).select_related(
            "beneficiary"
        )

    @extend_schema(
        summary="List cases",
        description="Cases owned now by your office (a supervisor's key: the offices of the "
        "kabupaten/kota; the provincial office: the province), newest opened first. A case "
        "transferred away is not listed here; `GET /cases/{id}/` shows it as it was at the "
        "transfer, as the case page does. With the HTML list's "
        "filters: `q` (name, NIK or case number), `status` (`active` = all active), "
        "`category`, `priority`, `district`, `assigned_to`, `opened_after`, `opened_before`.",
        responses={200: CaseSerializer(many=True), **errors(400, 403)},
        examples=[OpenApiExample("Case", value=CASE_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Open a case",
        description="For a beneficiary you may see, owned by your office.",
        request=CaseCreateInput,
        parameters=[ETAG],
        responses={201: CaseDetailSerializer, **errors(400, 403, 404)},
        examples=[
            OpenApiExample(
                "Open",
                value={"beneficiary": 88, "primary_category": "PMKS08", "priority": "high"},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        data = CaseCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        beneficiary = selectors.get_beneficiary_for_user(acting(request), values["beneficiary"])
        assignee = _user_in(acting(request).organization, values.get("assigned_to"), "assigned_to")
        case = opening.case_open(
            actor=acting(request),
            beneficiary=beneficiary,
            primary_category=values["primary_category"],
            other_categories=values.get("other_categories", ()),
            priority=values["priority"],
            summary=values["summary"],
            assigned_to=assignee,
            age_mismatch_confirmed=values["age_mismatch_confirmed"],
        )
        return _case_response(request, case.pk, status=201)


def _case_response(request: Request, pk: int, status: int = 200) -> Response:
    case = selectors.get_case_for_user(acting(request), pk)
    data = case_detail_data(case, workflow.allowed_moves(acting(request), case))
    return with_etag(Response(data, status=status), case)


@extend_schema(tags=["cases"])
class CaseDetailView(ApiView):
    permission_classes = [IsOfficeUser]

    @extend_schema(
        summary="One case",
        description="With the status moves you may make now and an ETag (the version). "
        "Recorded in the personal-data access log. An office that transferred the case "
        "away reads it as it was at the transfer, as on the case page: `history_until` is "
        "the transfer time, `allowed_moves` is empty and nothing after it is shown.",
        parameters=[ETAG],
        responses={200: CaseDetailSerializer, **errors(403, 404)},
        examples=[OpenApiExample("Case", value=CASE_DETAIL_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, pk: int) -> Response:
        user = acting(request)
        case = selectors.get_case_for_user(user, pk)
        log_access(user=user, instance=case)
        former = selectors.former_ownership(user, case)
        if former is None:
            data = case_detail_data(case, workflow.allowed_moves(user, case))
            return with_etag(Response(data), case)
        # A former owner: the case as it was at the transfer, like the case page.
        page: dict[str, Any] = {}
        past = selectors.case_as_it_was(case, former, page)
        past.history_until = former.until  # type: ignore[attr-defined]
        data = case_detail_data(past, [])
        data["other_categories"] = [category.code for category in page["other_categories"]]
        return Response(data)

    @extend_schema(
        summary="Edit a case",
        description="Category, priority, summary. `If-Match` is required: stale → 412, "
        "nothing changes.",
        parameters=[IF_MATCH_REQUIRED, ETAG],
        request=CaseUpdateInput,
        responses={200: CaseDetailSerializer, **errors(400, 403, 404, 412, 428)},
        examples=[
            OpenApiExample("Raise priority", value={"priority": "urgent"}, request_only=True)
        ],
    )
    def patch(self, request: Request, pk: int) -> Response:
        case = selectors.get_case_for_user(acting(request), pk, write=True)
        version = expected_version(request, case, required=True)
        data = CaseUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        confirmed = values.pop("age_mismatch_confirmed", False)
        with stale_is_412(version):
            opening.case_update(
                actor=acting(request),
                case=case,
                expected_version=version if version is not None else case.version,
                data=values,
                age_mismatch_confirmed=confirmed,
            )
        return _case_response(request, pk)


@extend_schema(
    tags=["cases"],
    summary="Move a case to another status",
    description="One transition table, as on the case page: open → assessment → in_service ⇄ "
    "monitoring; any active status → closure_requested (with `closure_reason`) → closed "
    "(a supervisor approves) or back (a supervisor rejects, with `reason`); closed → open "
    "(reopen, with `reason`). A move not in the table is 409 `transition_not_allowed`. "
    "`If-Match` is honoured (stale → 412).",
    parameters=[IF_MATCH, ETAG],
    request=CaseTransitionInput,
    responses={200: CaseDetailSerializer, **errors(400, 403, 404, 409, 412)},
    examples=[
        OpenApiExample(
            "Ask to close",
            value={"to_status": "closure_requested", "closure_reason": "goals_met"},
            request_only=True,
        )
    ],
)
class CaseTransitionView(ApiView):
    permission_classes = [IsOfficeUser]

    def post(self, request: Request, pk: int) -> Response:
        case = selectors.get_case_for_user(acting(request), pk, write=True)
        version = expected_version(request, case, required=False)
        data = CaseTransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        with stale_is_412(version):
            workflow.case_transition(
                actor=acting(request),
                case=case,
                to_status=data.validated_data["to_status"],
                expected_version=version,
                reason=data.validated_data["reason"],
                closure_reason=data.validated_data["closure_reason"],
            )
        return _case_response(request, pk)


@extend_schema(tags=["services"])
class ServiceListView(ApiGenericView):
    permission_classes = [IsOfficeUser]
    serializer_class = ServiceDeliverySerializer
    filter_backends: list[Any] = []
    queryset = ServiceDelivery.objects.none()

    @extend_schema(
        summary="Services delivered on a case",
        description="Newest first, cursor-paginated. An office that transferred the case away "
        "sees those recorded up to the transfer.",
        responses={200: ServiceDeliverySerializer(many=True), **errors(400, 403, 404)},
        examples=[OpenApiExample("Service", value=SERVICE_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, pk: int) -> Response:
        case = selectors.get_case_for_user(acting(request), pk)
        services_ = selectors.visible_services(acting(request), case).select_related(
            "service_type", "provider_org"
        )
        page = self.paginate_queryset(services_)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Record a service on a case",
        description="Your office records a service given (or planned) on one of its cases; "
        "the answer carries the new service's ETag.",
        request=ServiceDeliveryInput,
        parameters=[ETAG],
        responses={201: ServiceDeliverySerializer, **errors(400, 403, 404, 409)},
        examples=[
            OpenApiExample(
                "Shelter",
                value={
                    "service_type": "shelter",
                    "provider_org": "dinsos-samarinda",
                    "status": "ongoing",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        case = selectors.get_case_for_user(acting(request), pk, write=True)
        data = ServiceDeliveryInput(data=request.data)
        data.is_valid(raise_exception=True)
        service = delivery.service_delivery_add(
            actor=acting(request), case=case, **data.validated_data
        )
        service = _service(acting(request), case, service.pk)
        return with_etag(Response(ServiceDeliverySerializer(service).data, status=201), service)


def _service(user: Any, case: Case, service_pk: int) -> ServiceDelivery:
    return get_object_or_404(
        selectors.visible_services(user, case).select_related(
            "service_type", "provider_org", "case"
        ),
        pk=service_pk,
    )


@extend_schema(tags=["services"])
class ServiceDetailView(ApiView):
    permission_classes = [IsOfficeUser]

    @extend_schema(
        summary="One service delivered",
        description="With an ETag for If-Match.",
        parameters=[ETAG],
        responses={200: ServiceDeliverySerializer, **errors(403, 404)},
        examples=[OpenApiExample("Service", value=SERVICE_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, pk: int, service_pk: int) -> Response:
        case = selectors.get_case_for_user(acting(request), pk)
        service = _service(acting(request), case, service_pk)
        return with_etag(Response(ServiceDeliverySerializer(service).data), service)

    @extend_schema(
        summary="Update a service delivered",
        description="Status, dates, provider, outcome. `If-Match` is required: stale → 412.",
        parameters=[IF_MATCH_REQUIRED, ETAG],
        request=ServiceDeliveryUpdateInput,
        responses={200: ServiceDeliverySerializer, **errors(400, 403, 404, 412, 428)},
        examples=[
            OpenApiExample(
                "Done",
                value={
                    "status": "done",
                    "outcome": "Tinggal di shelter 14 hari, pulang ke keluarga.",
                },
                request_only=True,
            )
        ],
    )
    def patch(self, request: Request, pk: int, service_pk: int) -> Response:
        case = selectors.get_case_for_user(acting(request), pk, write=True)
        service = _service(acting(request), case, service_pk)
        version = expected_version(request, service, required=True)
        data = ServiceDeliveryUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        with stale_is_412(version):
            delivery.service_delivery_update(
                actor=acting(request),
                service=service,
                expected_version=version if version is not None else service.version,
                data=dict(data.validated_data),
            )
        service = _service(acting(request), case, service_pk)
        return with_etag(Response(ServiceDeliverySerializer(service).data), service)
