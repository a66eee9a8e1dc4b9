"""Headers every response gets (settings.MIDDLEWARE, right after SecurityMiddleware).

- Permissions-Policy: camera, microphone, geolocation (and payment, usb) off;
  no page uses them (settings.PERMISSIONS_POLICY).
- Cache-Control: no-store on every answer to a signed-in user and on every /api/
  answer except the schema and its docs page: offices share computers, and a
  browser or proxy must not keep pages and JSON with personal data. Static files
  are answered by WhiteNoise before this middleware and stay cacheable.

Referrer-Policy, X-Content-Type-Options and HSTS come from Django's
SecurityMiddleware; Content-Security-Policy from django-csp.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

PUBLIC_API_PATHS = ("/api/v1/schema/", "/api/v1/docs/")


def carries_personal_data(request: HttpRequest) -> bool:
    if request.path.startswith("/api/"):
        return not request.path.startswith(PUBLIC_API_PATHS)
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if carries_personal_data(request) and "no-store" not in response.get("Cache-Control", ""):
            patch_cache_control(response, no_store=True, private=True)
        return response
