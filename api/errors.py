"""One JSON shape for every API error (settings REST_FRAMEWORK["EXCEPTION_HANDLER"]).

    {"error": {"code": "invalid", "message": "...", "fields": {"nik": ["..."]}}}

`code` is stable and English (for programs); `message` is for people, in the
request's language (Accept-Language: id or en; Bahasa Indonesia by default);
`fields` names every bad input field (dotted for nested ones; `non_field_errors`
for the object as a whole). Some errors add `details` (e.g. a duplicate's link).

Mapped: DRF errors (400/401/403/404/405/406/415/429), Django `ValidationError`
(400), `Http404` (404), Django `PermissionDenied` (403), `pmks.errors.DomainError`
subclasses (their `http_status`: NotAllowed 403, VersionConflict 409, ...), and
`PreconditionFailed` / `PreconditionRequired` (412/428, api/concurrency.py).
Anything else is logged and answers a 500 in the same shape.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response

from pmks.errors import DomainError

logger = logging.getLogger("pmks.api")

GENERIC_MESSAGES = {
    400: lambda: _("Data yang dikirim tidak valid."),
    401: lambda: _("Autentikasi diperlukan."),
    403: lambda: _("Anda tidak berwenang melakukan ini."),
    404: lambda: _("Data tidak ditemukan."),
    405: lambda: _("Metode tidak diizinkan."),
    429: lambda: _("Terlalu banyak permintaan. Coba lagi nanti."),
    500: lambda: _("Terjadi kesalahan pada server."),
}


def error_body(
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": str(message)}
    if fields:
        error["fields"] = fields
    if details:
        error["details"] = details
    return {"error": error}


def error_response(
    status_code: int,
    code: str,
    message: str | None = None,
    fields: dict[str, list[str]] | None = None,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if message is None:
        message = GENERIC_MESSAGES.get(status_code, GENERIC_MESSAGES[400])()
    return Response(error_body(code, message, fields, details), status=status_code, headers=headers)


def throttled_message(wait: float | None) -> str:
    if wait is None:
        return GENERIC_MESSAGES[429]()
    return _("Terlalu banyak permintaan. Coba lagi dalam %(seconds)d detik.") % {
        "seconds": int(wait)
    }


def flatten_fields(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail → {"field": [...], "items.0.name": [...]}."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "non_field_errors" if key in ("__all__", "non_field_errors") else str(key)
            fields.update(flatten_fields(value, f"{prefix}.{name}" if prefix else name))
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        for index, value in enumerate(detail):
            if value:
                fields.update(flatten_fields(value, f"{prefix}.{index}" if prefix else str(index)))
    elif isinstance(detail, list):
        fields[prefix or "non_field_errors"] = [str(item) for item in detail]
    else:
        fields[prefix or "non_field_errors"] = [str(detail)]
    return fields


def django_validation_fields(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return flatten_fields({key: list(value) for key, value in exc.message_dict.items()})
    return {"non_field_errors": [str(message) for message in exc.messages]}


def plain_details(details: dict[str, Any]) -> dict[str, Any]:
    """Only JSON-safe details: scalars, lists of scalars, and objects of those (such as
    `{"id": 7, "name": "..."}` for a person); views add links for model instances."""
    safe: dict[str, Any] = {}
    for key, value in details.items():
        if isinstance(value, str | int | float | bool) or value is None:
            safe[key] = value
        elif isinstance(value, dict):
            safe[key] = plain_details(value)
        elif isinstance(value, list | tuple) and all(
            isinstance(item, str | int | float | bool) for item in value
        ):
            safe[key] = list(value)
    return safe


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return error_response(
            exc.http_status, exc.code, str(exc.message), details=plain_details(exc.details)
        )
    if isinstance(exc, DjangoValidationError):
        return error_response(400, "invalid", fields=django_validation_fields(exc))
    if isinstance(exc, Http404):
        return error_response(404, "not_found")
    if isinstance(exc, DjangoPermissionDenied):
        return error_response(403, "permission_denied")
    if isinstance(exc, exceptions.APIException):
        return _api_exception(exc)
    if isinstance(exc, OperationalError | InterfaceError):  # database outage: retry later
        return error_response(
            503,
            "database_unavailable",
            _("Basis data sedang tidak dapat dihubungi."),
            headers={"Retry-After": str(settings.RETRY_AFTER_SECONDS)},
        )
    logger.exception("unhandled API error", exc_info=exc)
    return error_response(500, "server_error")


def _api_exception(exc: exceptions.APIException) -> Response:
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if getattr(exc, "wait", None):
        headers["Retry-After"] = f"{int(exc.wait)}"  # type: ignore[attr-defined]
    status_code = exc.status_code
    if isinstance(exc, exceptions.ValidationError):
        return error_response(
            status_code, "invalid", fields=flatten_fields(exc.detail), headers=headers
        )
    code = getattr(exc, "error_code", None) or exc.default_code
    detail = exc.detail
    if isinstance(detail, list | dict):
        message = GENERIC_MESSAGES.get(status_code, GENERIC_MESSAGES[400])()
        fields = flatten_fields(detail)
    else:
        message, fields = str(detail), None
    if isinstance(exc, exceptions.Throttled):  # DRF's own text mixes languages
        code = "throttled"
        message = throttled_message(getattr(exc, "wait", None))
    return error_response(status_code, code, message, fields=fields, headers=headers)
