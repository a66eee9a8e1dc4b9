"""Referrals between organizations, their messages, notifications and the
service directory. Moves happen in referrals/services.py through one transition table."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, OrganizationKind
from accounts.scoping import Reach, Scope, acting_organization, in_reach, owned_q, scope_of
from cases.models import Case, LegalBasis, ServiceDelivery, ServiceType
from regions.models import Region


class ReferralKind(models.TextChoices):
    TRANSFER = "transfer", _("Pemindahan kasus")
    SERVICE = "service", _("Rujukan layanan")


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Darurat")
    HIGH = "high", _("Tinggi")
    NORMAL = "normal", _("Biasa")


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu keputusan")
    ACCEPTED = "accepted", _("Diterima")
    DECLINED = "declined", _("Ditolak")
    CANCELLED = "cancelled", _("Dibatalkan")
    COMPLETED = "completed", _("Selesai")


OPEN_REFERRAL_STATUSES = (ReferralStatus.PENDING, ReferralStatus.ACCEPTED)


class ReferralQuerySet(models.QuerySet["Referral"]):
    def visible_to(self, user: Any) -> ReferralQuerySet:
        """Addressed to the user's organization, sent by / to an office in reach, or
        about a case an office in reach owns now (a transferred case's earlier
        referrals go with it; the former owner keeps only its own). Agency staff
        (no reach over owned objects) see only what is addressed to them."""
        organization = acting_organization(user)
        if organization is None:
            return self.none()
        addressed = Q(to_org_id=organization.pk)
        if scope_of(user).reach is Reach.NOTHING:
            return self.filter(addressed)  # agency staff: only their inbox

        def within(scope: Scope) -> Q:
            # Offices in reach count as a party; a partner agency that merely sits in
            # the supervisor's kabupaten/kota does not (its referrals from other
            # regencies are none of that office's business).
            to_office_in_reach = owned_q(user, org_field="to_org") & ~Q(
                to_org__kind=OrganizationKind.AGENCY
            )
            return (
                addressed
                | owned_q(user, org_field="from_org")
                | to_office_in_reach
                | owned_q(user, org_field="case__owner_org", regency_field="case__regency")
            )

        return in_reach(self, user, within)

    def inbox(self, organization_id: int) -> ReferralQuerySet:
        return self.filter(to_org_id=organization_id)

    def outbox(self, organization_id: int) -> ReferralQuerySet:
        return self.filter(from_org_id=organization_id)


class Referral(models.Model):
    number = models.CharField(_("nomor surat rujukan"), max_length=40, unique=True)
    kind = models.CharField(_("jenis"), max_length=10, choices=ReferralKind.choices)
    case = models.ForeignKey(
        Case, verbose_name=_("kasus"), on_delete=models.PROTECT, related_name="referrals"
    )
    from_org = models.ForeignKey(
        Organization,
        verbose_name=_("dari"),
        on_delete=models.PROTECT,
        related_name="sent_referrals",
    )
    to_org = models.ForeignKey(
        Organization,
        verbose_name=_("kepada"),
        on_delete=models.PROTECT,
        related_name="received_referrals",
    )
    # Denormalized kabupaten/kota of both ends, for the flow matrix and scoping.
    from_regency = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    to_regency = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    service_type = models.ForeignKey(
        ServiceType,
        verbose_name=_("layanan yang diminta"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    offer = models.ForeignKey(
        "ServiceOffer",
        verbose_name=_("layanan di direktori"),
        on_delete=models.SET_NULL,
        related_name="referrals",
        null=True,
        blank=True,
    )
    holds_capacity = models.BooleanField(
        default=False,
        editable=False,
        help_text="True while this referral holds one place of its offer's capacity.",
    )
    reason = models.TextField(_("alasan rujukan"))
    urgency = models.CharField(
        _("urgensi"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    shared_summary = models.TextField(
        _("ringkasan yang dibagikan"),
        help_text=_("Hanya ringkasan ini dan identitas penerima manfaat yang dilihat penerima."),
    )
    legal_basis = models.CharField(
        _("dasar berbagi data"), max_length=20, choices=LegalBasis.choices
    )
    consent_note = models.CharField(_("keterangan persetujuan"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.PENDING
    )
    due_at = models.DateTimeField(_("batas waktu"))
    is_overdue = models.BooleanField(_("terlambat"), default=False)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("dikirim"))
    decided_at = models.DateTimeField(_("diputuskan"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decision_reason = models.TextField(_("alasan keputusan"), blank=True)
    completed_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    outcome = models.TextField(_("hasil"), blank=True)
    service_delivery = models.OneToOneField(
        ServiceDelivery,
        on_delete=models.SET_NULL,
        related_name="referral",
        null=True,
        blank=True,
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("rujukan")
        verbose_name_plural = _("rujukan")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["to_org", "status", "-created_at"], name="ref_to_status_idx"),
            models.Index(fields=["from_org", "status", "-created_at"], name="ref_from_status_idx"),
            models.Index(fields=["to_org", "-created_at", "-id"], name="ref_to_created_idx"),
            models.Index(fields=["from_org", "-created_at", "-id"], name="ref_from_created_idx"),
            models.Index(fields=["status", "due_at"], name="ref_status_due_idx"),
            models.Index(fields=["case", "-created_at"], name="ref_case_idx"),
            models.Index(fields=["updated_at", "id"], name="ref_updated_idx"),
        ]
        constraints = [
            # A case has at most one transfer waiting for a decision.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(kind="transfer", status="pending"),
                name="ref_one_pending_transfer_per_case",
            ),
            # At most one pending referral of a case to an organization for a service
            # (a retried or doubled submit; referrals/services/creation.py explains).
            models.UniqueConstraint(
                fields=["case", "to_org", "service_type"],
                condition=Q(status="pending"),
                name="ref_one_pending_per_case_org_service",
                violation_error_message=_(
                    "Kasus ini sudah punya rujukan ke organisasi ini untuk layanan yang sama "
                    "yang masih menunggu keputusan."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.number


class ReferralNumberSequence(models.Model):
    """The last serial used for referral numbers of one sending region and year
    ("RJ/64.72/2026/000123"); incremented under a row lock so numbers never repeat."""

    region_code = models.CharField(max_length=13)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region_code", "year"], name="ref_number_seq_unique")
        ]

    def __str__(self) -> str:
        return f"RJ/{self.region_code}/{self.year}: {self.last}"


class ReferralMessage(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("pesan"))
    created_at = models.DateTimeField(_("waktu"), db_index=True)

    class Meta:
        verbose_name = _("pesan rujukan")
        verbose_name_plural = _("pesan rujukan")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:60]


class NotificationKind(models.TextChoices):
    NEW_REFERRAL = "new_referral", _("Rujukan baru")
    DECISION = "decision", _("Keputusan rujukan")
    MESSAGE = "message", _("Pesan baru")
    OVERDUE = "overdue", _("Rujukan terlambat")
    COMPLETED = "completed", _("Rujukan selesai")
    CANCELLED = "cancelled", _("Rujukan dibatalkan")


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="notifications", null=True, blank=True
    )
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notifikasi")
        verbose_name_plural = _("notifikasi")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notif_user_unread_idx")]

    def __str__(self) -> str:
        return self.text


class ServiceOffer(models.Model):
    """A service an organization publishes in the directory, with free capacity."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisasi"),
        on_delete=models.CASCADE,
        related_name="service_offers",
    )
    service_type = models.ForeignKey(
        ServiceType, verbose_name=_("jenis layanan"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("nama layanan"), max_length=200)
    description = models.TextField(_("keterangan"), blank=True)
    regencies = models.ManyToManyField(
        Region, verbose_name=_("kabupaten/kota yang dilayani"), related_name="+"
    )
    capacity_total = models.PositiveIntegerField(_("kapasitas total"), null=True, blank=True)
    capacity_free = models.PositiveIntegerField(_("kapasitas tersedia"), null=True, blank=True)
    capacity_updated_at = models.DateTimeField(_("kapasitas diperbarui"), null=True, blank=True)
    capacity_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("layanan di direktori")
        verbose_name_plural = _("direktori layanan")
        ordering = ["service_type__sort_order", "organization__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity_free__isnull=True)
                | Q(capacity_total__isnull=True)
                | Q(capacity_free__lte=models.F("capacity_total")),
                name="offer_free_within_total",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.organization}"
