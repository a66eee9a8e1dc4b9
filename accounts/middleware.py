"""Log a user out after SESSION_IDLE_TIMEOUT_MINUTES without a request of their own.

Background polling (the notification badge, live dashboards) marks its requests
with the `X-Background-Poll` header: such requests do not count as activity, so a
page left open does not keep a session alive forever. When a poll finds the
session expired, htmx is told to load the login page (HX-Redirect).
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _

SESSION_KEY = "last_seen"
POLL_HEADER = "X-Background-Poll"


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last_seen = request.session.get(SESSION_KEY)
            is_poll = POLL_HEADER in request.headers
            limit = settings.SESSION_IDLE_TIMEOUT_MINUTES * 60
            if last_seen is not None and now - last_seen > limit:
                logout(request)
                messages.info(
                    request, _("Sesi Anda berakhir karena tidak aktif. Silakan masuk lagi.")
                )
                if is_poll:
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
                    return response
            elif not is_poll and (last_seen is None or now - last_seen > 30):
                # Write at most every 30 s so most requests do not touch the session table.
                request.session[SESSION_KEY] = now
        return self.get_response(request)


class IndonesianByDefaultMiddleware:
    """Pages are in Bahasa Indonesia unless the user chose English with the language
    switch (Django's language cookie). Office browsers often send `en-US` in
    Accept-Language; that alone must not switch the interface. The API keeps
    Accept-Language negotiation (integrations ask for their language explicitly)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
