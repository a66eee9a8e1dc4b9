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

auditlog.register(Beneficiary, exclude_fields=["updated_at", "version"])
auditlog.register(Case, exclude_fields=["updated_at", "version"], m2m_fields={"other_categories"})
auditlog.register(Assessment)
auditlog.register(ServiceDelivery, exclude_fields=["updated_at", "version"])


def log_access(*, user: Any, instance: Beneficiary | Case) -> LogEntry:
    """Record that `user` viewed the personal data of `instance` (one INSERT).

    The same entry auditlog's `accessed` signal writes, with the actor given
    explicitly so API views and tasks log the right person too.
    """
    actor = user if getattr(user, "is_authenticated", False) else None
    return LogEntry.objects.log_create(
        instance, action=LogEntry.Action.ACCESS, force_log=True, actor=actor
    )
