"""Change history of personal data through django-auditlog (who, when, what changed)."""

from auditlog.registry import auditlog

from cases.models import Assessment, Beneficiary, Case, ServiceDelivery

auditlog.register(Beneficiary, exclude_fields=["updated_at", "version"])
auditlog.register(Case, exclude_fields=["updated_at", "version"], m2m_fields={"other_categories"})
auditlog.register(Assessment)
auditlog.register(ServiceDelivery, exclude_fields=["updated_at", "version"])
