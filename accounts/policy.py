"""Who may DO what: the role rules of the access door (accounts/scoping.py says
who may SEE what, and is the reach every rule here builds on).

Every decision that depends on a user's role or organization lives here or in
scoping.py; views, serializers, services, selectors and tasks ask these functions
and never test `user.role` themselves (tests/test_access_door.py checks that).

Objects are passed duck-typed (a referral, an offer, a case): the door sits in the
lowest app and reads their own columns (`to_org_id`, `kind`, `case.owner_org_id`
…), so it needs no import of the apps above it.

| rule                          | who                                                        |
| ----------------------------- | ---------------------------------------------------------- |
| register, open cases          | caseworkers and office supervisors of an office (can_write) |
| assign, approve closures      | office supervisors of the case's kabupaten/kota             |
| decide a referral, message it | staff of the addressed organization only (never a          |
|                               | supervisor of the regency where it sits)                   |
| cancel a referral, message it | the office acting for the sending side now (its staff, its |
|                               | regency's office supervisor)                                |
| update an offer's capacity    | staff of the offering organization                         |
| manage API keys and webhooks  | admins; the organization's supervisor; for webhooks also  |
|                               | the organization's integration user                        |
"""

from __future__ import annotations

from typing import Any

from accounts.models import Organization, OrganizationKind, Role
from accounts.scoping import Reach, acting_organization, may_change_owned, scope_of

# Roles that act for an organization on referrals addressed to it, and for the
# office that sends them (provincial supervisors and admins only read).
REFERRAL_RECEIVER_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.AGENCY_STAFF)
REFERRAL_SENDER_ROLES = (Role.CASEWORKER, Role.SUPERVISOR)


# --- offices: registering, cases, assignment -------------------------------------


def may_register(user: Any) -> bool:
    """Register people and open cases: staff of an office with a writing scope."""
    organization = acting_organization(user)
    return organization is not None and organization.is_office and scope_of(user).can_write


def is_supervisor(user: Any) -> bool:
    """A supervisor of an office or of the province (dashboards, history, queues)."""
    return acting_organization(user) is not None and user.role == Role.SUPERVISOR


def may_assign(user: Any) -> bool:
    """Reassign cases (one or many): office supervisors with a writing scope."""
    return is_supervisor(user) and scope_of(user).can_write


def may_see_change_history(user: Any) -> bool:
    """Who changed and who viewed a record (django-auditlog): supervisors."""
    return is_supervisor(user)


def default_assignee(user: Any) -> Any:
    """The caseworker a new case or accepted transfer goes to when none is chosen:
    the acting caseworker themselves (an API key's integration user is not a person)."""
    if user.role == Role.CASEWORKER and not user.is_integration:
        return user
    return None


def is_assignable(user: Any, organization: Any) -> bool:
    """May `user` be the assigned caseworker of a case owned by `organization`?"""
    return bool(
        user.role == Role.CASEWORKER
        and not user.is_integration
        and user.is_active
        and user.organization_id == organization.pk
    )


def assignable_roles() -> tuple[str, ...]:
    """Roles whose users are listed as caseworkers to assign or filter by."""
    return (Role.CASEWORKER,)


# --- referrals -----------------------------------------------------------------


def referral_sending_office(referral: Any) -> tuple[int, int]:
    """(organization id, kabupaten/kota id) of the office acting for the sending side
    now: it cancels, writes on the thread and is notified.

    A service referral follows its case: after a transfer the office that owns the
    case now follows up the services asked for earlier; the former owner keeps
    only reading (visible_to). `from_org` stays what was recorded (who sent it, the
    letter, that office's outbox). A transfer keeps `from_org`: while it is pending
    the case is that office's anyway, and afterwards it is a record between the two
    offices it moved between.
    Read from the rows' own columns (`case` is joined wherever a referral is
    loaded for these checks), so no query.
    """
    if referral.kind == "service":
        return referral.case.owner_org_id, referral.case.regency_id
    return referral.from_org_id, referral.from_regency_id


def is_referral_receiver(user: Any, referral: Any) -> bool:
    """Staff of the addressed organization. Nobody else decides for it: not the
    supervisor of the kabupaten/kota where a UPTD or an agency sits (DESIGN.md)."""
    organization = acting_organization(user)
    return (
        organization is not None
        and user.role in REFERRAL_RECEIVER_ROLES
        and organization.pk == referral.to_org_id
    )


