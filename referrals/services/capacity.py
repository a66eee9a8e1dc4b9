"""The service directory's free capacity: taken with `capacity_free = capacity_free - 1
WHERE capacity_free > 0` and returned once (guarded by `holds_capacity`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.policy import (
    may_update_offer,
)
from pmks.errors import (
    CapacityExhausted,
    NotAllowed,
    VersionConflict,
)
from referrals.models import (
    Referral,
    ServiceOffer,
)


def _take_place(offer_id: int, *, now: dt.datetime) -> None:
    taken = ServiceOffer.objects.filter(pk=offer_id, capacity_free__gt=0).update(
        capacity_free=F("capacity_free") - 1, capacity_updated_at=now
    )
    if taken != 1:
        offer = ServiceOffer.objects.select_related("organization").get(pk=offer_id)
        raise CapacityExhausted(
            _(
                "Kapasitas “%(offer)s” di %(org)s sudah penuh. Perbarui kapasitas "
                "di direktori layanan bila ada tempat kosong, atau tolak rujukan ini."
            )
            % {"offer": offer.name, "org": offer.organization.name}
        )


def _release_place(referral: Referral, *, now: dt.datetime) -> None:
    """Give the place back once: only the update that clears holds_capacity returns it."""
    if not referral.offer_id:
        return
    released = Referral.objects.filter(pk=referral.pk, holds_capacity=True).update(
        holds_capacity=False
    )
    if released == 1:
        ServiceOffer.objects.filter(pk=referral.offer_id, capacity_free__isnull=False).filter(
            Q(capacity_total__isnull=True) | Q(capacity_free__lt=F("capacity_total"))
        ).update(capacity_free=F("capacity_free") + 1, capacity_updated_at=now)
        referral.holds_capacity = False


NOT_CHECKED: Any = object()


@transaction.atomic
def offer_update_capacity(
    *,
    actor: User,
    offer: ServiceOffer,
    capacity_free: int,
    capacity_total: int | None = None,
    expected_free: int | None = NOT_CHECKED,
) -> ServiceOffer:
    """Set an offer's capacity. With `expected_free` (the free places the user saw),
    VersionConflict when it changed meanwhile: an acceptance took a place, and
    saving the old figure would give back a place that is occupied."""
    if not may_update_offer(actor, offer):
        raise NotAllowed(_("Hanya staf organisasi pemilik layanan yang dapat memperbarui."))
    offer = ServiceOffer.objects.select_for_update().get(pk=offer.pk)
    if expected_free is not NOT_CHECKED and offer.capacity_free != expected_free:
        raise VersionConflict(
            _(
                "Kapasitas baru saja berubah (misalnya karena rujukan diterima): sekarang "
                "%(now)s tersedia. Isian Anda (%(yours)s) belum disimpan; periksa lalu simpan "
                "lagi."
            )
            % {
                "now": "-" if offer.capacity_free is None else offer.capacity_free,
                "yours": capacity_free,
            },
            current=offer,
        )
    if capacity_total is not None:
        offer.capacity_total = capacity_total
    offer.capacity_free = capacity_free
    if capacity_free is None or capacity_free < 0:
        raise ValidationError({"capacity_free": _("Kapasitas tersedia tidak boleh negatif.")})
    if offer.capacity_total is not None and capacity_free > offer.capacity_total:
        raise ValidationError(
            {"capacity_free": _("Kapasitas tersedia tidak boleh melebihi kapasitas total.")}
        )
    offer.capacity_updated_at = timezone.now()
    offer.capacity_updated_by = actor
    offer.full_clean()
    offer.save(
        update_fields=[
            "capacity_total",
            "capacity_free",
            "capacity_updated_at",
            "capacity_updated_by",
        ]
    )
    return offer
