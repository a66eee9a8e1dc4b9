"""The API's export: the case list of `GET /api/v1/cases/` (same scope: the cases
the key's office owns now; same filters) streamed in one response, as CSV (the
file the case list's "Ekspor CSV" gives) or NDJSON (one JSON object a line, keys
in English). Memory stays flat at any size: the rows come from a server-side
cursor; 1.2M cases is one request instead of ~12,000 pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.http import FileResponse, Http404, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api.permissions import BelongsToOrganization, IsOfficeUser
from api.schema import errors
from api.views.base import ApiGenericView, ApiView, acting
from cases.filters import CaseFilter
from cases.models import Case
from exports import datasets, services, writers
from exports.datasets import Dataset, cell
from exports.models import ExportFormat, ExportJob, ExportStatus
from exports.tasks import run_export

# NDJSON keys of the case export's columns, in their order (exports.datasets.cases).
CASE_KEYS = (
    "number",
    "nik",
    "no_kk",
    "beneficiary_name",
    "primary_category",
    "district",
    "regency",
    "owner_org",
    "status",
    "priority",
    "assigned_to",
    "opened_on",
    "closed_on",
    "closure_reason",
    "transferred_away",
)


def stream_ndjson(dataset: Dataset, keys: tuple[str, ...]) -> Iterator[str]:
    lines: list[str] = []
    for row in dataset.values().iterator(chunk_size=writers.CHUNK_ROWS):
        values = [cell(value) for value in row]
        lines.append(json.dumps(dict(zip(keys, values, strict=True)), ensure_ascii=False))
        if len(lines) == writers.CHUNK_ROWS:
            yield "\n".join(lines) + "\n"
            lines = []
    if lines:
        yield "\n".join(lines) + "\n"


class CaseExportView(ApiGenericView):
    permission_classes = [IsOfficeUser]
    filterset_class = CaseFilter  # documents the list's filters; applied by the dataset
    queryset = Case.objects.none()
    pagination_class = None

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The body is CSV or NDJSON by the path; errors are JSON whatever Accept says.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        tags=["cases"],
        summary="Export cases (streamed CSV or NDJSON)",
        description="All cases `GET /cases/` lists, with the same filters, in one streamed "
        "response: `export.csv` (UTF-8 with BOM, `,`, Indonesian headers, NIK and No. KK as "
        "text, cells beginning with = + - @ prefixed with `'`) or `export.ndjson` (one JSON "
        "object per line). Choice values are their labels in the request's language. Each "
        "export is recorded in the access trail.",
        parameters=[
            OpenApiParameter("fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["csv", "ndjson"])
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file."),
            (200, "application/x-ndjson"): OpenApiResponse(
                OpenApiTypes.STR, description="One JSON object per case, one per line."
            ),
            **errors(400, 403, 404),
        },
    )
    def get(self, request: Request, fmt: str) -> StreamingHttpResponse:
        if fmt not in ("csv", "ndjson"):
            raise Http404
        user = acting(request)
        dataset = datasets.cases(user, request.query_params, owned_only=True)
        services.export_record_inline(user=user, name="cases", fmt=fmt, params=request.query_params)
        if fmt == "csv":
            response = StreamingHttpResponse(
                writers.stream_csv_copy(dataset), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = 'attachment; filename="kasus.csv"'
        else:
            response = StreamingHttpResponse(
                stream_ndjson(dataset, CASE_KEYS), content_type="application/x-ndjson"
            )
        response["Cache-Control"] = "private, no-store"
        return response  # type: ignore[return-value]


# --- export jobs: create → poll → download ---------------------------------------


class ExportJobInput(serializers.Serializer):
    dataset = serializers.ChoiceField(choices=sorted(datasets.DATASETS))
    format = serializers.ChoiceField(choices=["csv", "xlsx"])
    filters = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text='The list page\'s query parameters, e.g. {"status": "active"}; for '
        "referrals `box` (inbox, outbox, all).",
    )


class ExportJobSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    dataset = serializers.CharField()
    format = serializers.CharField(source="fmt")
    filters = serializers.CharField(source="query", help_text="As a query string.")
    status = serializers.ChoiceField(choices=ExportStatus.choices)
    rows = serializers.IntegerField(source="row_count", allow_null=True)
    progress = serializers.SerializerMethodField(help_text="Rows written so far, when known.")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    download = serializers.SerializerMethodField(help_text="The file's URL once done.")

    def get_progress(self, job: ExportJob) -> int | None:
        return services.progress_of(job)

    def get_download(self, job: ExportJob) -> str | None:
        if job.status != ExportStatus.DONE:
            return None
        request = self.context["request"]
        return str(request.build_absolute_uri(reverse("api:export_download", args=[job.pk])))


def _api_job(request: Request, pk: Any) -> ExportJob:
    job = ExportJob.objects.visible_to(acting(request)).filter(pk=pk, inline=False).first()
    if job is None:
        raise Http404
    return job


@extend_schema(tags=["exports"])
class ExportJobCreateView(ApiView):
    permission_classes = [BelongsToOrganization]

    @extend_schema(
        summary="Start an export job",
        description="Any list as the HTML pages export it (same scope and filters, Indonesian "
        "headers, NIK and No. KK as text), written in the background. Poll the job, then "
        "download its file (kept 7 days; only you and your organization's supervisors may "
        "see the job). A list that is not yours is a 404.",
        request=ExportJobInput,
        responses={202: ExportJobSerializer, **errors(400, 404)},
    )
    def post(self, request: Request) -> Response:
        data = ExportJobInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        params = values.get("filters") or {}
        user = acting(request)
        datasets.build(values["dataset"], user, params)  # 404 for a list not the user's
        job = services.export_start(
            user=user,
            name=values["dataset"],
            fmt=values["format"],
            params=params,
            enqueue=run_export.delay,
        )
        body = ExportJobSerializer(job, context={"request": request}).data
        response = Response(body, status=202)
        response["Location"] = reverse("api:export_job", args=[job.pk])
        return response


@extend_schema(tags=["exports"])
class ExportJobDetailView(ApiView):
    permission_classes = [BelongsToOrganization]

    @extend_schema(
        summary="One export job",
        description="Its status (`queued`, `running`, `done`, `failed`, `expired`), rows "
        "written so far, and the download URL once done.",
        responses={200: ExportJobSerializer, **errors(404)},
    )
    def get(self, request: Request, pk: Any) -> Response:
        job = _api_job(request, pk)
        return Response(ExportJobSerializer(job, context={"request": request}).data)


@extend_schema(tags=["exports"])
class ExportJobDownloadView(ApiView):
    permission_classes = [BelongsToOrganization]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        summary="Download an export job's file",
        description="The CSV or XLSX file; 404 before it is done, after it expired, and for "
        "anyone but its requester and their organization's supervisors. Each download is "
        "recorded in the access trail.",
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="CSV file."),
            (200, writers.XLSX_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY, description="XLSX file."
            ),
            **errors(404),
        },
    )
    def get(self, request: Request, pk: Any) -> FileResponse:
        job = _api_job(request, pk)
        if job.status != ExportStatus.DONE or not job.file:
            raise Http404
        services.export_log(user=acting(request), job=job, action="downloaded")
        content_type = (
            writers.XLSX_TYPE if job.fmt == ExportFormat.XLSX else "text/csv; charset=utf-8"
        )
        return FileResponse(  # type: ignore[return-value]
            job.file.open("rb"),
            as_attachment=True,
            filename=job.file_name,
            content_type=content_type,
        )
