"""Change history and access log of personal data through django-auditlog.

Changes (who, when, what changed) are recorded by the registrations below.
Views of a person's or a case's data are recorded with `log_access`, as
auditlog's own ACCESS entries, so both show in the same history.
"""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from auditlog.registry import auditlog

from cases.models import Assessment, Beneficiary, Case, ServiceDelivery


def _own_fields(model: Any, *, skip: tuple[str, ...] = ("updated_at", "version")) -> list[str]:
    """The model's own columns (not reverse relations), minus bookkeeping."""
    return [f.name for f in model._meta.concrete_fields if f.name not in skip]


auditlog.register(Beneficiary, include_fields=_own_fields(Beneficiary))
auditlog.register(Case, include_fields=_own_fields(Case), m2m_fields={"other_categories"})
auditlog.register(Assessment, include_fields=_own_fields(Assessment))
auditlog.register(ServiceDelivery, include_fields=_own_fields(ServiceDelivery))


def log_access(*, user: Any, instance: Beneficiary | Case) -> LogEntry:
    """Record that `user` viewed the personal data of `instance` (one INSERT).

    The same entry auditlog's `accessed` signal writes, with the actor given
    explicitly so API views and tasks log the right person too.
    """
    actor = user if getattr(user, "is_authenticated", False) else None
    return LogEntry.objects.log_create(
        instance, action=LogEntry.Action.ACCESS, force_log=True, actor=actor
    )
