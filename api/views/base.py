"""Base classes of every API view: access log, throttle before permissions,
`Idempotency-Key` on POSTs (api/idempotency.py)."""

from __future__ import annotations

import logging
import time
from typing import Any, cast

from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Organization, User
from api.idempotency import IdempotentPostMixin
from api.models import OrganizationAPIKey

access_logger = logging.getLogger("pmks.api.access")


def log_access(request: Request, response: Response, started: float | None) -> None:
    """One line per request, attributed to the key and its organization."""
    auth = getattr(request, "_auth", None)
    api_key = auth if isinstance(auth, OrganizationAPIKey) else None
    user = getattr(request, "_user", None)
    organization = getattr(user, "organization", None) if user is not None else None
    elapsed = (time.monotonic() - started) * 1000 if started else 0.0
    access_logger.info(
        "%s %s %s %.1fms key=%s org=%s user=%s",
        request.method,
        request.get_full_path(),
        response.status_code,
        elapsed,
        api_key.prefix if api_key else "-",
        organization.code if organization is not None else "-",
        getattr(user, "username", "") or "-",
        extra={
            "api_key_prefix": api_key.prefix if api_key else None,
            "organization": organization.code if organization is not None else None,
            "status_code": response.status_code,
        },
    )


def acting(request: Request) -> User:
    """The user the request acts as (a key's integration user, or the session's).

    Every API view requires authentication (DEFAULT_PERMISSION_CLASSES and the
    views' own), so by the time a handler runs this is a real User.
    """
    return cast(User, request.user)


def acting_organization(request: Request) -> Organization:
    """The organization the request is attributed to (BelongsToOrganization checked it)."""
    organization = acting(request).organization
    if organization is None:
        raise PermissionDenied
    return organization


class AccessLogMixin:
    renderer_classes: Any = [JSONRenderer]
    parser_classes: Any = [JSONParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        request._pmks_started = time.monotonic()  # type: ignore[attr-defined]
        super().initial(request, *args, **kwargs)  # type: ignore[misc]

    def check_permissions(self, request: Request) -> None:
        # The throttle first: a request counts whether or not it is permitted, so
        # anonymous 401s are limited per IP too (api/throttling.py).
        super().check_throttles(request)  # type: ignore[misc]
        super().check_permissions(request)  # type: ignore[misc]

    def check_throttles(self, request: Request) -> None:
        """Done in check_permissions, before the permission check."""

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        log_access(request, response, getattr(request, "_pmks_started", None))
        return response


class ApiView(IdempotentPostMixin, AccessLogMixin, APIView):
    pass


class ApiGenericView(IdempotentPostMixin, AccessLogMixin, GenericAPIView):
    pass
