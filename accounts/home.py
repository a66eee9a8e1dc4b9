"""What each role's home page shows. Apps add their blocks here as they grow."""

from typing import Any

from accounts.models import Role


def home_context(user: Any) -> dict[str, Any]:
    templates = {
        Role.CASEWORKER: "home/caseworker.html",
        Role.SUPERVISOR: "home/supervisor.html",
        Role.AGENCY_STAFF: "home/agency.html",
        Role.ADMIN: "home/admin.html",
    }
    context: dict[str, Any] = {"template": templates.get(user.role, "home/admin.html")}
    if user.role in (Role.CASEWORKER, Role.SUPERVISOR):  # cases: home blocks
        from cases.selectors import caseworker_home, supervisor_home

        blocks = caseworker_home if user.role == Role.CASEWORKER else supervisor_home
        context["cases_home"] = blocks(user)
    if user.role != Role.ADMIN:  # referrals: home block
        from referrals.home import referrals_home

        context["referrals_home"] = referrals_home(user)
    return context
