"""Header notifications link for every page.

Costs no query: the unread count is loaded by htmx from
`referrals:notification_badge` after the page (and refreshed every minute), so
no page's query budget depends on it."""

from typing import Any

from django.http import HttpRequest

from accounts.models import Role


def notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    enabled = bool(
        user is not None
        and user.is_authenticated
        and user.role != Role.ADMIN
        and getattr(user, "organization_id", None)
    )
    return {"referral_notifications": enabled}
