"""Login lockout (django-axes): the cool-off, the client's IP and the lockout answer.

settings: AXES_COOLOFF_TIME, AXES_CLIENT_IP_CALLABLE and AXES_LOCKOUT_CALLABLE name
these functions. The same answer serves the login page, the admin's login and the
API (where bad keys are counted per IP, see api/authentication.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

# Recorded as the "username" of a failed API-key authentication, so bad keys are
# counted per IP apart from the logins. Django usernames cannot contain "<".
API_KEY_USERNAME = "<api-key>"


def api_error(code: str, message: str, *, status: int) -> JsonResponse:
    """The API's error shape (api/errors.py), built here: accounts does not import api."""
    return JsonResponse({"error": {"code": code, "message": str(message)}}, status=status)


def cool_off(request: HttpRequest | None = None) -> dt.timedelta:
    return dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address the first of
    them saw (counting from the right of X-Forwarded-For, which a client can prepend to)."""
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def lockout_message() -> str:
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    return _(
        "Terlalu banyak percobaan masuk yang gagal. Akun ini dikunci untuk alamat Anda "
        "selama %(minutes)d menit. Coba lagi nanti, atau minta administrator membukanya."
    ) % {"minutes": minutes}


def api_lockout_message() -> str:
    return _(
        "Terlalu banyak kunci API yang salah dari alamat ini. Coba lagi dalam %(minutes)d menit."
    ) % {"minutes": settings.LOGIN_LOCKOUT_MINUTES}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    retry_after = str(settings.LOGIN_LOCKOUT_MINUTES * 60)
    if request.path.startswith("/api/"):
        response: HttpResponse = api_error("locked_out", api_lockout_message(), status=429)
    else:
        from accounts.forms import LoginForm

        username = (credentials or {}).get("username") or request.POST.get("username", "")
        form = LoginForm(request, initial={"username": username})
        response = render(
            request,
            "accounts/login.html",
            {
                "form": form,
                "lockout_message": lockout_message(),
                "next": request.GET.get("next", ""),
            },
            status=429,
        )
    response["Retry-After"] = retry_after
    return response
