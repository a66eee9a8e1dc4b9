"""Header notifications link for every page.

Costs no query: the unread count is loaded by htmx from
`referrals:notification_badge` after the page (and refreshed every minute), so
no page's query budget depends on it."""

from typing import Any

from django.http import HttpRequest

from accounts.policy import has_notifications


def notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"referral_notifications": user is not None and has_notifications(user)}
