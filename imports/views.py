"""Pages of the import: history, upload, column mapping, preview → confirm,
progress (htmx) with cancel, the row report and the template. Thin: the rules are
in imports/services.py; a job outside the user's scope answers 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from auditlog.models import LogEntry
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.scoping import Reach, scope_of
from imports import services
from imports.columns import BY_KEY, missing_required
from imports.forms import MappingForm, UploadForm
from imports.models import ImportJob, JobStatus
from imports.reading import BadFile, too_big
from imports.template import build_template
from pmks.errors import DomainError, NotAllowed

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
View = Callable[..., HttpResponseBase]


def office_user(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if scope_of(request.user).reach is Reach.NOTHING:
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except NotAllowed as exc:
            return render(request, "cases/not_allowed.html", {"message": exc.message}, status=403)

    return wrapped


def _log_access(user: Any, job: ImportJob) -> None:
    """The access trail (django-auditlog's ACCESS entries, as cases.audit.log_access)."""
    LogEntry.objects.log_create(job, action=LogEntry.Action.ACCESS, force_log=True, actor=user)


@require_GET
@office_user
def import_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    jobs = (
        ImportJob.objects.visible_to(request.user)
        .select_related("created_by", "organization")
        .order_by("-created_at", "-pk")[:100]
    )
    return render(
        request,
        "imports/list.html",
        {"jobs": jobs, "may_import": services.may_import(request.user)},
    )


@require_GET
@office_user
def import_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    response = HttpResponse(build_template(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="templat-impor-pmks.xlsx"'
    return response


@require_http_methods(["GET", "POST"])
@office_user
def import_upload(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    if not services.may_import(request.user):
        raise NotAllowed(_("Anda tidak dapat mengimpor data penerima manfaat."))
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            error = too_big(upload.size or 0)
            if error is not None:
                raise error  # not read into memory at all
            job = services.import_upload(
                actor=request.user, data=upload.read(), filename=upload.name, choices=form.choices()
            )
        except BadFile as exc:
            form.add_error("file", exc.message)
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("imports:detail", pk=job.pk)
    return render(
        request, "imports/upload.html", {"form": form}, status=400 if form.errors else 200
    )


def _detail_context(job: ImportJob, form: MappingForm | None = None) -> dict[str, Any]:
    context: dict[str, Any] = {"job": job, "labels": {k: c.label for k, c in BY_KEY.items()}}
    if job.status == JobStatus.MAPPING or form is not None:
        context["mapping_form"] = form or MappingForm(
            headers=job.headers, initial_mapping=job.mapping
        )
        context["missing"] = [BY_KEY[k].label for k in missing_required(job.mapping)]
    if job.preview:
        context["counts"] = job.preview.get("counts", {})
        context["errors"] = job.preview.get("errors", [])
    return context


@require_GET
@office_user
def import_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = services.get_job_for_user(request.user, pk)
    _log_access(request.user, job)
    return render(request, "imports/detail.html", _detail_context(job))


@require_GET
@office_user
def import_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = services.get_job_for_user(request.user, pk)
    return render(request, "imports/_progress.html", {"job": job})


@require_POST
@office_user
def import_mapping(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    job = services.get_job_for_user(request.user, pk)
    form = MappingForm(request.POST, headers=job.headers, initial_mapping=job.mapping)
    if form.is_valid():
        try:
            services.import_set_mapping(actor=request.user, job=job, mapping=form.mapping())
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("imports:detail", pk=job.pk)
    return render(request, "imports/detail.html", _detail_context(job, form), status=400)


@require_POST
@office_user
def import_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    job = services.get_job_for_user(request.user, pk)
    try:
        services.import_confirm(actor=request.user, job=job)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("imports:detail", pk=job.pk)


@require_POST
@office_user
def import_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    job = services.get_job_for_user(request.user, pk)
    services.import_cancel(actor=request.user, job=job)
    messages.info(
        request,
        _("Pembatalan diminta: impor berhenti setelah kelompok baris yang sedang diproses."),
    )
    return redirect("imports:detail", pk=job.pk)


@require_GET
@office_user
def import_report(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    job = services.get_job_for_user(request.user, pk)
    if not job.report:
        raise Http404
    _log_access(request.user, job)
    try:
        handle = job.report.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=f"laporan-impor-{job.pk}.xlsx", content_type=XLSX_TYPE
    )
    response["Cache-Control"] = "private, no-store"
    return response
