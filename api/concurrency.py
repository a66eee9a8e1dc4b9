"""Optimistic concurrency with ETag / If-Match.

Detail responses carry `ETag: "<version>"` (the row's `version`, bumped by every
service write). Writes on an existing object:
- PATCH (update) REQUIRES `If-Match`: without it 428, with a stale one 412;
- decisions and status moves (accept, decline, complete, cancel, transition)
  HONOUR `If-Match` when sent (stale → 412) and otherwise rely on the service's
  own row lock (two decisions at once: exactly one wins, the other gets 409
  `already_decided`).
A refused write changes nothing: the version is checked before the service is
called and again by the service inside its transaction (`expected_version`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from pmks.errors import VersionConflict

T = TypeVar("T")


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy("Data sudah diubah orang lain; muat ulang lalu coba lagi.")
    default_code = "precondition_failed"


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = gettext_lazy("Header If-Match (ETag terakhir) wajib untuk perubahan ini.")
    default_code = "precondition_required"


def etag_for(obj: Any) -> str:
    return f'"{obj.version}"'


def with_etag(response: Response, obj: Any) -> Response:
    response["ETag"] = etag_for(obj)
    return response


def parse_if_match(request: Request) -> int | None | str:
    """The version named by If-Match: an int, "*" (any), or None when absent."""
    raw = request.headers.get("If-Match")
    if raw is None:
        return None
    value = raw.split(",")[0].strip()
    if value == "*":
        return "*"
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if not value.isdigit():
        raise PreconditionFailed(_("Nilai If-Match tidak dikenali; kirim ETag dari respons."))
    return int(value)


def expected_version(request: Request, obj: Any, *, required: bool) -> int | None:
    """Check If-Match against `obj.version` now; the int to pass to the service."""
    wanted = parse_if_match(request)
    if wanted is None:
        if required:
            raise PreconditionRequired()
        return None
    if wanted == "*":
        return None
    if wanted != obj.version:
        raise PreconditionFailed()
    return int(wanted)


@contextmanager
def stale_is_412(version: int | None) -> Iterator[None]:
    """A VersionConflict from the service after If-Match was sent is a 412."""
    try:
        yield
    except VersionConflict as exc:
        if version is not None:
            raise PreconditionFailed() from exc
        raise


def call_with_version(version: int | None, write: Callable[[], T]) -> T:
    with stale_is_412(version):
        return write()
