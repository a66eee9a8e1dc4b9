"""The table of idempotency keys: one row per (scope, key), holding the first
successful answer to the request sent with that key.

The API's POSTs use it (api/idempotency.py; entries of API keys and users last
API_TTL). The offline sync, when it comes, reuses this table for its queued
writes (OFFLINE_SYNC_TTL). Expired rows are deleted by
idempotency.tasks.purge_expired_idempotency_keys (beat, hourly).
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

API_TTL = dt.timedelta(hours=24)
OFFLINE_SYNC_TTL = dt.timedelta(days=30)


class IdempotencyKey(models.Model):
    # Whose key it is: "key:<API key prefix>", "user:<pk>", or the offline sync's
    # device scope. Two clients never share a key's answer.
    scope = models.CharField(_("lingkup"), max_length=100)
    key = models.CharField(_("kunci"), max_length=255)
    method = models.CharField(_("metode"), max_length=10)
    path = models.CharField(_("alamat"), max_length=500)
    body_hash = models.CharField(_("sidik isi"), max_length=64, help_text="SHA-256 of the body")
    # null while the first request is still running
    response_status = models.PositiveSmallIntegerField(_("status jawaban"), null=True, blank=True)
    response_body = models.TextField(_("isi jawaban"), blank=True)
    response_headers = models.JSONField(_("header jawaban"), default=dict, blank=True)
    created_at = models.DateTimeField(_("dibuat"))
    expires_at = models.DateTimeField(_("kedaluwarsa"), db_index=True)

    class Meta:
        verbose_name = _("kunci idempotensi")
        verbose_name_plural = _("kunci idempotensi")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idem_one_row_per_scope_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"

    @property
    def in_progress(self) -> bool:
        return self.response_status is None