def is_referral_sender(user: Any, referral: Any) -> bool:
    """Caseworkers and supervisors of the office acting for the sending side (see
    referral_sending_office), or the office supervisor of its kabupaten/kota."""
    organization = acting_organization(user)
    if organization is None or user.role not in REFERRAL_SENDER_ROLES:
        return False
    if not organization.is_office:
        return False
    organization_id, regency_id = referral_sending_office(referral)
    return may_change_owned(user, organization_id=organization_id, regency_id=regency_id)


def may_act_on_referral(user: Any, referral: Any, side: str) -> bool:
    """May the user make a move that belongs to `side` ("receiver" or "sender")?"""
    if side == "receiver":
        return is_referral_receiver(user, referral)
    return is_referral_sender(user, referral)


def may_post_referral_message(user: Any, referral: Any) -> bool:
    """The thread belongs to the two parties: the addressee and the sending side."""
    return is_referral_receiver(user, referral) or is_referral_sender(user, referral)


class Box:
    INBOX = "inbox"
    OUTBOX = "outbox"
    ALL = "all"


def referral_boxes(user: Any) -> list[str]:
    """Which referral lists a user has: agencies only an inbox; office supervisors
    also 'all' (their regency's); the provincial supervisor only 'all'."""
    if acting_organization(user) is None or user.role == Role.ADMIN:
        return []
    if user.role == Role.AGENCY_STAFF:
        return [Box.INBOX]
    reach = scope_of(user).reach
    if reach is Reach.NOTHING:
        return []
    if reach is Reach.PROVINCE:
        return [Box.ALL]
    if user.role == Role.SUPERVISOR:
        return [Box.INBOX, Box.OUTBOX, Box.ALL]
    return [Box.INBOX, Box.OUTBOX]


def has_referral_inbox_only(user: Any) -> bool:
    """Partner agency staff: their inbox and their own offers, nothing else."""
    return acting_organization(user) is not None and user.role == Role.AGENCY_STAFF


def may_update_offer(user: Any, offer: Any) -> bool:
    """Staff of the offering organization (agency staff of an agency; caseworkers and
    supervisors of an office) update its offers' capacity."""
    organization = acting_organization(user)
    if organization is None or organization.pk != offer.organization_id:
        return False
    if organization.kind == OrganizationKind.AGENCY:
        return user.role == Role.AGENCY_STAFF
    return organization.is_office and user.role in (Role.CASEWORKER, Role.SUPERVISOR)


def has_notifications(user: Any) -> bool:
    """Everyone who works referrals has the notification badge; admins do not."""
    return acting_organization(user) is not None and user.role != Role.ADMIN


# --- API keys, webhooks, integration users ------------------------------------------


def is_admin(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and (user.is_superuser or user.is_staff or user.role == Role.ADMIN)
    )


def allowed_key_roles(organization: Organization) -> list[str]:
    """Roles a key of `organization` may act with, the default first."""
    if organization.kind == OrganizationKind.AGENCY:
        return [Role.AGENCY_STAFF]
    if organization.kind == OrganizationKind.PROVINCE_OFFICE:
        return [Role.SUPERVISOR]
    return [Role.CASEWORKER, Role.SUPERVISOR]


def may_manage_keys(user: Any, organization: Any) -> bool:
    """Make and revoke the organization's API keys: admins, or its own supervisor."""
    if is_admin(user):
        return True
    acting = acting_organization(user)
    return acting is not None and user.role == Role.SUPERVISOR and acting.pk == organization.pk


def may_manage_webhooks(user: Any, organization: Any) -> bool:
    """Key managers, and the organization's own integration user (its API key)."""
    if may_manage_keys(user, organization):
        return True
    acting = acting_organization(user)
    return acting is not None and acting.pk == organization.pk and bool(user.is_integration)


# --- pages by role ----------------------------------------------------------------

HOME_KINDS = {
    Role.CASEWORKER: "caseworker",
    Role.SUPERVISOR: "supervisor",
    Role.AGENCY_STAFF: "agency",
    Role.ADMIN: "admin",
}


def home_kind(user: Any) -> str:
    """Which home page the user gets: caseworker, supervisor, agency or admin."""
    return HOME_KINDS.get(user.role, "admin")


def works_cases(user: Any) -> bool:
    """Caseworkers and supervisors have the case blocks on their home page."""
    return user.role in (Role.CASEWORKER, Role.SUPERVISOR)


def menu_for(user: Any) -> list[tuple[str, Any]]:
    """The header's entries (url name, label) for the user's role."""
    from accounts.navigation import NAVIGATION

    if not getattr(user, "is_authenticated", False):
        return []
    return list(NAVIGATION.get(user.role, []))


def has_role(user: Any, role: str) -> bool:
    """For records that must match a role (an integration user made for a key's
    role), not for deciding access: ask the functions above for that."""
    return bool(user.role == role)
