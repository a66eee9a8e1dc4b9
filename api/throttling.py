"""Rate limit per API key (or per signed-in user for browser use).

The rate is settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_key"]
(env API_THROTTLE_RATE, e.g. "600/minute"), read on each request so a test or an
operator changing settings takes effect. A refusal is a 429 with Retry-After.

Redis down: the throttle fails open. Its history lives in the cache, whose errors
are misses (pmks/cache.py): the history reads as empty and is not stored, so every
request passes, and the cache logs a warning (at most every 30 s per process). We
chose this over counting in Postgres: the keys are few and authenticated, and an
outage should not add a database write to every API request.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import OrganizationAPIKey


class APIKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "")
        return str(rate) if rate else None

    def get_cache_key(self, request: Request, view: Any) -> str:
        if isinstance(request.auth, OrganizationAPIKey):
            ident = f"key:{request.auth.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
