"""The transactional outbox: every effect of a committed change, written in the
change's own transaction and sent later by outbox.dispatch (at least once).

A row is pending while `sent_at` and `dead_at` are both empty. Rows of one `shard`
are sent in order (by id): row N+1 waits while row N is retrying, so a shard is a
scope that may fail on its own (`webhook:<endpoint id>`, `email`, `stats`).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization

PENDING = Q(sent_at__isnull=True, dead_at__isnull=True)


class OutboxEvent(models.Model):
    event_id = models.UUIDField(_("ID peristiwa"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("jenis"), max_length=40)
    shard = models.CharField(_("antrean"), max_length=80)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisasi"),
        on_delete=models.CASCADE,
        related_name="outbox_events",
        null=True,
        blank=True,
        help_text=_("Organisasi yang dituju efek ini, bila ada."),
    )
    payload = models.JSONField(_("isi"), default=dict)
    available_at = models.DateTimeField(_("dikirim mulai"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    # Internal: may name hosts, exceptions; never shown to partners.
    last_error = models.TextField(_("galat terakhir (internal)"), blank=True)
    # SQLite has no SKIP LOCKED: there a dispatcher claims a row by a lease.
    locked_until = models.DateTimeField(_("diklaim sampai"), null=True, blank=True)
    sent_at = models.DateTimeField(_("terkirim"), null=True, blank=True)
    dead_at = models.DateTimeField(_("gagal permanen"), null=True, blank=True)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)

    class Meta:
        verbose_name = _("efek tertunda")
        verbose_name_plural = _("efek tertunda")
        ordering = ["id"]
        indexes = [
            # the head of each shard (the oldest pending row)
            models.Index(
                fields=["shard", "id"], name="outbox_pending_shard_idx", condition=PENDING
            ),
            # the due scan and the lag
            models.Index(fields=["available_at"], name="outbox_pending_due_idx", condition=PENDING),
            models.Index(
                fields=["dead_at"], name="outbox_dead_idx", condition=Q(dead_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_id}"

    @property
    def state(self) -> str:
        if self.sent_at:
            return "sent"
        if self.dead_at:
            return "dead"
        return "retrying" if self.attempts else "pending"
