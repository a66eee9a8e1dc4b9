"""Follow-ups (due work on a case) and visits (kunjungan).

A follow-up's due date is a calendar date in WITA (settings.TIME_ZONE is
Asia/Makassar): it is overdue from 00:00 WITA of the day after, whatever the
server's clock zone. Follow-ups made by a rule carry a `rule_key` that is unique
per case, so an event seen twice makes one follow-up (followups/rules.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case, LegalBasis


class FollowUpKind(models.TextChoices):
    HOME_VISIT = "home_visit", _("Kunjungan rumah")
    PHONE_CALL = "phone_call", _("Telepon")
    PLAN_REVIEW = "plan_review", _("Tinjauan rencana")
    REFERRAL_CHECK = "referral_check", _("Cek setelah rujukan")
    PROGRAM_OUTCOME = "program_outcome", _("Hasil program")
    ASSESSMENT = "assessment", _("Asesmen")
    FIRST_CONTACT = "first_contact", _("Kontak pertama")
    OTHER = "other", _("Lainnya")


class FollowUpSource(models.TextChoices):
    RULE = "rule", _("Aturan")
    MANUAL = "manual", _("Manual")


class FollowUpQuerySet(models.QuerySet["FollowUp"]):
    def open(self) -> FollowUpQuerySet:
        return self.filter(done_at__isnull=True)


class FollowUp(models.Model):
    case = models.ForeignKey(
        Case, verbose_name=_("kasus"), on_delete=models.CASCADE, related_name="followups"
    )
    kind = models.CharField(_("jenis"), max_length=20, choices=FollowUpKind.choices)
    note = models.CharField(_("keterangan"), max_length=300, blank=True)
    due_date = models.DateField(_("batas waktu"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("petugas"),
        on_delete=models.PROTECT,
        related_name="followups",
        null=True,
        blank=True,
    )
    source = models.CharField(
        _("sumber"), max_length=10, choices=FollowUpSource.choices, default=FollowUpSource.MANUAL
    )
    # The rule and the event that made it ("opened", "referral:12", "plan:3:2027-03-01");
    # empty for a follow-up made by hand.
    rule_key = models.CharField(max_length=80, blank=True, editable=False)
    done_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diselesaikan oleh"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    result = models.TextField(_("hasil"), blank=True)
    is_overdue = models.BooleanField(_("terlambat"), default=False)
    overdue_marked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("tindak lanjut")
        verbose_name_plural = _("tindak lanjut")
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "rule_key"],
                condition=~Q(rule_key=""),
                name="followup_one_per_rule_event",
            )
        ]
        indexes = [
            # "my open follow-ups by due date" (Tugas saya), and the overdue sweep
            models.Index(
                fields=["assignee", "due_date"],
                name="followup_open_mine_idx",
                condition=Q(done_at__isnull=True),
            ),
            models.Index(
                fields=["due_date"],
                name="followup_open_due_idx",
                condition=Q(done_at__isnull=True),
            ),
            models.Index(fields=["case", "due_date"], name="followup_case_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.due_date:%d/%m/%Y}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Visit(models.Model):
    """A visit (kunjungan). The location is taken only when the user presses the
    button (static/js/geolocation.js) and is stored with the legal basis the
    person's data is processed on at that moment."""

    case = models.ForeignKey(
        Case, verbose_name=_("kasus"), on_delete=models.CASCADE, related_name="visits"
    )
    visited_on = models.DateField(_("tanggal kunjungan"))
    place = models.CharField(_("tempat"), max_length=200)
    met_with = models.CharField(_("orang yang ditemui"), max_length=200)
    notes = models.TextField(_("catatan"), blank=True)
    latitude = models.DecimalField(
        _("lintang"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("bujur"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    location_legal_basis = models.CharField(
        _("dasar pemrosesan lokasi"), max_length=20, choices=LegalBasis.choices, blank=True
    )
    followup = models.OneToOneField(
        FollowUp,
        verbose_name=_("tindak lanjut yang diselesaikan"),
        on_delete=models.SET_NULL,
        related_name="visit",
        null=True,
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("kunjungan")
        verbose_name_plural = _("kunjungan")
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["case", "-visited_on"], name="visit_case_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="visit_location_both_or_none",
            )
        ]

    def __str__(self) -> str:
        return f"{self.visited_on:%d/%m/%Y} · {self.place}"

    @property
    def has_location(self) -> bool:
        return self.latitude is not None
