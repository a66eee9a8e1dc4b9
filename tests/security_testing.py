"""Shared by the tests/test_security_*.py modules that post many logins."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.core.cache import cache

USERNAMES = ("alice", "amir", "sari", "root")
ADDRESSES = ("127.0.0.1", "10.0.0.1", "10.0.0.2", "10.9.9.9", "10.0.0.254", "203.0.113.5")


@pytest.fixture(autouse=True)
def _login_throttle_out_of_the_way(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """These tests are about the failure lockout (django-axes), not the login rate
    limit (accounts/login_throttle.py, counted in the cache): lift that limit, and
    forget the counts afterwards so later tests of the rate limit start from zero."""
    settings.LOGIN_THROTTLE_USERNAME_PER_MINUTE = 10_000
    settings.LOGIN_THROTTLE_IP_PER_MINUTE = 10_000
    yield
    window = int(time.time() // 60)
    cache.delete_many(
        [
            f"login-throttle:{kind}:{window + offset}"
            for kind in [f"user:{u}" for u in USERNAMES] + [f"ip:{a}" for a in ADDRESSES]
            for offset in (-1, 0, 1)
        ]
    )
