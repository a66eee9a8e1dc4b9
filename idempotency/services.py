"""Claiming a key, keeping its answer, letting it go, and forgetting expired keys."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from idempotency.models import IdempotencyKey


class Claim(enum.Enum):
    NEW = "new"  # first use: run the request, then keep or release the entry
    REPLAY = "replay"  # same request seen and answered: send the kept answer
    MISMATCH = "mismatch"  # the key was used for another request
    IN_PROGRESS = "in_progress"  # the first request is still running


@dataclass(frozen=True)
class Request:
    scope: str
    key: str
    method: str
    path: str
    body_hash: str


def body_hash(body: bytes) -> str:
    """SHA-256 of the body; JSON is hashed in a canonical form (key order and
    spacing do not make another request)."""
    try:
        canonical = json.dumps(
            json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


def idempotency_claim(*, request: Request, ttl: dt.timedelta) -> tuple[Claim, IdempotencyKey]:
    """Insert the entry for `request`, or say why the existing one stands in the way.

    Run inside the transaction of the request's own effect: a second request with
    the same key then waits at the insert (the unique index on Postgres, the write
    lock on SQLite) until the first commits, and finds its answer."""
    now = timezone.now()
    same = IdempotencyKey.objects.filter(scope=request.scope, key=request.key)
    same.filter(expires_at__lte=now).delete()
    while True:
        try:
            with transaction.atomic():
                entry = IdempotencyKey.objects.create(
                    scope=request.scope,
                    key=request.key,
                    method=request.method,
                    path=request.path,
                    body_hash=request.body_hash,
                    created_at=now,
                    expires_at=now + ttl,
                )
            return Claim.NEW, entry
        except IntegrityError:
            existing = same.first()
        if existing is not None:  # else it was let go meanwhile: claim it again
            break
    entry = existing
    if (entry.method, entry.path, entry.body_hash) != (
        request.method,
        request.path,
        request.body_hash,
    ):
        return Claim.MISMATCH, entry
    return (Claim.IN_PROGRESS if entry.in_progress else Claim.REPLAY), entry


def idempotency_keep(
    entry: IdempotencyKey, *, status: int, body: str, headers: dict[str, str]
) -> None:
    """Keep the answer of a successful request for its replays."""
    entry.response_status = status
    entry.response_body = body
    entry.response_headers = headers
    entry.save(update_fields=["response_status", "response_body", "response_headers"])


def idempotency_release(entry: IdempotencyKey) -> None:
    """A refused or failed request is not kept: the key may be used again."""
    IdempotencyKey.objects.filter(pk=entry.pk).delete()


def purge_expired(*, now: dt.datetime | None = None) -> int:
    deleted, _by_model = IdempotencyKey.objects.filter(
        expires_at__lte=now or timezone.now()
    ).delete()
    return deleted
