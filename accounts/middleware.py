"""Log a user out after SESSION_IDLE_TIMEOUT_MINUTES without a request."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

SESSION_KEY = "last_seen"


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last_seen = request.session.get(SESSION_KEY)
            limit = settings.SESSION_IDLE_TIMEOUT_MINUTES * 60
            if last_seen is not None and now - last_seen > limit:
                logout(request)
                messages.info(
                    request, _("Sesi Anda berakhir karena tidak aktif. Silakan masuk lagi.")
                )
            elif last_seen is None or now - last_seen > 30:
                # Write at most every 30 s so most requests do not touch the session table.
                request.session[SESSION_KEY] = now
        return self.get_response(request)
