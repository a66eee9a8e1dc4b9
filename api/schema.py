"""OpenAPI helpers: the Api-Key security scheme and the documented error responses."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from api.serializers.common import ErrorSerializer


class OrganizationAPIKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.OrganizationAPIKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "An organization API key, sent as `Authorization: Api-Key <prefix>.<secret>`. "
                "Keys are created by an administrator or the organization's supervisor "
                "(page /api/v1/integrasi/), shown once, stored hashed, revocable and expiring."
            ),
        }


def _error(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


ERROR_EXAMPLES = {
    400: (
        "Invalid input",
        _error(
            "invalid",
            "Data yang dikirim tidak valid.",
            {"reason": ["Kolom ini wajib diisi."], "urgency": ['"soon" bukan pilihan yang valid.']},
        ),
    ),
    401: ("No or bad API key", _error("key_revoked", "Kunci API sudah dicabut.")),
    403: (
        "Wrong role",
        _error("permission_denied", "Hanya untuk petugas Dinas Sosial atau UPTD."),
    ),
    404: ("Not found or not yours", _error("not_found", "Data tidak ditemukan.")),
    409: (
        "Conflict with the current state",
        _error("already_decided", "Rujukan ini sudah diputuskan oleh orang lain."),
    ),
    412: (
        "Stale If-Match",
        _error("precondition_failed", "Data sudah diubah orang lain; muat ulang lalu coba lagi."),
    ),
    428: (
        "If-Match missing",
        _error(
            "precondition_required", "Header If-Match (ETag terakhir) wajib untuk perubahan ini."
        ),
    ),
    429: (
        "Rate limit",
        _error("throttled", "Permintaan dibatasi. Tersedia lagi dalam 42 detik."),
    ),
}

DESCRIPTIONS = {
    400: "Invalid input: every bad field is named in `error.fields`.",
    401: "Missing, invalid, revoked or expired API key.",
    403: "The key's role may not do this (e.g. a partner agency on cases).",
    404: "Does not exist, or is outside the caller's organization (never revealed).",
    409: "Conflicts with the current state (already decided, not allowed now, duplicate).",
    412: "The If-Match version is stale: nothing was changed.",
    428: "If-Match is required on this update.",
    429: "Too many requests for this key; see Retry-After.",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Documented error responses; 401, 403 and 429 may answer any operation."""
    wanted = sorted({401, 403, 429, *codes})
    responses = {}
    for code in wanted:
        summary, value = ERROR_EXAMPLES[code]
        responses[code] = OpenApiResponse(
            ErrorSerializer,
            description=DESCRIPTIONS[code],
            examples=[OpenApiExample(summary, value=value, status_codes=[str(code)])],
        )
    return responses


IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description='The ETag of the object as you last read it, e.g. `"3"`. '
    "Stale → 412 and nothing changes.",
)
IF_MATCH_REQUIRED = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description='The ETag of the object as you last read it, e.g. `"3"`. '
    "Missing → 428; stale → 412 and nothing changes.",
)
