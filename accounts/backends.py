"""The authentication backend: Django's ModelBackend, loading the user's
organization with the user. Every page asks `scope_of(user)`, which reads the
organization; one query per request instead of two."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend


class ModelBackendWithOrganization(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        from accounts.models import User

        try:
            user = User._default_manager.select_related("organization").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check first in AUTHENTICATION_BACKENDS: a locked username+IP is
    refused before the password is tried. Every login over the network passes the
    request (the login views, the admin's); a call without one (the test client's
    login(), a shell) has no IP to lock and is not checked."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
