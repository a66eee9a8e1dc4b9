"""Change history of households through django-auditlog (as cases/audit.py does)."""

from __future__ import annotations

from auditlog.registry import auditlog

from cases.audit import _own_fields
from households.models import Household, HouseholdMember

auditlog.register(Household, include_fields=_own_fields(Household))
auditlog.register(HouseholdMember, include_fields=_own_fields(HouseholdMember))
