"""`Idempotency-Key` on every POST of the API (the base views mix this in).

A POST that carries the header runs in one transaction with its entry in the
idempotency table (idempotency/models.py), scoped to the API key (or the signed-in
user), kept API_TTL (24 h):

- same key, same method, path and body (JSON compared canonically): the first
  successful answer is sent again, status, body and headers, with
  `Idempotent-Replayed: true`; nothing runs a second time;
- same key, another body or another endpoint: 422 `idempotency_key_reused`;
- a refused (4xx) or failed (5xx) answer is not kept, so a corrected request may
  use the key again (a 5xx also rolls back whatever the request wrote);
- a double submit at the same moment: the second request waits for the first (on
  the entry's unique index on Postgres, on the write lock on SQLite) and then gets
  its answer replayed, so there is exactly one effect. An entry still in progress
  when seen (not possible through this API, which holds its transaction; the
  offline sync may write entries otherwise) answers 409 `idempotency_in_progress`
  with Retry-After.

Without the header a POST runs as before. Other methods ignore it (GETs are
idempotent already; PATCH has If-Match).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from api.models import OrganizationAPIKey
from idempotency.models import API_TTL, IdempotencyKey
from idempotency.services import (
    Claim,
    body_hash,
    idempotency_claim,
    idempotency_keep,
    idempotency_release,
)
from idempotency.services import Request as KeyedRequest

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# What a replay sends again besides status and body.
KEPT_HEADERS = ("Content-Type", "Content-Language", "Location", "ETag")


class KeyInvalid(exceptions.APIException):
    status_code = 400
    default_code = "invalid_idempotency_key"
    default_detail = _(
        "Idempotency-Key harus 1 sampai 255 karakter ASCII yang terlihat (tanpa spasi di awal "
        "atau akhir)."
    )


class KeyReused(exceptions.APIException):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = _(
        "Idempotency-Key ini sudah dipakai untuk permintaan dengan isi lain. Tidak ada yang "
        "dijalankan; gunakan kunci baru untuk permintaan baru."
    )


class KeyInProgress(exceptions.APIException):
    status_code = 409
    default_code = "idempotency_in_progress"
    default_detail = _(
        "Permintaan dengan Idempotency-Key ini masih diproses. Coba lagi sebentar lagi."
    )
    wait = 1


class Replay(Exception):  # noqa: N818 (a signal to answer, not an error)
    def __init__(self, entry: IdempotencyKey) -> None:
        self.entry = entry


def _keyed(request: HttpRequest | Request) -> bool:
    return request.method == "POST" and HEADER in request.headers


def _valid(key: str) -> bool:
    return (
        0 < len(key) <= MAX_KEY_LENGTH
        and key.isascii()
        and key.isprintable()
        and key.strip() == key
    )


def _scope(request: Request) -> str:
    if isinstance(request.auth, OrganizationAPIKey):
        return f"key:{request.auth.prefix}"
    return f"user:{request.user.pk}"


def replay_response(entry: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(entry.response_body, status=entry.response_status)
    for name, value in entry.response_headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


class IdempotentPostMixin:
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not _keyed(request):
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        with transaction.atomic():
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if _keyed(request):
            self._claim(request)

    def _claim(self, request: Request) -> None:
        """After authentication, throttling and permissions: a refused request claims nothing."""
        key = request.headers[HEADER]
        if not _valid(key):
            raise KeyInvalid
        keyed = KeyedRequest(
            scope=_scope(request),
            key=key,
            method="POST",
            path=request.path,
            body_hash=body_hash(request._request.body),
        )
        claim, entry = idempotency_claim(request=keyed, ttl=API_TTL)
        if claim is Claim.NEW:
            request._idempotency_entry = entry  # type: ignore[attr-defined]
        elif claim is Claim.REPLAY:
            raise Replay(entry)
        elif claim is Claim.MISMATCH:
            raise KeyReused
        else:
            raise KeyInProgress

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, Replay):
            return replay_response(exc.entry)
        return super().handle_exception(exc)  # type: ignore[misc]

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        entry = getattr(request, "_idempotency_entry", None)
        if entry is None:
            return response
        request._idempotency_entry = None  # type: ignore[attr-defined]
        if response.status_code >= 500:
            transaction.set_rollback(True)  # the entry and whatever the request wrote
        elif response.status_code >= 400:
            idempotency_release(entry)
        else:
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            idempotency_keep(
                entry,
                status=response.status_code,
                body=response.content.decode("utf-8"),
                headers={name: response[name] for name in KEPT_HEADERS if name in response},
            )
        return response


# --- OpenAPI -----------------------------------------------------------------------

IDEMPOTENCY_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": (
        "Any unique string (e.g. a UUID) per intended write. Sent again with the same body "
        "within 24 h, the first successful answer is replayed (with `Idempotent-Replayed: "
        "true`) and nothing runs twice; with another body: 422. Refused (4xx) answers are "
        "not kept, so a corrected request may reuse the key."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
}
REPLAYED_RESPONSE_HEADER = {
    "description": "`true` when this is the kept answer of an earlier request with the same "
    "Idempotency-Key.",
    "schema": {"type": "string", "enum": ["true"]},
}


def declare_idempotency_key(result: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook (settings): every POST declares the header,
    and its success answers the replay header. Runs before api.schema.postprocess_schema,
    which adds the 422 answer to operations that take the header."""
    for item in result.get("paths", {}).values():
        operation = item.get("post")
        if operation is None:
            continue
        parameters = operation.setdefault("parameters", [])
        if not any(p.get("name") == HEADER for p in parameters):
            parameters.append(dict(IDEMPOTENCY_PARAMETER))
        for code, answer in operation.get("responses", {}).items():
            if str(code).startswith("2"):
                answer.setdefault("headers", {})[REPLAYED_HEADER] = REPLAYED_RESPONSE_HEADER
    return result
