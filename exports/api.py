"""The API's export: the case list of `GET /api/v1/cases/` (same scope: the cases
the key's office owns now; same filters) streamed in one response, as CSV (the
file the case list's "Ekspor CSV" gives) or NDJSON (one JSON object a line, keys
in English). Memory stays flat at any size: the rows come from a server-side
cursor; 1.2M cases is one request instead of ~12,000 pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.http import Http404, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from api.permissions import IsOfficeUser
from api.schema import errors
from api.views.base import ApiGenericView, acting
from cases.filters import CaseFilter
from cases.models import Case
from exports import datasets, services, writers
from exports.datasets import Dataset, cell

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
                writers.stream_csv(dataset), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = 'attachment; filename="kasus.csv"'
        else:
            response = StreamingHttpResponse(
                stream_ndjson(dataset, CASE_KEYS), content_type="application/x-ndjson"
            )
        response["Cache-Control"] = "private, no-store"
        return response  # type: ignore[return-value]
