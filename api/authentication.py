"""`Authorization: Api-Key <prefix>.<secret>`: organization API keys.

One query finds the key with its integration user and organization; the hash
check is a SHA-512 of a high-entropy key (djangorestframework-api-key). A missing
key lets the next authentication class (session) try; a wrong, revoked or
expired key is a 401. `last_used_at` is written at most once a minute per key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from auditlog.context import auditlog_value
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_login_failed
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from accounts.lockout import API_KEY_USERNAME, client_ip
from api.models import OrganizationAPIKey

KEYWORD = "Api-Key"
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _serialize_per_ip(ip: str) -> None:
    """Hold a lock on `ip`'s bad-key count until the transaction ends: a Postgres
    advisory lock; SQLite's IMMEDIATE transactions already write one at a time."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(f"pmks-bad-api-key:{ip}".encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)]
        )


class KeyFailed(exceptions.AuthenticationFailed):
    """401 with a precise code (invalid_key, key_revoked, key_expired, ...)."""

    def __init__(self, detail: str, code: str) -> None:
        super().__init__(detail, code)
        self.error_code = code


def attribute_audit_to(user: Any) -> None:
    """django-auditlog's middleware ran before DRF authenticated the key: name the actor now."""
    try:
        context = auditlog_value.get()
    except LookupError:
        return
    if context.get("actor") is None:
        context["actor"] = user


class OrganizationAPIKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, OrganizationAPIKey] | None:
        header = get_authorization_header(request)
        if not header:
            return None
        scheme, _sep, key = header.decode("latin-1").partition(" ")
        if scheme.lower() != KEYWORD.lower():
            return None
        key = key.strip()
        # Bad keys are counted per IP by django-axes (like wrong passwords): after
        # AXES_FAILURE_LIMIT of them every further bad key from that IP answers 429
        # {"error": {"code": "locked_out", ...}} (AxesMiddleware, accounts/lockout.py)
        # for LOGIN_LOCKOUT_MINUTES. The lock is looked up only when a key fails: a
        # valid key costs no extra query and keeps working from a shared (NAT) IP,
        # and a 190-bit secret cannot be found by guessing, so nothing is given away.
        try:
            return self._authenticate_key(key)
        except KeyFailed as failure:
            if failure.error_code == "invalid_key":
                self._count_failure(request._request)
            raise

    @staticmethod
    def _count_failure(django_request: Any) -> None:
        """Check the lock, count the failure and decide, one bad key of an IP at a time:
        axes reads the count after its own commit, so parallel failures could each see
        a later one's count. Serialized, N guesses at once get exactly
        AXES_FAILURE_LIMIT - 1 answers of 401 and 429 after that."""
        credentials = {"username": API_KEY_USERNAME}
        with transaction.atomic():
            _serialize_per_ip(client_ip(django_request) or "")
            if AxesProxyHandler.is_allowed(django_request, credentials):
                user_login_failed.send(
                    sender=__name__, credentials=credentials, request=django_request
                )
            else:
                django_request.axes_locked_out = True  # a try during the lock does not extend it

    def _authenticate_key(self, key: str) -> tuple[Any, OrganizationAPIKey]:
        prefix, dot, _secret = key.partition(".")
        if not key or not dot or not prefix:
            raise KeyFailed(_("Kunci API tidak valid."), "invalid_key")
        api_key = (
            OrganizationAPIKey.objects.select_related("user__organization", "organization")
            .filter(prefix=prefix)
            .first()
        )
        if api_key is None or not api_key.is_valid(key):
            raise KeyFailed(_("Kunci API tidak valid."), "invalid_key")
        if api_key.revoked:
            raise KeyFailed(_("Kunci API sudah dicabut."), "key_revoked")
        if api_key.has_expired:
            raise KeyFailed(_("Kunci API sudah kedaluwarsa."), "key_expired")
        user = api_key.user
        if not user.is_active or not api_key.organization.is_active:
            raise KeyFailed(_("Organisasi atau pengguna integrasi tidak aktif."), "inactive")
        self._touch(api_key)
        attribute_audit_to(user)
        return user, api_key

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) when no credentials were sent.
        return KEYWORD

    @staticmethod
    def _touch(api_key: OrganizationAPIKey) -> None:
        now = timezone.now()
        if api_key.last_used_at and now - api_key.last_used_at < LAST_USED_RESOLUTION:
            return
        OrganizationAPIKey.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION),
            pk=api_key.pk,
        ).update(last_used_at=now)
        api_key.last_used_at = now
