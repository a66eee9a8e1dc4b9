"""What the offline sync keeps on the server besides the idempotency keys.

A duplicate prompt (409 "duplicate" of POST /luring/kirim/) is recorded as a
SyncDecision row, so a decision waiting for a worker is visible on the server and
not only in one browser's outbox: "two contexts registered the same person: one
person, and one decision waiting" is a fact of the database. The row is resolved
when the same record (same uuid) is accepted later, with the decision taken.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization


class Resolution(models.TextChoices):
    LINK = "link", _("Memakai data yang ada")
    SEPARATE = "separate", _("Didaftarkan sebagai orang baru")
    RESENT = "resent", _("Dikirim ulang setelah diperbaiki")


class SyncDecision(models.Model):
    uuid = models.UUIDField(_("UUID catatan"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("petugas"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("kantor"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("jenis catatan"), max_length=20)
    match_type = models.CharField(_("jenis kecocokan"), max_length=10)  # "nik" or "similar"
    # The matches as the worker was shown them (masked, never a full NIK).
    matches = models.JSONField(_("kecocokan"), default=list)
    created_at = models.DateTimeField(_("dibuat"))
    resolved_at = models.DateTimeField(_("diputuskan"), null=True, blank=True)
    resolution = models.CharField(
        _("keputusan"), max_length=10, choices=Resolution.choices, blank=True
    )
    beneficiary = models.ForeignKey(
        "cases.Beneficiary",
        verbose_name=_("penerima manfaat"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("keputusan duplikat (luring)")
        verbose_name_plural = _("keputusan duplikat (luring)")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "uuid"], name="sync_decision_one_per_record")
        ]
        indexes = [
            models.Index(fields=["user", "resolved_at"], name="sync_decision_waiting_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.uuid}"

    @property
    def is_waiting(self) -> bool:
        return self.resolved_at is None
