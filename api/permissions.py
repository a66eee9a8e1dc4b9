"""Role gates of the API (a wrong role is 403). Object access is never decided
here: views fetch through `visible_to(user)` / the apps' selectors, so a foreign
object is a 404."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts.scoping import Reach, scope_of


class BelongsToOrganization(BasePermission):
    """Any user of an organization (referrals, reference data, webhooks)."""

    message = _("Akun ini tidak terhubung ke organisasi.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        organization = getattr(user, "organization", None) if user.is_authenticated else None
        return organization is not None and organization.is_active


class IsOfficeUser(BasePermission):
    """Caseworkers and supervisors of Dinas Sosial offices and UPTDs (cases, beneficiaries)."""

    message = _("Hanya untuk petugas Dinas Sosial atau UPTD.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and scope_of(user).reach is not Reach.NOTHING)
