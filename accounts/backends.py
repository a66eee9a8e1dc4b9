"""The authentication backend: Django's ModelBackend, loading the user's
organization with the user. Every page asks `scope_of(user)`, which reads the
organization; one query per request instead of two."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend


class ModelBackendWithOrganization(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        from accounts.models import User

        try:
            user = User._default_manager.select_related("organization").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
