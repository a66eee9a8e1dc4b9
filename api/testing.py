"""Helpers for the API tests (tests/test_api_*.py): keys and clients."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.utils import timezone

from accounts.models import Organization, Role, User
from api.models import OrganizationAPIKey
from api.services import api_key_create


def key_admin() -> User:
    """A Django admin who creates keys in tests (the admin path of key creation)."""
    user, _created = User.objects.get_or_create(
        username="key-admin", defaults={"role": Role.ADMIN, "is_staff": True}
    )
    return user


def issue_key(
    organization: Organization,
    *,
    role: str | None = None,
    name: str = "test",
    expiry_date: dt.datetime | None = None,
) -> tuple[OrganizationAPIKey, str]:
    return api_key_create(
        actor=key_admin(),
        organization=organization,
        name=name,
        role=role,
        expiry_date=expiry_date or timezone.now() + dt.timedelta(days=30),
    )


def key_client(clear_key: str, **defaults: Any) -> Client:
    """A test client that sends `Authorization: Api-Key <key>` on every request."""
    return Client(HTTP_AUTHORIZATION=f"Api-Key {clear_key}", **defaults)


def client_for(organization: Organization, *, role: str | None = None) -> Client:
    _key, clear = issue_key(organization, role=role)
    return key_client(clear)


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]
