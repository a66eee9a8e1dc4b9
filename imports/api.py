"""The import over the API: upload a file → an import job (previewed, or waiting for
its column mapping) → confirm → poll its status → download the row report. The
same service, rules, history and scope as the pages (imports/services.py)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api.pagination import NewestFirstPagination
from api.permissions import IsOfficeUser
from api.schema import errors
from api.views.base import ApiGenericView, ApiView, acting
from cases.models import LegalBasis
from imports import services
from imports.columns import BY_KEY
from imports.models import ExistingAction, ImportJob, JobStatus
from imports.reading import BadFile, too_big
from imports.views import XLSX_TYPE, _log_access


class ImportJobSerializer(serializers.ModelSerializer[ImportJob]):
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    organization = serializers.CharField(source="organization.code", read_only=True)
    percent = serializers.IntegerField(read_only=True)
    counts = serializers.SerializerMethodField()
    preview_errors = serializers.SerializerMethodField()
    report_url = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "organization",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "file_name",
            "sha256",
            "status",
            "headers",
            "mapping",
            "existing_action",
            "create_similar",
            "confirm_age_warnings",
            "total_rows",
            "processed_rows",
            "percent",
            "counts",
            "preview_errors",
            "cancel_requested",
            "stopped_at_row",
            "report_url",
        ]
        read_only_fields = fields

    def get_counts(self, job: ImportJob) -> dict[str, int]:
        if job.status in (JobStatus.MAPPING, JobStatus.PREVIEWED):
            return dict(job.preview.get("counts", {}))
        return {
            "new": job.count_new,
            "linked": job.count_linked,
            "skipped": job.count_skipped,
            "refused": job.count_refused,
            "flagged": job.count_flagged,
            "cases": job.count_cases,
        }

    def get_preview_errors(self, job: ImportJob) -> list[dict[str, Any]]:
        return list(job.preview.get("errors", []))

    def get_report_url(self, job: ImportJob) -> str | None:
        if not job.report:
            return None
        request = self.context.get("request")
        path = f"/api/v1/imports/{job.pk}/report/"
        return request.build_absolute_uri(path) if request is not None else path


class UploadInput(serializers.Serializer[Any]):
    file = serializers.FileField(
        help_text="XLSX or CSV (UTF-8 with or without BOM, or Windows-1252; `,` or `;`)."
    )
    legal_basis = serializers.ChoiceField(
        choices=LegalBasis.choices,
        default=LegalBasis.PUBLIC_TASK,
        help_text="Legal basis (UU PDP) for rows that do not give one.",
    )
    existing_action = serializers.ChoiceField(
        choices=ExistingAction.choices,
        default=ExistingAction.LINK,
        help_text="A NIK already registered: link the row to that person, or skip it.",
    )
    create_similar = serializers.BooleanField(
        default=False, help_text="Register people similar to registered ones (else flagged)."
    )
    confirm_age_warnings = serializers.BooleanField(
        default=False, help_text="Open cases whose category the age rules only warn about."
    )


class MappingInput(serializers.Serializer[Any]):
    mapping = serializers.DictField(
        child=serializers.CharField(),
        help_text="Field key → the file's header. Keys: " + ", ".join(BY_KEY) + ".",
    )


def _job_response(request: Request, job: ImportJob, code: int = status.HTTP_200_OK) -> Response:
    job = ImportJob.objects.select_related("created_by", "organization").get(pk=job.pk)
    return Response(ImportJobSerializer(job, context={"request": request}).data, status=code)


@extend_schema(tags=["imports"])
class ImportListView(ApiGenericView):
    permission_classes = [IsOfficeUser]
    serializer_class = ImportJobSerializer
    pagination_class = NewestFirstPagination
    parser_classes = [MultiPartParser]
    queryset = ImportJob.objects.none()

    @extend_schema(
        summary="Imports (history)",
        description="The imports the caller may see: their own, and their office's for its "
        "supervisors. Newest first, cursor-paginated.",
        responses={200: ImportJobSerializer(many=True), **errors(400)},
    )
    def get(self, request: Request) -> Response:
        jobs = ImportJob.objects.visible_to(acting(request)).select_related(
            "created_by", "organization"
        )
        page = self.paginate_queryset(jobs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Upload a file: an import job",
        description="Reads and checks every row against the database as it is now (a dry "
        "run: nothing is written) and answers the job with its counts and first errors "
        "(`previewed`), or `mapping` when the headers are not recognised (then POST "
        "`mapping/`). A bad file (wrong type, password-protected or corrupt XLSX, empty, no "
        "header, over the size or row limit) is a 400 with an Indonesian message; a file the "
        "office already imported with the same choices is a 409. Rows of a domicile outside "
        "the office's kabupaten/kota are refused.",
        request={"multipart/form-data": UploadInput},
        responses={201: ImportJobSerializer, **errors(400, 409)},
    )
    def post(self, request: Request) -> Response:
        data = UploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        choices = services.Choices(
            existing_action=data.validated_data["existing_action"],
            create_similar=data.validated_data["create_similar"],
            confirm_age_warnings=data.validated_data["confirm_age_warnings"],
            legal_basis=data.validated_data["legal_basis"],
        )
        try:
            error = too_big(upload.size or 0)
            if error is not None:
                raise error
            job = services.import_upload(
                actor=acting(request), data=upload.read(), filename=upload.name, choices=choices
            )
        except BadFile as exc:
            raise ValidationError({"file": [exc.message]}) from None
        return _job_response(request, job, status.HTTP_201_CREATED)


@extend_schema(tags=["imports"])
class ImportDetailView(ApiView):
    permission_classes = [IsOfficeUser]

    @extend_schema(
        summary="An import job (poll its status)",
        description="Status (`mapping`, `previewed`, `queued`, `running`, `completed`, "
        "`cancelled`, `failed`), progress and counts. Another office's import is a 404.",
        responses={200: ImportJobSerializer, **errors(404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        job = services.get_job_for_user(acting(request), pk)
        _log_access(acting(request), job)
        return _job_response(request, job)


@extend_schema(tags=["imports"])
class ImportMappingView(ApiView):
    permission_classes = [IsOfficeUser]

    @extend_schema(
        summary="Map the file's columns",
        description="Which header holds each field; kept for the office's next files. The "
        "job is previewed again.",
        request=MappingInput,
        responses={200: ImportJobSerializer, **errors(400, 404)},
    )
    def post(self, request: Request, pk: int) -> Response:
        job = services.get_job_for_user(acting(request), pk)
        data = MappingInput(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.import_set_mapping(
            actor=acting(request), job=job, mapping=data.validated_data["mapping"]
        )
        return _job_response(request, job)


@extend_schema(tags=["imports"])
class ImportConfirmView(ApiView):
    permission_classes = [IsOfficeUser]

    @extend_schema(
        summary="Run a previewed import",
        description="Commits in the background, in batches (poll the job). Only its uploader.",
        request=None,
        responses={202: ImportJobSerializer, **errors(400, 404)},
    )
    def post(self, request: Request, pk: int) -> Response:
        job = services.get_job_for_user(acting(request), pk)
        job = services.import_confirm(actor=acting(request), job=job)
        return _job_response(request, job, status.HTTP_202_ACCEPTED)


@extend_schema(tags=["imports"])
class ImportCancelView(ApiView):
    permission_classes = [IsOfficeUser]

    @extend_schema(
        summary="Cancel an import",
        description="Before it runs: at once. While it runs: after the batch in progress; what "
        "was committed stays and the report says where it stopped.",
        request=None,
        responses={200: ImportJobSerializer, **errors(404)},
    )
    def post(self, request: Request, pk: int) -> Response:
        job = services.get_job_for_user(acting(request), pk)
        job = services.import_cancel(actor=acting(request), job=job)
        return _job_response(request, job)


@extend_schema(tags=["imports"])
class ImportReportView(ApiView):
    permission_classes = [IsOfficeUser]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The body is XLSX; errors are JSON whatever Accept says.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        summary="The row report (XLSX)",
        description="Each original row with its outcome and errors in Indonesian, and a "
        "summary sheet. Recorded in the access trail. 404 until the import has ended.",
        responses={
            (200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The report."),
            **errors(404),
        },
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        job = services.get_job_for_user(acting(request), pk)
        if not job.report:
            raise Http404
        _log_access(acting(request), job)
        response = FileResponse(
            job.report.open("rb"),
            as_attachment=True,
            filename=f"laporan-impor-{job.pk}.xlsx",
            content_type=XLSX_TYPE,
        )
        response["Cache-Control"] = "private, no-store"
        return response
