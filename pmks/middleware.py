"""Degraded answers instead of a stack trace or a long queue.

- `server_error` (settings handler500): an exception that reached Django's handler
  (from a view or from any middleware, e.g. the session load) answers 503 with
  Retry-After when it is a database outage (OperationalError/InterfaceError), a
  short page in Bahasa Indonesia, or the API's JSON error body under /api/.
  Anything else is the plain 500 page.
- `DatabaseOutageMiddleware`: the same 503 for an outage raised in a view; the cause
  goes to the log (pmks.outage), since Django logs that 503 without its exception.
- `InFlightLimitMiddleware`: at most settings.WEB_MAX_IN_FLIGHT requests run at once
  in this process (0: no limit); past that a request answers 503 + Retry-After at
  once instead of waiting. Health probes are never refused.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseServerError,
    JsonResponse,
)
from django.middleware.gzip import GZipMiddleware
from django.template import loader
from django.utils.translation import gettext as _

DATABASE_ERRORS = (OperationalError, InterfaceError)
logger = logging.getLogger("pmks.outage")


def unavailable(request: HttpRequest, message: str, code: str) -> HttpResponse:
    retry_after = settings.RETRY_AFTER_SECONDS
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": {"code": code, "message": message}}, status=503)
    else:
        html = loader.render_to_string(
            "errors/unavailable.html", {"message": message, "retry_after": retry_after}
        )
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def database_unavailable(request: HttpRequest) -> HttpResponse:
    return unavailable(
        request, _("Basis data sedang tidak dapat dihubungi."), "database_unavailable"
    )


def server_error(request: HttpRequest) -> HttpResponse:
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable(request)
    if request.path.startswith("/api/"):
        message = _("Terjadi kesalahan pada server.")
        return JsonResponse({"error": {"code": "server_error", "message": message}}, status=500)
    return HttpResponseServerError(
        loader.render_to_string("errors/unavailable.html", {"message": _("Terjadi kesalahan.")})
    )


class DatabaseOutageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_ERRORS):
            logger.warning(
                "database unavailable: %s %s: %s: %s",
                request.method,
                request.path,
                type(exception).__name__,
                str(exception).strip().splitlines()[0] if str(exception).strip() else "",
            )
            return database_unavailable(request)
        return None


class InFlightLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        limit = settings.WEB_MAX_IN_FLIGHT
        self.slots = threading.BoundedSemaphore(limit) if limit > 0 else None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.slots is None or request.path.startswith("/healthz"):
            return self.get_response(request)
        if not self.slots.acquire(blocking=False):
            return unavailable(
                request, _("Server sedang penuh. Silakan coba lagi sebentar lagi."), "busy"
            )
        try:
            return self.get_response(request)
        finally:
            self.slots.release()


class PageGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware for the HTML pages (issue 15: a case list 15 → 4.5 kB on a
    400 kbps link); it adds random bytes per response against BREACH, and CSRF tokens
    are masked. The API under /api/ is left as it was: its JSON answers are small, and
    some partners' clients (and the schema fuzzer's WSGI transport) do not undo gzip."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if request.path.startswith("/api/"):
            return response
        return super().process_response(request, response)
