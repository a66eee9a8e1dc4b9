"""SLA: the due date by urgency and the overdue sweep (beat).

The sweep claims each row with `overdue_notified_at IS NULL` before notifying.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from referrals.models import (
    NotificationKind,
    Referral,
    ReferralStatus,
)
from referrals.services.notify import _both_sides, _notify, _written
from referrals.services.transitions import _when


def due_at_for(urgency: str, *, start: dt.datetime) -> dt.datetime:
    days = settings.REFERRAL_SLA_DAYS.get(urgency, settings.REFERRAL_SLA_DAYS["normal"])
    return start + dt.timedelta(days=days)


def mark_overdue_referrals(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Flag pending referrals past their due date and notify both sides, once.

    Only pending referrals count: the SLA is the time to answer. Each row is
    claimed with a conditional UPDATE (overdue_notified_at IS NULL) in its own
    transaction together with its notifications, so two workers running at once
    never notify twice and a crash leaves the row for the next run.
    Returns the number of referrals this run marked.
    """
    now = now or timezone.now()
    candidates = list(
        Referral.objects.filter(
            status=ReferralStatus.PENDING, due_at__lt=now, overdue_notified_at__isnull=True
        )
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    marked = 0
    for pk in candidates:
        with transaction.atomic():
            claimed = Referral.objects.filter(
                pk=pk, status=ReferralStatus.PENDING, overdue_notified_at__isnull=True
            ).update(is_overdue=True, overdue_notified_at=now, updated_at=now)
            if claimed != 1:
                continue
            # case: the sending side of a service referral is its owner now
            referral = Referral.objects.select_related("case", "from_org", "to_org").get(pk=pk)
            _notify(
                referral=referral,
                kind=NotificationKind.OVERDUE,
                text=_("Rujukan %(number)s ke %(org)s melewati batas waktu %(due)s.")
                % {
                    "number": referral.number,
                    "org": referral.to_org.name,
                    "due": _when(referral.due_at),
                },
                organization_ids=_both_sides(referral),
                at=now,
            )
            _written(referral, "overdue")
            marked += 1
    return marked
