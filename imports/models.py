"""Imports of beneficiaries from an office's spreadsheet (issue 16).

An ImportJob is one uploaded file: who, for which office, when, its name and
SHA-256, the user's choices, its status and counts, and the row report. Each
committed row is an ImportRow: its number in the file, its original values, the
hash of its content (a row already imported for the office creates nothing), the
outcome and the errors, and the person and case it created or linked.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.models import Organization
from accounts.scoping import in_reach, owned_q


class JobStatus(models.TextChoices):
    MAPPING = "mapping", _("Menunggu pemetaan kolom")
    PREVIEWING = "previewing", _("Pratinjau sedang dibuat")
    PREVIEWED = "previewed", _("Pratinjau siap")
    QUEUED = "queued", _("Menunggu diproses")
    RUNNING = "running", _("Sedang diproses")
    COMPLETED = "completed", _("Selesai")
    CANCELLED = "cancelled", _("Dibatalkan")
    FAILED = "failed", _("Gagal")


class ExistingAction(models.TextChoices):
    LINK = "link", _("Tautkan ke orang yang sudah terdaftar")
    SKIP = "skip", _("Lewati baris itu")


class Outcome(models.TextChoices):
    NEW = "new", _("Baru")
    LINKED = "linked", _("Ditautkan")
    SKIPPED = "skipped", _("Dilewati")
    REFUSED = "refused", _("Ditolak")
    FLAGGED = "flagged", _("Perlu diperiksa")


ACTIVE_STATUSES = (JobStatus.PREVIEWING, JobStatus.QUEUED, JobStatus.RUNNING)


class ImportJobQuerySet(models.QuerySet["ImportJob"]):
    def visible_to(self, user: Any) -> ImportJobQuerySet:
        """Its requester, and the supervisors of the requester's office (DESIGN.md,
        "Objects added in the second round")."""

        def within(scope: Any) -> Q:
            owned = owned_q(user, org_field="organization", regency_field="regency")
            if policy.is_supervisor(user):
                return owned
            return owned & Q(created_by=user.pk)

        return in_reach(self, user, within, province=False)


def import_file_path(instance: ImportJob, filename: str) -> str:
    return f"imports/{instance.organization_id}/{instance.sha256[:2]}/{instance.sha256}"


def report_file_path(instance: ImportJob, filename: str) -> str:
    return f"imports/{instance.organization_id}/reports/{instance.pk}.xlsx"


class ImportJob(models.Model):
    organization = models.ForeignKey(
        Organization, verbose_name=_("kantor"), on_delete=models.PROTECT, related_name="+"
    )
    regency = models.ForeignKey(
        "regions.Region",
        verbose_name=_("kabupaten/kota"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diunggah oleh"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("diunggah"), auto_now_add=True)
    started_at = models.DateTimeField(_("mulai diproses"), null=True, blank=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("terakhir aktif"), null=True, blank=True)
    file_name = models.CharField(_("nama berkas"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    file = models.FileField(_("berkas"), upload_to=import_file_path, max_length=200)
    file_size = models.PositiveBigIntegerField(_("ukuran"), default=0)
    headers = models.JSONField(_("judul kolom"), default=list)
    mapping = models.JSONField(_("pemetaan kolom"), default=dict)
    existing_action = models.CharField(
        _("bila NIK sudah terdaftar"),
        max_length=10,
        choices=ExistingAction.choices,
        default=ExistingAction.LINK,
    )
    create_similar = models.BooleanField(_("tetap daftarkan orang yang mirip"), default=False)
    confirm_age_warnings = models.BooleanField(_("peringatan usia dikonfirmasi"), default=False)
    legal_basis = models.CharField(_("dasar pemrosesan data"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.MAPPING
    )
    total_rows = models.PositiveIntegerField(_("jumlah baris"), default=0)
    processed_rows = models.PositiveIntegerField(_("baris diproses"), default=0)
    count_new = models.PositiveIntegerField(_("baru"), default=0)
    count_linked = models.PositiveIntegerField(_("ditautkan"), default=0)
    count_skipped = models.PositiveIntegerField(_("dilewati"), default=0)
    count_refused = models.PositiveIntegerField(_("ditolak"), default=0)
    count_flagged = models.PositiveIntegerField(_("perlu diperiksa"), default=0)
    count_cases = models.PositiveIntegerField(_("kasus dibuka"), default=0)
    preview = models.JSONField(_("pratinjau"), default=dict)
    cancel_requested = models.BooleanField(_("pembatalan diminta"), default=False)
    stopped_at_row = models.PositiveIntegerField(_("berhenti pada baris"), null=True, blank=True)
    error = models.TextField(_("galat"), blank=True)
    report = models.FileField(_("laporan"), upload_to=report_file_path, max_length=200, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("impor")
        verbose_name_plural = _("impor")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "sha256"], name="import_org_sha_idx"),
            models.Index(fields=["regency", "-created_at"], name="import_regency_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%d/%m/%Y})"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class ImportRow(models.Model):
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+"
    )  # the job's, for the row-content lookup
    number = models.PositiveIntegerField(_("baris"))
    values = models.JSONField(_("isi asli"), default=dict)
    content_hash = models.CharField(_("hash isi"), max_length=64)
    outcome = models.CharField(_("hasil"), max_length=10, choices=Outcome.choices)
    errors = models.JSONField(_("galat"), default=list)
    beneficiary = models.ForeignKey(
        "cases.Beneficiary", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("baris impor")
        verbose_name_plural = _("baris impor")
        ordering = ["job", "number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="import_row_once"),
        ]
        indexes = [
            models.Index(fields=["organization", "content_hash"], name="import_row_hash_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.number}"


class ColumnMapping(models.Model):
    """An office's column names: its header text → our field, kept for its next file."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="+")
    mapping = models.JSONField(_("pemetaan"), default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("pemetaan kolom")
        verbose_name_plural = _("pemetaan kolom")

    def __str__(self) -> str:
        return str(self.organization)
