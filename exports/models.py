"""Export jobs: every export of a list, inline or in the background, is one row
(who, what, which filters, how many rows), so the access trail has something to
point at and a background file has an owner. Seen by its requester and by the
supervisors of the requester's organization (DESIGN.md, "export file")."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Role
from accounts.scoping import acting_organization


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
    NDJSON = "ndjson", "NDJSON"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Menunggu")
    RUNNING = "running", _("Sedang dibuat")
    DONE = "done", _("Selesai")
    FAILED = "failed", _("Gagal")
    EXPIRED = "expired", _("Kedaluwarsa")


class ExportJobQuerySet(models.QuerySet["ExportJob"]):
    def visible_to(self, user: Any) -> ExportJobQuerySet:
        """The user's own exports; a supervisor also those of their organization."""
        organization = acting_organization(user)
        if organization is None:
            return self.none()
        mine = Q(requested_by_id=user.pk)
        if user.role == Role.SUPERVISOR:
            mine |= Q(organization_id=organization.pk)
        return self.filter(mine)


class ExportJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    dataset = models.CharField(_("daftar"), max_length=30)
    fmt = models.CharField(_("format"), max_length=8, choices=ExportFormat.choices)
    query = models.CharField(_("saringan"), max_length=2000, blank=True)
    inline = models.BooleanField(default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    row_count = models.PositiveIntegerField(_("jumlah baris"), null=True, blank=True)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True, max_length=300)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("diminta"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("ekspor")
        verbose_name_plural = _("ekspor")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="export_user_idx")]

    def __str__(self) -> str:
        return f"{self.dataset}.{self.fmt} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def file_name(self) -> str:
        stamp = self.created_at.strftime("%Y%m%d-%H%M")
        return f"{self.dataset}-{stamp}.{self.fmt}"
