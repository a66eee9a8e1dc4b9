"""The referrals block of the home pages (pmks/home.py adds it)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from referrals.filters import overdue_q
from referrals.models import ReferralStatus
from referrals.selectors import Box, box_queryset, boxes_for


def referrals_home(user: Any) -> dict[str, Any] | None:
    """Waiting and overdue referrals in the user's inbox and outbox (one query per box)."""
    boxes = [box for box in boxes_for(user) if box in (Box.INBOX, Box.OUTBOX)]
    if not boxes:
        return None
    blocks: dict[str, Any] = {}
    for box in boxes:
        blocks[box] = box_queryset(user, box).aggregate(
            pending=Count("pk", filter=Q(status=ReferralStatus.PENDING)),
            overdue=Count("pk", filter=overdue_q()),
            accepted=Count("pk", filter=Q(status=ReferralStatus.ACCEPTED)),
        )
    return blocks
