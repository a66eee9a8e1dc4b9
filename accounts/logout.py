"""Logout: Django's, plus the header that empties the browser's storage for this site."""

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse


class LogoutView(auth_views.LogoutView):
    """Django's LogoutView (POST only) whose answer carries `Clear-Site-Data: "storage"`.

    The browser then deletes IndexedDB (drafts, the offline outbox, reference data),
    local/session storage and the service worker with its cache for this origin, even
    where static/js/logout.js did not run. logout.js runs first: it holds the logout
    while records wait in the outbox (sent, or discarded explicitly), so the header
    only drops a queue when the script was bypassed. Not "cache" or "cookies": the
    HTTP cache holds only hashed static files, and Django ends the session itself.

    Except when the form says keep_other_users=1: logout.js found records waiting in
    another user's database on this computer (a colleague whose session ended without
    a logout), which the header would delete silently. logout.js has then deleted
    this user's database itself before sending the form.
    """

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        keep_others = request.POST.get("keep_other_users") == "1"
        response = super().post(request, *args, **kwargs)
        if not keep_others:
            response["Clear-Site-Data"] = '"storage"'
        return response
