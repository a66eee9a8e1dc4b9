"""Case plans: a plan per case, versioned; needs (from the assessment) → goals → actions.

A plan version is drafted by the case's office, submitted to the office
supervisor, and approved (with a review date) or returned with a reason. A
revision of an approved plan is a new version (goals and actions copied); the
old one stays readable and is marked superseded once the new one is approved.
Rules live in plans/services.py, reads in plans/selectors.py.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from cases.models import Case, Need


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draf")
    SUBMITTED = "submitted", _("Diajukan")
    APPROVED = "approved", _("Disetujui")
    RETURNED = "returned", _("Dikembalikan")


# A version that is not decided yet: at most one per case.
OPEN_STATUSES = (PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.RETURNED)
# A version its office may still change (a returned one is revised and resubmitted).
EDITABLE_STATUSES = (PlanStatus.DRAFT, PlanStatus.RETURNED)


class CasePlan(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plans")
    number = models.PositiveIntegerField(_("nomor versi"))
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("revisi dari"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    submitted_at = models.DateTimeField(_("diajukan"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approved_at = models.DateTimeField(_("disetujui"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    returned_at = models.DateTimeField(_("dikembalikan"), null=True, blank=True)
    returned_reason = models.TextField(_("alasan dikembalikan"), blank=True)
    review_date = models.DateField(_("tanggal tinjauan"), null=True, blank=True)
    superseded = models.BooleanField(_("digantikan versi baru"), default=False)
    superseded_at = models.DateTimeField(_("digantikan"), null=True, blank=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    version = models.PositiveIntegerField(_("versi"), default=1)

    class Meta:
        verbose_name = _("rencana kasus")
        verbose_name_plural = _("rencana kasus")
        ordering = ["case", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="plan_case_number_uniq"),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=["draft", "submitted", "returned"]),
                name="plan_one_open_per_case",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="approved", superseded=False),
                name="plan_one_active_per_case",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="plan_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} · v{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_active(self) -> bool:
        return self.status == PlanStatus.APPROVED and not self.superseded


class GoalMet(models.TextChoices):
    YES = "yes", _("Tercapai")
    PARTLY = "partly", _("Sebagian")
    NO = "no", _("Tidak tercapai")


class PlanGoal(models.Model):
    plan = models.ForeignKey(CasePlan, on_delete=models.CASCADE, related_name="goals")
    need = models.CharField(_("kebutuhan"), max_length=20, choices=Need.choices, blank=True)
    text = models.CharField(_("tujuan"), max_length=500)
    position = models.PositiveSmallIntegerField(_("urutan"), default=0)
    met = models.CharField(
        _("tercapai saat penutupan"), max_length=10, choices=GoalMet.choices, blank=True
    )
    met_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    met_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tujuan rencana")
        verbose_name_plural = _("tujuan rencana")
        ordering = ["plan", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Belum mulai")
    ONGOING = "ongoing", _("Berjalan")
    DONE = "done", _("Selesai")
    CANCELLED = "cancelled", _("Batal")


class PlanAction(models.Model):
    goal = models.ForeignKey(PlanGoal, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(_("tindakan"), max_length=500)
    responsible_org = models.ForeignKey(
        Organization,
        verbose_name=_("lembaga penanggung jawab"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("petugas penanggung jawab"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    responsible_name = models.CharField(_("penanggung jawab lain"), max_length=200, blank=True)
    target_date = models.DateField(_("tanggal target"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED
    )
    progress = models.PositiveSmallIntegerField(
        _("kemajuan (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    position = models.PositiveSmallIntegerField(_("urutan"), default=0)

    class Meta:
        verbose_name = _("tindakan rencana")
        verbose_name_plural = _("tindakan rencana")
        ordering = ["goal", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=100), name="plan_action_progress_pct"
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def responsible_label(self) -> str:
        names = [
            str(part)
            for part in (
                self.responsible_org.name if self.responsible_org else "",
                self.responsible_user.display_name if self.responsible_user else "",
                self.responsible_name,
            )
            if part
        ]
        return " · ".join(names)
