"""Export pages: start an export of a list (with the list's query string), follow
a background one, download its file. Thin: exports.datasets decides the rows
(404 for a list that is not the user's), exports.services records and runs."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from exports import datasets, services, writers
from exports.models import ExportFormat, ExportJob, ExportStatus
from exports.tasks import run_export


def _attachment(response: HttpResponseBase, filename: str) -> HttpResponseBase:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def export_start(request: AuthenticatedHttpRequest, name: str, fmt: str) -> HttpResponseBase:
    """Export the list `name` with the list's filters (the query string, on a GET
    and on a POST alike).

    A small list: the file at once (CSV streamed), on a POST (the list pages'
    buttons) and on a GET too — a download of rows the user already sees, which
    changes nothing but the access trail, so a plain link or a bookmark keeps
    working. A big list: a background job is started by a POST only (CSRF-checked,
    so another site cannot start jobs in the user's name, nor a prefetch or a
    crawler); a GET shows a page that says so, with the button that POSTs the
    same query string, and starts nothing."""
    if fmt not in (ExportFormat.CSV, ExportFormat.XLSX):
        raise Http404
    dataset = datasets.build(name, request.user, request.GET)
    if not services.is_small(dataset):
        if request.method != "POST":
            return render(
                request,
                "exports/confirm.html",
                {
                    "dataset": dataset,
                    "fmt": fmt,
                    "action": f"{request.path}?{request.GET.urlencode()}",
                },
            )
        job = services.export_start(
            user=request.user, name=name, fmt=fmt, params=request.GET, enqueue=run_export.delay
        )
        return redirect("exports:job", pk=job.pk)
    job = services.export_record_inline(user=request.user, name=name, fmt=fmt, params=request.GET)
    filename = f"{dataset.name}-{job.created_at:%Y%m%d-%H%M}.{fmt}"
    if fmt == ExportFormat.CSV:
        response: HttpResponseBase = StreamingHttpResponse(
            writers.stream_csv(dataset), content_type="text/csv; charset=utf-8"
        )
        return _attachment(response, filename)
    buffer = io.BytesIO()
    writers.write_xlsx(dataset, buffer)
    return _attachment(HttpResponse(buffer.getvalue(), content_type=writers.XLSX_TYPE), filename)


def _job_for(request: AuthenticatedHttpRequest, pk: str) -> ExportJob:
    job = ExportJob.objects.visible_to(request.user).filter(pk=pk, inline=False).first()
    if job is None:
        raise Http404(_("Ekspor tidak ditemukan."))
    return job


@login_required
@require_GET
def job_detail(request: AuthenticatedHttpRequest, pk: str) -> HttpResponse:
    """The job's state; while it runs, the status part polls itself (htmx)."""
    job = _job_for(request, pk)
    template = (
        "exports/_job_status.html"
        if request.headers.get("HX-Request") == "true"
        else "exports/job_detail.html"
    )
    return render(
        request,
        template,
        {"job": job, "progress": services.progress_of(job), "Status": ExportStatus},
    )


@login_required
@require_GET
def job_download(request: AuthenticatedHttpRequest, pk: str) -> FileResponse:
    """The file, to its requester and their organization's supervisors only (404
    otherwise, and once expired); each download is in the access trail."""
    job = _job_for(request, pk)
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404(_("Berkas ekspor tidak ada atau sudah kedaluwarsa."))
    services.export_log(user=request.user, job=job, action="downloaded")
    content_type = writers.XLSX_TYPE if job.fmt == ExportFormat.XLSX else "text/csv; charset=utf-8"
    response = FileResponse(
        job.file.open("rb"), as_attachment=True, filename=job.file_name, content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response
