"""The access trail of imports (django-auditlog): each job's creation and status
changes made by save(); views of a job and downloads of its report are logged as
ACCESS entries by the views (imports/views.py, imports/api.py)."""

from __future__ import annotations

from auditlog.registry import auditlog

from imports.models import ImportJob

auditlog.register(
    ImportJob,
    include_fields=["organization", "created_by", "file_name", "sha256", "status", "mapping"],
)
