from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from accounts.policy import menu_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for url_name, label in menu_for(user):
        try:
            url = reverse(url_name)
        except NoReverseMatch:  # an app that is not built yet simply has no entry
            continue
        items.append({"url": url, "label": label, "active": request.path == url})
    return {"nav_items": items}
