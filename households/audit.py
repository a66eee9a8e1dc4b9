"""Change history of households through django-auditlog (as cases/audit.py does)."""
