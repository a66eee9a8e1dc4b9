"""The JSON offline capture syncs with (docs/OFFLINE.md is the contract).

GET  /luring/data-acuan/  the reference data of the offline forms (sync_reference)
POST /luring/kirim/       one queued record (sync_records), idempotent by its uuid

Every answer is JSON, including the refusals a page would answer otherwise: a
session that ended is 401 {"status": "login_required"} (not a redirect to the
login page), and a CSRF failure is 403 {"status": "csrf_failed"} (the check runs
here, after the session's, as DRF's SessionAuthentication does).

Idempotency uses the one table the API uses (idempotency/), scoped "user:<pk>",
keyed by the record's uuid, kept OFFLINE_SYNC_TTL (30 days). The key is claimed
in the record's own transaction: a concurrent resend waits at the key's unique
index until the first commits, then gets its kept answer. Only a success (2xx)
is kept; a refusal, a duplicate prompt or a conflict lets the key go, so the
corrected record is sent again under the same uuid.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from accounts.scoping import Reach, scope_of
from idempotency.models import OFFLINE_SYNC_TTL
from idempotency.services import (
    Claim,
    body_hash,
    idempotency_claim,
    idempotency_keep,
    idempotency_release,
)
from idempotency.services import Request as KeyedRequest
from offline import sync_records
from offline.sync_reference import reference_data as build_reference_data
from pmks.errors import NotAllowed

REPLAY_HEADER = "Idempotent-Replay"
API_REPLAY_HEADER = "Idempotent-Replayed"  # the API's name for the same mark
MAX_BODY_BYTES = 256 * 1024


def _json(body: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status, encoder=DjangoJSONEncoder)
    response["Cache-Control"] = "no-store"
    return response


def _login_required() -> JsonResponse:
    message = _("Sesi Anda sudah berakhir. Masuk lagi; catatan yang belum terkirim tetap ada.")
    return _json({"status": "login_required", "message": message}, status=401)


def _not_found(uuid: str | None = None) -> JsonResponse:
    return _json({"uuid": uuid, "status": "not_found", "message": _("Tidak ditemukan.")}, 404)


def _csrf_refusal(request: HttpRequest) -> JsonResponse | None:
    check = CsrfViewMiddleware(lambda _request: HttpResponse())
    check.process_request(request)
    if check.process_view(request, None, (), {}) is None:  # type: ignore[arg-type]
        return None
    message = _("Token keamanan tidak cocok. Muat ulang halaman, lalu kirim lagi.")
    return _json({"status": "csrf_failed", "message": message}, status=403)


def reference_data(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return _json({"status": "method_not_allowed"}, status=405)
    if not request.user.is_authenticated:
        return _login_required()
    if scope_of(request.user).reach is Reach.NOTHING:
        return _not_found()
    return _json(build_reference_data(request.user))  # type: ignore[arg-type]


def _replay(entry: Any) -> HttpResponse:
    response = HttpResponse(
        entry.response_body, status=entry.response_status, content_type="application/json"
    )
    response["Cache-Control"] = "no-store"
    response[REPLAY_HEADER] = "true"
    response[API_REPLAY_HEADER] = "true"
    return response


def _parse(request: HttpRequest) -> sync_records.SyncRecord | JsonResponse:
    if len(request.body) > MAX_BODY_BYTES:
        errors = {"__all__": [_("Catatan terlalu besar untuk dikirim.")]}
        return _json({"status": "refused", "errors": errors}, status=400)
    try:
        payload = json.loads(request.body)
    except ValueError:
        payload = None
    record = sync_records.parse_record(payload)
    if isinstance(record, dict):
        uuid = payload.get("uuid") if isinstance(payload, dict) else None
        return _json({"uuid": uuid, "status": "refused", "errors": record}, status=400)
    return record


def _answer(record: sync_records.SyncRecord, outcome: sync_records.Outcome) -> JsonResponse:
    return _json({"uuid": str(record.uuid), **outcome.body}, status=outcome.status)


def _run(request: HttpRequest, record: sync_records.SyncRecord) -> sync_records.Outcome:
    """The record's effect, in a savepoint: a refusal raised halfway leaves nothing."""
    try:
        with transaction.atomic():
            return sync_records.accept(request.user, record)  # type: ignore[arg-type]
    except Http404:
        return sync_records.Outcome(404, {"status": "not_found", "message": _("Tidak ditemukan.")})
    except NotAllowed as exc:
        return sync_records.refused({"__all__": [str(exc.message)]}, status=403)


@csrf_exempt  # checked in the view after the session, so the refusal is JSON too
def submit(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _json({"status": "method_not_allowed"}, status=405)
    if not request.user.is_authenticated:
        return _login_required()
    refusal = _csrf_refusal(request)
    if refusal is not None:
        return refusal
    if scope_of(request.user).reach is Reach.NOTHING:
        return _not_found()
    record = _parse(request)
    if isinstance(record, JsonResponse):
        return record
    keyed = KeyedRequest(
        scope=f"user:{request.user.pk}",
        key=str(record.uuid),
        method="POST",
        path=request.path,
        body_hash=body_hash(json.dumps(record.identity()).encode()),
    )
    with transaction.atomic():
        claim, entry = idempotency_claim(request=keyed, ttl=OFFLINE_SYNC_TTL)
        if claim is Claim.REPLAY:
            return _replay(entry)
        if claim is Claim.MISMATCH:
            message = _(
                "UUID ini sudah dipakai untuk catatan lain yang sudah diterima. Tidak ada yang "
                "disimpan; kirim catatan baru dengan UUID baru."
            )
            outcome = sync_records.refused({"__all__": [message]}, status=422)
            return _answer(record, outcome)
        if claim is Claim.IN_PROGRESS:  # not expected: the first send holds its transaction
            response = _answer(record, sync_records.Outcome(409, {"status": "in_progress"}))
            response["Retry-After"] = "1"
            return response
        outcome = _run(request, record)
        response = _answer(record, outcome)
        if 200 <= outcome.status < 300:
            idempotency_keep(
                entry,
                status=outcome.status,
                body=response.content.decode("utf-8"),
                headers={"Content-Type": "application/json"},
            )
        else:
            idempotency_release(entry)
        return response
