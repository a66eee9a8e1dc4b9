"""Change history of case plans through django-auditlog (as cases/audit.py does)."""

from __future__ import annotations

from auditlog.registry import auditlog

from cases.audit import _own_fields
from plans.models import CasePlan, PlanAction, PlanGoal

auditlog.register(CasePlan, include_fields=_own_fields(CasePlan))
auditlog.register(PlanGoal, include_fields=_own_fields(PlanGoal))
auditlog.register(PlanAction, include_fields=_own_fields(PlanAction))
