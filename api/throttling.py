"""Rate limit per API key, per signed-in user (browser use) and per IP (anonymous).

Counted with one atomic increment per request in a fixed window aligned to the
clock (`throttle:<scope>:<ident>:<window number>`): `cache.add(key, 1)` opens the
window, `cache.incr(key)` counts in it. Both are atomic on Redis (SET NX, INCR)
and on the local-memory cache of the embedded default (under its lock), so 700
requests in parallel against 600/minute let exactly 600 through. The request that
gets a count past the limit is refused: 429 `{"error": {"code": "throttled"}}`
with an Indonesian message and Retry-After (the seconds left in the window).

Rates: settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_key"] (env
API_THROTTLE_RATE, "600/minute") for keys and users, ["anon"] (env
API_THROTTLE_ANON_RATE, "60/minute") for requests without credentials, read on
each request so a test or an operator changing settings takes effect. The API's
views check the throttle before permissions (api/views/base.py), so anonymous
401s count too. Bad keys are counted apart, per IP (api/authentication.py).

Redis down: the throttle fails open. The cache's errors are misses (pmks/cache.py):
`add` stores nothing and `incr` finds no key, so the request passes and the cache
logs a warning (at most every 30 s per process). We chose this over counting in
Postgres: the keys are few and authenticated, and an outage should not add a
database write to every API request.
"""

from __future__ import annotations

import math
import time
from typing import Any

from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from accounts.lockout import client_ip
from api.models import OrganizationAPIKey

DURATIONS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# A window's counter outlives the window by this much, so it never expires while
# its window is still being counted.
GRACE_SECONDS = 5


def parse_rate(rate: str) -> tuple[int, int]:
    """ "600/minute" → (600, 60)."""
    number, _slash, period = rate.partition("/")
    return int(number), DURATIONS[period.strip()[0]]


def count_hit(key: str, window: int) -> int | None:
    """Add one to the counter `key` atomically and return its new value (None: the
    cache is unavailable, so nothing was counted)."""
    for _attempt in range(2):
        if cache.add(key, 1, timeout=window + GRACE_SECONDS):
            return 1
        try:
            return int(cache.incr(key))
        except ValueError:  # expired between add and incr, or the cache is down
            continue
    return None


class APIKeyRateThrottle(BaseThrottle):
    scope = "api_key"
    anon_scope = "anon"

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def identify(self, request: Request) -> tuple[str, str]:
        """(scope, ident) of the request: its key, its user or its IP."""
        if isinstance(request.auth, OrganizationAPIKey):
            return self.scope, f"key:{request.auth.prefix}"
        if request.user and request.user.is_authenticated:
            return self.scope, f"user:{request.user.pk}"
        return self.anon_scope, f"ip:{client_ip(request._request)}"

    def allow_request(self, request: Request, view: Any) -> bool:
        scope, ident = self.identify(request)
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)
        if not rate:
            return True
        limit, window = parse_rate(str(rate))
        now = time.time()
        number = int(now // window)
        count = count_hit(f"throttle:{scope}:{ident}:{number}", window)
        if count is None or count <= limit:
            return True
        self.retry_after = (number + 1) * window - now
        return False

    def wait(self) -> float | None:
        return None if self.retry_after is None else max(1, math.ceil(self.retry_after))
