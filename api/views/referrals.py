"""Referrals: the inbox and outbox of the caller's organization, the decisions,
completion, cancellation and the conversation. Every read goes through
referrals.selectors (scoped: a foreign referral is 404), every write through
referrals.services (the same rules as the browser)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from api.concurrency import expected_version, stale_is_412, with_etag
from api.pagination import OldestFirstPagination
from api.permissions import BelongsToOrganization, IsOfficeUser
from api.schema import ETAG, IF_MATCH, errors
from api.serializers.referrals import (
    AcceptInput,
    CancelInput,
    CompleteInput,
    DeclineInput,
    MessageInput,
    ReferralCreateInput,
    ReferralDetailSerializer,
    ReferralMessageSerializer,
    ReferralSerializer,
    referral_detail_data,
)
from api.views.base import ApiGenericView, ApiView, acting
from cases.audit import log_access
from referrals import selectors
from referrals.filters import ReferralFilter
from referrals.models import Referral
from referrals.services import conversation, creation, decisions, transitions

REFERRAL_EXAMPLE = {
    "id": 41,
    "number": "RJ/64.72/2025/000041",
    "kind": "service",
    "status": "pending",
    "urgency": "high",
    "from_org": {
        "code": "dinsos-samarinda",
        "name": "Dinas Sosial Kota Samarinda",
        "kind": "regency_office",
    },
    "to_org": {"code": "rsud-aws", "name": "RSUD Abdul Wahab Sjahranie", "kind": "agency"},
    "service_type": {
        "code": "health",
        "name": "Akses layanan kesehatan (termasuk pendaftaran BPJS PBI)",
        "name_id": "Akses layanan kesehatan (termasuk pendaftaran BPJS PBI)",
        "has_capacity": False,
    },
    "offer": None,
    "case": {"id": 1203, "number": "KS/64.72/2025/001203"},
    "beneficiary": {
        "full_name": "Siti Rahmawati",
        "nik": "6472015705900001",
        "sex": "F",
        "birth_date": "1990-05-17",
        "regency": "64.72",
    },
    "reason": "Pemeriksaan kesehatan dan pendaftaran BPJS PBI.",
    "shared_summary": "Lansia telantar, tinggal sendiri, hipertensi tidak terkontrol.",
    "legal_basis": "public_task",
    "consent_note": "",
    "due_at": "2025-03-04T09:00:00+08:00",
    "is_overdue": False,
    "created_at": "2025-03-01T09:00:00+08:00",
    "decided_at": None,
    "decision_reason": "",
    "completed_at": None,
    "outcome": "",
    "updated_at": "2025-03-01T09:00:00+08:00",
    "version": 1,
}

BOX = OpenApiParameter(
    "box",
    str,
    enum=["inbox", "outbox", "all"],
    description="`inbox` (default): addressed to your organization; `outbox`: sent by it; "
    "`all`: every referral you may see (supervisors).",
)


class BoxQuery(serializers.Serializer):
    box = serializers.ChoiceField(choices=["inbox", "outbox", "all"], default="inbox")


def _box(request: Request) -> str:
    query = BoxQuery(data={"box": request.query_params.get("box", "inbox")})
    query.is_valid(raise_exception=True)
    box = query.validated_data["box"]
    if box not in selectors.boxes_for(acting(request)):
        raise ValidationError({"box": [_("Daftar ini tidak tersedia untuk peran Anda.")]})
    return box


# What the API's referral shapes read, joined in the one query (the HTML page's
# selector joins more, for the letter and the timeline).
API_REFERRAL_RELATED = ("case__beneficiary__regency", "from_org", "to_org", "service_type")


def get_referral(user: Any, pk: int) -> Referral:
    """The referral if `user` may see it (Referral.objects.visible_to), else 404."""
    return get_object_or_404(
        Referral.objects.visible_to(user).select_related(*API_REFERRAL_RELATED), pk=pk
    )


def _detail(request: Request, referral: Referral, status: int = 200) -> Response:
    fresh = get_referral(acting(request), referral.pk)
    data = referral_detail_data(fresh, transitions.allowed_actions(acting(request), fresh))
    return with_etag(Response(data, status=status), fresh)


@extend_schema(tags=["referrals"])
class ReferralListView(ApiGenericView):
    serializer_class = ReferralSerializer
    filterset_class = ReferralFilter  # the same FilterSet as the HTML inbox/outbox
    queryset = Referral.objects.none()

    def get_permissions(self) -> list[Any]:
        if self.request is not None and self.request.method == "POST":
            return [IsOfficeUser()]
        return [BelongsToOrganization()]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Referral.objects.none()
        referrals = selectors.referral_list(user=acting(self.request), box=_box(self.request))
        return referrals.select_related("case__beneficiary__regency")

    @extend_schema(
        summary="List referrals (inbox, outbox)",
        description="Newest first, cursor-paginated (`next`/`previous` links; no total count). "
        "Filters as on the HTML inbox: `status`, `kind`, `urgency`, `overdue` "
        "(pending past the due date), `updated_since` (ISO 8601: poll for changes).",
        parameters=[BOX],
        responses={200: ReferralSerializer(many=True), **errors(400, 403)},
        examples=[OpenApiExample("A pending referral", value=REFERRAL_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Send a referral (offices)",
        description="Refer one of your office's cases: `transfer` to another Dinas Sosial "
        "kabupaten/kota (the case moves on acceptance) or `service` to a partner agency, "
        "UPTD or office (optionally a directory `offer`). Same rules as the HTML form.",
        request=ReferralCreateInput,
        parameters=[ETAG],
        responses={201: ReferralDetailSerializer, **errors(400, 403, 404, 409)},
        examples=[
            OpenApiExample(
                "Ask RSUD for health care",
                value={
                    "case": 1203,
                    "kind": "service",
                    "to_org": "rsud-aws",
                    "service_type": "health",
                    "reason": "Pemeriksaan kesehatan dan pendaftaran BPJS PBI.",
                    "urgency": "high",
                    "shared_summary": "Lansia telantar, hipertensi tidak terkontrol.",
                    "legal_basis": "public_task",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        data = ReferralCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        case = selectors.get_writable_case_for_user(acting(request), values.pop("case"))
        referral = creation.referral_create(
            actor=acting(request),
            case=case,
            kind=values["kind"],
            to_org=values.get("to_org"),
            reason=values["reason"],
            urgency=values["urgency"],
            shared_summary=values["shared_summary"],
            legal_basis=values["legal_basis"],
            consent_note=values["consent_note"],
            service_type=values.get("service_type"),
            offer=values.get("offer"),
        )
        return _detail(request, referral, status=201)


@extend_schema(
    tags=["referrals"],
    summary="One referral",
    description="The shared summary and the beneficiary's identity (never the rest of the "
    "case file), the moves you may make now (`allowed_actions`), and an `ETag` header with "
    "the version for If-Match. The read is recorded in the personal-data access log.",
    parameters=[ETAG],
    responses={200: ReferralDetailSerializer, **errors(404)},
    examples=[
        OpenApiExample(
            "Referral",
            value={**REFERRAL_EXAMPLE, "allowed_actions": ["accept", "decline"]},
            response_only=True,
        )
    ],
)
class ReferralDetailView(ApiView):
    permission_classes = [BelongsToOrganization]

    def get(self, request: Request, pk: int) -> Response:
        referral = get_referral(acting(request), pk)
        log_access(user=acting(request), instance=referral.case.beneficiary)
        data = referral_detail_data(
            referral, transitions.allowed_actions(acting(request), referral)
        )
        return with_etag(Response(data), referral)


def _accept_arguments(referral: Referral, data: Any) -> dict[str, Any]:
    assignee = None
    if data.get("assigned_to"):
        assignee = User.objects.filter(
            username=data["assigned_to"], organization_id=referral.to_org_id
        ).first()
        if assignee is None:
            raise ValidationError(
                {"assigned_to": [_("Pengguna tidak ditemukan di organisasi penerima.")]}
            )
    return {"assigned_to": assignee}


def _field(name: str) -> Callable[[Referral, Any], dict[str, Any]]:
    return lambda referral, data: {name: data[name]}


# action -> (service, the service's arguments from the validated input)
MOVES: dict[str, tuple[Callable[..., Referral], Callable[[Referral, Any], dict[str, Any]]]] = {
    "accept": (decisions.referral_accept, _accept_arguments),
    "decline": (decisions.referral_decline, _field("reason")),
    "complete": (decisions.referral_complete, _field("outcome")),
    "cancel": (decisions.referral_cancel, _field("reason")),
}


class _MoveView(ApiView):
    """POST /referrals/{id}/<move>/: If-Match honoured; answers the referral.
    The one handler of the four moves; each subclass names its action in MOVES."""

    permission_classes = [BelongsToOrganization]
    input_class: type[serializers.Serializer]
    action: str

    def post(self, request: Request, pk: int) -> Response:
        referral = get_referral(acting(request), pk)
        version = expected_version(request, referral, required=False)
        data = self.input_class(data=request.data)
        data.is_valid(raise_exception=True)
        service, arguments = MOVES[self.action]
        with stale_is_412(version):
            service(
                actor=acting(request),
                referral=referral,
                expected_version=version,
                **arguments(referral, data.validated_data),
            )
        return _detail(request, referral)


def _move_schema(
    summary: str, description: str, request: Any, example: Any, after: dict[str, Any]
) -> Any:
    """`after`: what the move changes in the example referral (status, allowed_actions...)."""
    examples = [
        OpenApiExample(
            "Referral after the move",
            value={**REFERRAL_EXAMPLE, "version": 2, **after},
            response_only=True,
        )
    ]
    if example is not None:
        examples.append(OpenApiExample("Input", value=example, request_only=True))
    return extend_schema(
        tags=["referrals"],
        summary=summary,
        description=description
        + " Send `If-Match` with the ETag you read to refuse the move if the referral "
        "changed meanwhile (412). When two people decide at once, exactly one wins; "
        "the other gets 409 `already_decided`.",
        parameters=[IF_MATCH, ETAG],
        request=request,
        responses={200: ReferralDetailSerializer, **errors(400, 403, 404, 409, 412)},
        examples=examples,
    )


@_move_schema(
    "Accept a referral",
    "The receiving organization accepts: a service referral appears among the case's "
    "services (ongoing); a transfer moves the case to your office.",
    AcceptInput,
    {},
    {
        "status": "accepted",
        "decided_at": "2025-03-01T10:30:00+08:00",
        "allowed_actions": ["complete"],
    },
)
class ReferralAcceptView(_MoveView):
    input_class = AcceptInput
    action = "accept"


@_move_schema(
    "Decline a referral",
    "The receiving organization declines, with a reason (required).",
    DeclineInput,
    {"reason": "Kuota layanan bulan ini penuh; silakan rujuk ke RSUD Kanujoso."},
    {
        "status": "declined",
        "decided_at": "2025-03-01T10:30:00+08:00",
        "decision_reason": "Kuota layanan bulan ini penuh; silakan rujuk ke RSUD Kanujoso.",
        "allowed_actions": [],
    },
)
class ReferralDeclineView(_MoveView):
    input_class = DeclineInput
    action = "decline"


@_move_schema(
    "Complete a referral",
    "The receiving organization reports the outcome of an accepted service referral.",
    CompleteInput,
    {"outcome": "Pemeriksaan selesai; terdaftar BPJS PBI, kontrol rutin di puskesmas."},
    {
        "status": "completed",
        "decided_at": "2025-03-01T10:30:00+08:00",
        "completed_at": "2025-03-05T14:00:00+08:00",
        "outcome": "Pemeriksaan selesai; terdaftar BPJS PBI, kontrol rutin di puskesmas.",
        "version": 3,
        "allowed_actions": [],
    },
)
class ReferralCompleteView(_MoveView):
    input_class = CompleteInput
    action = "complete"


@_move_schema(
    "Cancel a referral (sender)",
    "The sending office withdraws a referral still pending.",
    CancelInput,
    {"reason": "Penerima manfaat sudah pulang ke daerah asal."},
    {
        "status": "cancelled",
        "decided_at": "2025-03-01T10:30:00+08:00",
        "decision_reason": "Penerima manfaat sudah pulang ke daerah asal.",
        "allowed_actions": [],
    },
)
class ReferralCancelView(_MoveView):
    input_class = CancelInput
    action = "cancel"


@extend_schema(tags=["referrals"])
class ReferralMessageListView(ApiGenericView):
    permission_classes = [BelongsToOrganization]
    serializer_class = ReferralMessageSerializer
    pagination_class = OldestFirstPagination
    filter_backends: list[Any] = []
    queryset = Referral.objects.none()

    def _referral(self) -> Referral:
        return get_referral(acting(self.request), self.kwargs["pk"])

    @extend_schema(
        summary="Conversation of a referral",
        description="Oldest first, cursor-paginated.",
        responses={200: ReferralMessageSerializer(many=True), **errors(400, 404)},
        examples=[
            OpenApiExample(
                "Message",
                value={
                    "id": 9,
                    "author": "Integrasi API RSUD Abdul Wahab Sjahranie",
                    "author_org": {
                        "code": "rsud-aws",
                        "name": "RSUD Abdul Wahab Sjahranie",
                        "kind": "agency",
                    },
                    "body": "Jadwal pemeriksaan Senin 08.00 di poli penyakit dalam.",
                    "created_at": "2025-03-01T10:00:00+08:00",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, pk: int) -> Response:
        messages = selectors.referral_messages(self._referral())
        page = self.paginate_queryset(messages)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Post a message",
        description="Both organizations of the referral may write; the other side is notified "
        "(and its webhook receives a `message` event).",
        request=MessageInput,
        responses={201: ReferralMessageSerializer, **errors(400, 403, 404)},
        examples=[
            OpenApiExample(
                "Message",
                value={"body": "Jadwal pemeriksaan Senin 08.00 di poli penyakit dalam."},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        referral = self._referral()
        data = MessageInput(data=request.data)
        data.is_valid(raise_exception=True)
        message = conversation.referral_message_post(
            actor=acting(request), referral=referral, body=data.validated_data["body"]
        )
        return Response(ReferralMessageSerializer(message).data, status=201)
