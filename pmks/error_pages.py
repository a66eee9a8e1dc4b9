"""Django's 400/403/404 handlers (pmks/urls.py): under /api/ they answer the API's
JSON error body, like every other API error (an unknown URL, a path no route
matches such as one with `%0A`, a 403 from a page view); elsewhere Django's pages.
(500 and database outages: pmks/middleware.py.)"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def _json_under_api(
    status: int, code: str, message: Callable[[], str], page: Callable[..., HttpResponse]
) -> Callable[[HttpRequest, Exception], HttpResponse]:
    def handler(request: HttpRequest, exception: Exception) -> HttpResponse:
        if request.path.startswith("/api/"):
            body = {"error": {"code": code, "message": message()}}
            response = JsonResponse(body, status=status)
            response["Cache-Control"] = "no-store"
            return response
        return page(request, exception)

    handler.__name__ = page.__name__
    return handler


bad_request = _json_under_api(
    400, "bad_request", lambda: _("Permintaan tidak valid."), defaults.bad_request
)
permission_denied = _json_under_api(
    403,
    "permission_denied",
    lambda: _("Anda tidak berwenang melakukan ini."),
    defaults.permission_denied,
)
page_not_found = _json_under_api(
    404, "not_found", lambda: _("Data tidak ditemukan."), defaults.page_not_found
)
