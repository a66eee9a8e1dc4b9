"""API keys of organizations and the webhooks they register.

A key belongs to one organization and acts as that organization's integration
user (`OrganizationAPIKey.user`, made or reused by `api.services.api_key_create`),
so every service called through the API receives a real `User` whose role and
organization decide what it may do, exactly as for a person in the browser.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey

from accounts.models import Organization
from pmks.outbound import validate_url


class OrganizationAPIKey(AbstractAPIKey):
    """Stored hashed by djangorestframework-api-key; the clear key is shown once."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisasi"),
        on_delete=models.CASCADE,
        related_name="api_keys",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("bertindak sebagai"),
        on_delete=models.PROTECT,
        related_name="api_keys",
        help_text=_("Pengguna integrasi organisasi; perannya menentukan hak kunci ini."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuat oleh"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    last_used_at = models.DateTimeField(_("terakhir dipakai"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("dicabut pada"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dicabut oleh"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("kunci API")
        verbose_name_plural = _("kunci API")
        ordering = ["-created"]
        indexes = [models.Index(fields=["organization", "-created"], name="apikey_org_created_idx")]


class WebhookEvent(models.TextChoices):
    NEW_REFERRAL = "new_referral", _("Rujukan baru")
    DECISION = "decision", _("Keputusan rujukan")
    MESSAGE = "message", _("Pesan baru")
    OVERDUE = "overdue", _("Rujukan terlambat")
    COMPLETED = "completed", _("Rujukan selesai")
    CANCELLED = "cancelled", _("Rujukan dibatalkan")


class DeliveryEvent(models.TextChoices):
    """What a delivery carries: an event above, or a `ping` (a test sent on request)."""

    NEW_REFERRAL = "new_referral", _("Rujukan baru")
    DECISION = "decision", _("Keputusan rujukan")
    MESSAGE = "message", _("Pesan baru")
    OVERDUE = "overdue", _("Rujukan terlambat")
    COMPLETED = "completed", _("Rujukan selesai")
    CANCELLED = "cancelled", _("Rujukan dibatalkan")
    PING = "ping", _("Ping (uji)")


def all_webhook_events() -> list[str]:
    return [event.value for event in WebhookEvent]


class WebhookEndpoint(models.Model):
    """A URL of an organization's system that hears about its referrals.

    The secret signs every delivery (HMAC-SHA256); it has to be kept in clear to
    sign, and is shown to the organization once, when the endpoint is created.
    """

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisasi"),
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
    )
    # https to a public address (pmks/outbound.py); checked again at each delivery
    url = models.URLField(_("URL"), max_length=500, validators=[validate_url])
    secret = models.CharField(_("rahasia penandatanganan"), max_length=80, editable=False)
    # After a rotation the old secret still signs (a second v1=) until it expires.
    previous_secret = models.CharField(
        _("rahasia sebelumnya"), max_length=80, blank=True, editable=False
    )
    previous_secret_expires_at = models.DateTimeField(
        _("rahasia sebelumnya berlaku sampai"), null=True, blank=True, editable=False
    )
    events = models.JSONField(_("peristiwa"), default=all_webhook_events)
    description = models.CharField(_("keterangan"), max_length=200, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhook")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "is_active"], name="webhook_org_active_idx")
        ]
        constraints = [
            # one active endpoint per URL and organization (a duplicate got every event twice)
            models.UniqueConstraint(
                fields=["organization", "url"],
                condition=models.Q(is_active=True),
                name="webhook_org_url_active_uniq",
                violation_error_message=_(
                    "URL ini sudah terdaftar sebagai webhook organisasi ini."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.url

    def signing_secrets(self, now: dt.datetime) -> list[str]:
        """The current secret, then the previous one while its overlap lasts."""
        expires = self.previous_secret_expires_at
        if self.previous_secret and expires is not None and now < expires:
            return [self.secret, self.previous_secret]
        return [self.secret]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Menunggu")
    RETRYING = "retrying", _("Dicoba ulang")
    SUCCEEDED = "succeeded", _("Terkirim")
    FAILED = "failed", _("Gagal")


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one endpoint, with its attempts.

    `event_id` names the event: the receiver's key for deduplication. A delivery made
    for an event has event_id == delivery_id; a redelivery or replay is a new delivery
    (`redelivery_of` names the first one) that carries the same event_id.
    """

    delivery_id = models.UUIDField(_("ID pengiriman"), default=uuid.uuid4, unique=True)
    event_id = models.UUIDField(_("ID peristiwa"), db_index=True, editable=False)
    # the delivery_id of the event's first delivery, for a redelivery or a replay
    redelivery_of = models.UUIDField(
        _("pengiriman ulang dari"), null=True, blank=True, editable=False
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("webhook"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    event = models.CharField(_("peristiwa"), max_length=20, choices=DeliveryEvent.choices)
    referral_id = models.BigIntegerField(_("ID rujukan"), null=True, blank=True)
    payload = models.JSONField(_("isi"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    last_error = models.TextField(_("galat terakhir"), blank=True)
    response_code = models.PositiveSmallIntegerField(_("kode respons"), null=True, blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("percobaan terakhir"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("percobaan berikutnya"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("terkirim"), null=True, blank=True)

    class Meta:
        verbose_name = _("pengiriman webhook")
        verbose_name_plural = _("pengiriman webhook")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["organization", "-created_at", "-id"], name="delivery_org_created_idx"
            ),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_status_next_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.event_id is None:  # a first delivery: the event is named by it
            self.event_id = self.delivery_id
        super().save(*args, **kwargs)
