"""OpenAPI helpers: the Api-Key security scheme, the documented error responses,
the ETag/If-Match headers, and the hook that finishes the schema (settings
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""

from __future__ import annotations

from enum import Enum
from typing import Any

from django.utils.module_loading import import_string
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.settings import spectacular_settings
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


def _error(
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    if details:
        body["details"] = details
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
        _error(
            "already_decided",
            "Rujukan ini sudah diterima oleh Budi Santoso (RSUD Abdul Wahab Sjahranie) "
            "pada 1 Maret 2025 10:30.",
            details={
                "status": "accepted",
                "decided_by": {
                    "id": 57,
                    "name": "Budi Santoso",
                    "organization": "RSUD Abdul Wahab Sjahranie",
                },
                "decided_at": "2025-03-01T10:30:00+08:00",
            },
        ),
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
    415: (
        "Not JSON",
        _error("unsupported_media_type", 'Tipe media "text/plain" tidak didukung.'),
    ),
    422: (
        "Idempotency-Key reused",
        _error(
            "idempotency_key_reused",
            "Idempotency-Key ini sudah dipakai untuk permintaan dengan isi lain.",
        ),
    ),
    429: (
        "Rate limit",
        _error("throttled", "Terlalu banyak permintaan. Coba lagi dalam 42 detik."),
    ),
    503: (
        "Database unavailable",
        _error("database_unavailable", "Basis data sedang tidak dapat dihubungi."),
    ),
}

DESCRIPTIONS = {
    400: "Invalid input: every bad field is named in `error.fields`.",
    401: "Missing, invalid, revoked or expired API key.",
    403: "The key's role may not do this (e.g. a partner agency on cases).",
    404: "Does not exist, or is outside the caller's organization (never revealed).",
    409: "Conflicts with the current state (already decided, not allowed now, duplicate, "
    "a request with the same Idempotency-Key still running).",
    412: "The If-Match version is stale: nothing was changed.",
    428: "If-Match is required on this update.",
    415: "The body is not `application/json`.",
    422: "The Idempotency-Key was used before with another body: nothing was done.",
    429: "Too many requests for this key; see Retry-After.",
    503: "Temporarily unavailable (database outage, or the server is at capacity); "
    "see Retry-After.",
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
ETAG = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description='The object\'s version, e.g. `"3"`: send it back in `If-Match` to change it.',
)


# --- the hook ------------------------------------------------------------------------

HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
# May answer any operation: no or bad key, wrong role, rate limit, outage.
ANY_OPERATION = (401, 403, 429, 503)
RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "integer"},
}


def postprocess_schema(result: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    """Every operation lists the errors it can answer (typed by the `Error`
    component), query enums are the shared English-named enum components, and
    nothing is named after a (translated) label."""
    enums = {
        frozenset(map(str, schema["enum"])): name
        for name, schema in result.get("components", {}).get("schemas", {}).items()
        if "enum" in schema and None not in schema["enum"]
    }
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            for parameter in operation.get("parameters", []):
                _shared_enum(parameter, enums)
            _declare_errors(path, operation)
    _enum_symbols(result.get("components", {}).get("schemas", {}))
    return result


def _enum_symbols(schemas: dict[str, Any]) -> None:
    """`x-enum-varnames`: the English member names of our choices (`TWELVE_MONTHS` for
    `12m`), which generators use for the enum's symbols instead of `VALUE_0`."""
    for name, dotted in spectacular_settings.ENUM_NAME_OVERRIDES.items():
        component = schemas.get(name)
        if component is None or "enum" not in component or not isinstance(dotted, str):
            continue
        choices = import_string(dotted)
        if not (isinstance(choices, type) and issubclass(choices, Enum)):
            continue
        symbols = {member.value: member.name for member in choices}
        if all(value in symbols for value in component["enum"]):
            component["x-enum-varnames"] = [symbols[value] for value in component["enum"]]


def _shared_enum(parameter: dict[str, Any], enums: dict[frozenset[str], str]) -> None:
    """A query parameter's choices: the enum component with the same values, or an
    inline string enum; its Indonesian label (`title`) would name generated types."""
    schema = parameter.get("schema", {})
    schema.pop("title", None)
    if "enum" not in schema:
        return
    name = enums.get(frozenset(map(str, schema["enum"])))
    if name is not None:
        parameter["schema"] = {"$ref": f"#/components/schemas/{name}"}
    else:
        schema.setdefault("type", "string")


def _wanted_errors(path: str, operation: dict[str, Any]) -> set[int]:
    codes = set(ANY_OPERATION)
    parameters = operation.get("parameters", [])
    if "{" in path:
        codes.add(404)
    if "requestBody" in operation or any(p.get("in") == "query" for p in parameters):
        codes.add(400)
    if "requestBody" in operation:
        codes.add(415)
    if any(p.get("in") == "header" and p.get("name") == "If-Match" for p in parameters):
        codes.add(412)
    if any(p.get("in") == "header" and p.get("name") == "Idempotency-Key" for p in parameters):
        codes |= {400, 409, 422}  # a malformed key, the same key still running, reused
    return codes


def _declare_errors(path: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    for code in sorted(_wanted_errors(path, operation)):
        if str(code) not in responses:
            summary, value = ERROR_EXAMPLES[code]
            example = {"value": value, "summary": summary}
            responses[str(code)] = {
                "description": DESCRIPTIONS[code],
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"},
                        "examples": {summary.replace(" ", ""): example},
                    }
                },
            }
    for retry_code in ("429", "503"):
        if retry_code in responses:
            responses[retry_code].setdefault("headers", {})["Retry-After"] = RETRY_AFTER
