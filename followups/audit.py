"""Change history of follow-ups and visits through django-auditlog (as
cases/audit.py does): a visit may hold a location, personal data under UU PDP."""

from __future__ import annotations

from auditlog.registry import auditlog

from cases.audit import _own_fields
from followups.models import FollowUp, Visit

auditlog.register(FollowUp, include_fields=_own_fields(FollowUp))
auditlog.register(Visit, include_fields=_own_fields(Visit))
