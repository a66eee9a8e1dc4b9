"""Login's own rate limit, so a burst of logins (each a full-strength password hash)
cannot starve every other request.

Per client IP (LOGIN_THROTTLE_IP_PER_MINUTE, default 120: an office behind one NAT)
and per username (LOGIN_THROTTLE_USERNAME_PER_MINUTE, default 10), counted in the
cache in fixed one-minute windows. Past either: 429 + Retry-After, before any hash.
Redis down: the cache answers misses (pmks/cache.py), so the limit fails open with
a warning in the log; the failure lockout (django-axes) counts in the database and
still applies. Only login POSTs (the login page and the admin's) are counted.

The password hash itself runs a few at a time on the machine (accounts/hashers.py);
a login that found no free slot in time raises HashBusy, answered here with 503 +
Retry-After: the server is busy, not the person's fault, and no attempt is counted
against them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.hashers import HashBusy
from accounts.lockout import client_ip


def _over_limit(key: str, limit: int, window: int) -> bool:
    bucket = f"login-throttle:{key}:{int(time.time() // window)}"
    if cache.add(bucket, 1, timeout=window + 5):
        return False
    try:
        return cache.incr(bucket) > limit
    except ValueError:  # expired meanwhile, or the cache is down: let it through
        return False


class LoginThrottleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path in (
            reverse("accounts:login"),
            reverse("admin:login"),
        ):
            window = 60
            username = str(request.POST.get("username", "")).strip().lower()[:150]
            over_ip = _over_limit(
                f"ip:{client_ip(request)}", settings.LOGIN_THROTTLE_IP_PER_MINUTE, window
            )
            over_user = bool(username) and _over_limit(
                f"user:{username}", settings.LOGIN_THROTTLE_USERNAME_PER_MINUTE, window
            )
            if over_ip or over_user:
                from pmks.middleware import unavailable

                response = unavailable(
                    request,
                    _("Terlalu banyak percobaan masuk. Silakan coba lagi sebentar lagi."),
                    "throttled",
                )
                response.status_code = 429
                response["Retry-After"] = str(window - int(time.time()) % window)
                return response
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, HashBusy):
            return None
        from pmks.middleware import unavailable

        return unavailable(
            request,
            _("Banyak orang sedang masuk bersamaan. Silakan coba lagi dalam beberapa detik."),
            "login_busy",
        )
