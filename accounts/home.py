"""What each role's home page shows. Apps add their blocks here as they grow."""

from typing import Any

from accounts import policy


def home_context(user: Any) -> dict[str, Any]:
    context: dict[str, Any] = {"template": f"home/{policy.home_kind(user)}.html"}
    if policy.works_cases(user):  # cases: home blocks
        from cases.selectors import caseworker_home, supervisor_home

        blocks = caseworker_home if policy.home_kind(user) == "caseworker" else supervisor_home
        context["cases_home"] = blocks(user)
    if policy.home_kind(user) != "admin":  # referrals: home block
        from referrals.home import referrals_home

        context["referrals_home"] = referrals_home(user)
    return context
