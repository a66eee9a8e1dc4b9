"""The request type of pages behind login_required (for annotations only)."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request that login_required has let through: `request.user` is one of our
    Users, never AnonymousUser. Annotate views with it only under login_required."""

    user: User
