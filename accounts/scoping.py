"""THE access-scoping rules: which organizations' objects a user may see or change.

Every HTML view, API view, export and search asks these functions (through the
querysets' `visible_to(user)` and the `get_<model>_for_user` helpers that call
them); nothing else decides access. Summary of DESIGN.md:

| role                      | sees objects owned by                         | may change them     |
| ------------------------- | --------------------------------------------- | ------------------- |
| caseworker                | their own organization                        | yes                 |
| supervisor of an office   | every organization in their kabupaten/kota    | yes (approve, assign)|
| supervisor, Dinsos Prov.  | the whole province                            | no (read-only)      |
| agency_staff              | nothing owned (only referrals addressed to    | no                  |
|                           | their organization, see referrals.models)     |                     |
| admin                     | nothing in the app (Django admin only)        | no                  |

A foreign object answers 404: callers filter with these rules *before* fetching,
so an object outside the scope is indistinguishable from one that does not exist.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Q, QuerySet

from accounts.models import OrganizationKind, Role

if TYPE_CHECKING:
    from accounts.models import User


class Reach(enum.Enum):
    NOTHING = "nothing"
    ORGANIZATION = "organization"
    REGENCY = "regency"
    PROVINCE = "province"


@dataclass(frozen=True)
class Scope:
    reach: Reach
    organization_id: int | None = None
    regency_id: int | None = None
    can_write: bool = False


NOTHING = Scope(Reach.NOTHING)

QuerySetT = TypeVar("QuerySetT", bound=QuerySet[Any])


def acting_organization(user: Any) -> Any:
    """The organization an authenticated, active user acts for, if it is active;
    None otherwise. Deactivating either ends every permission at once."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    organization = user.organization
    if organization is None or not organization.is_active:
        return None
    return organization


def scope_of(user: Any) -> Scope:
    """The reach of a user over organization-owned objects (cases, beneficiaries)."""
    organization = acting_organization(user)
    if organization is None:
        return NOTHING
    if user.role == Role.CASEWORKER and organization.is_office:
        return Scope(Reach.ORGANIZATION, organization_id=organization.pk, can_write=True)
    if user.role == Role.SUPERVISOR:
        if organization.kind == OrganizationKind.PROVINCE_OFFICE:
            return Scope(Reach.PROVINCE, organization_id=organization.pk, can_write=False)
        if organization.is_office:
            return Scope(
                Reach.REGENCY,
                organization_id=organization.pk,
                regency_id=organization.region_id,
                can_write=True,
            )
    return NOTHING


# Explicit "every row" and "no row" conditions. Never a bare Q(): inside an OR an
# empty Q vanishes (Q(a) | Q() is Q(a)) and inside an AND it means everything, so
# a rule built from it changes meaning with its neighbour.
EVERY_ROW = Q(pk__isnull=False)
NO_ROW = Q(pk__in=[])


def owned_q(user: Any, *, org_field: str, regency_field: str | None = None) -> Q:
    """Q for objects whose owner organization is within the user's reach.

    `org_field` names the owning-organization foreign key (e.g. "owner_org");
    `regency_field`, when the model stores the owner's kabupaten/kota itself,
    lets a regency supervisor's filter avoid a join. The result is safe to AND and
    to OR: the province's reach is EVERY_ROW, no reach is NO_ROW.
    """
    scope = scope_of(user)
    if scope.reach is Reach.PROVINCE:
        return EVERY_ROW
    if scope.reach is Reach.REGENCY:
        if regency_field:
            return Q(**{f"{regency_field}_id": scope.regency_id})
        return Q(**{f"{org_field}__region_id": scope.regency_id})
    if scope.reach is Reach.ORGANIZATION:
        return Q(**{f"{org_field}_id": scope.organization_id})
    return NO_ROW


def in_reach(
    queryset: QuerySetT, user: Any, within: Callable[[Scope], Q], *, province: bool = True
) -> QuerySetT:
    """The one prologue of every `visible_to`: no reach → no rows; the province's
    reach → every row (when `province`, else `within` decides); otherwise the rows
    `within(scope)` selects."""
    scope = scope_of(user)
    if scope.reach is Reach.NOTHING:
        return queryset.none()
    if scope.reach is Reach.PROVINCE and province:
        return queryset.all()
    return queryset.filter(within(scope))


def may_see_owned(user: Any, *, organization_id: int, regency_id: int) -> bool:
    """True when an object owned by that organization, whose kabupaten/kota is
    `regency_id` (objects store it denormalized), is within the user's reach."""
    scope = scope_of(user)
    if scope.reach is Reach.PROVINCE:
        return True
    if scope.reach is Reach.REGENCY:
        return regency_id == scope.regency_id
    if scope.reach is Reach.ORGANIZATION:
        return organization_id == scope.organization_id
    return False


def may_change_owned(user: Any, *, organization_id: int, regency_id: int) -> bool:
    """True when the user may change an object so owned."""
    return scope_of(user).can_write and may_see_owned(
        user, organization_id=organization_id, regency_id=regency_id
    )


def may_see_owner(user: Any, organization: Any) -> bool:
    """True when an object owned by `organization` is within the user's reach."""
    return may_see_owned(user, organization_id=organization.pk, regency_id=organization.region_id)


def may_change_owner(user: Any, organization: Any) -> bool:
    """True when the user may change objects owned by `organization`."""
    return may_change_owned(
        user, organization_id=organization.pk, regency_id=organization.region_id
    )


def is_office_supervisor_of(user: Any, organization: Any) -> bool:
    """Supervisors who approve closures and reassign work for `organization`."""
    scope = scope_of(user)
    # Only supervisors have a regency reach (scope_of).
    return scope.reach is Reach.REGENCY and organization.region_id == scope.regency_id


def is_provincial_supervisor(user: User) -> bool:
    return scope_of(user).reach is Reach.PROVINCE


def dashboard_regency_ids(user: Any) -> set[int] | None:
    """Regencies whose dashboards the user may open: None = all, empty = none."""
    scope = scope_of(user)
    # A province or regency reach is a supervisor's (scope_of).
    if scope.reach is Reach.PROVINCE:
        return None
    if scope.reach is Reach.REGENCY and scope.regency_id is not None:
        return {scope.regency_id}
    return set()
