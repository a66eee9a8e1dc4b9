"""Notifications: in-app now, e-mail after commit (referrals/emails.py), and the
hooks that tell other apps about a written referral."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from accounts.policy import (
    REFERRAL_RECEIVER_ROLES,
    referral_sending_office,
)
from outbox.services import outbox_write
from pmks.hooks import data_changed, referral_event
from referrals.models import (
    Notification,
    Referral,
)

_emails_enabled: ContextVar[bool] = ContextVar("referral_emails_enabled", default=True)


@contextmanager
def emails_suppressed() -> Iterator[None]:
    """No e-mail for what happens inside (demo seeding); in-app notifications stay."""
    token = _emails_enabled.set(False)
    try:
        yield
    finally:
        _emails_enabled.reset(token)


def _org_recipients(organization_ids: list[int], *, exclude: User | None) -> list[User]:
    users = User.objects.filter(
        organization_id__in=organization_ids,
        organization__is_active=True,
        is_active=True,
        is_integration=False,
        role__in=REFERRAL_RECEIVER_ROLES,
    ).order_by("pk")
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return list(users.only("pk", "email"))


def _notify(
    *,
    referral: Referral,
    kind: str,
    text: str,
    organization_ids: list[int],
    exclude: User | None = None,
    at: dt.datetime | None = None,
) -> int:
    """In-app notification for the organizations' users now (same transaction),
    e-mail through the outbox after commit."""
    recipients = _org_recipients(organization_ids, exclude=exclude)
    now = at or timezone.now()
    Notification.objects.bulk_create(
        Notification(user=user, kind=kind, referral=referral, text=text[:300], created_at=now)
        for user in recipients
    )
    user_ids = [user.pk for user in recipients if user.email]
    if user_ids and _emails_enabled.get():
        # An outbox row in this transaction: sent after the commit, retried while
        # the mail server is down (referrals.emails.handle_referral_email).
        with transaction.atomic(durable=False) if not connection.in_atomic_block else nullcontext():
            outbox_write(
                kind="email",
                shard="email",
                payload={
                    "referral_id": referral.pk,
                    "kind": kind,
                    "text": text,
                    "user_ids": user_ids,
                },
                organization=organization_ids[0] if len(set(organization_ids)) == 1 else None,
            )
    return len(recipients)


def _both_sides(referral: Referral) -> list[int]:
    """The sending office now (see sending_office) and the receiver."""
    return [referral_sending_office(referral)[0], referral.to_org_id]


def _written(referral: Referral, event: str | None = None) -> None:
    data_changed("referral", referral.pk)
    if event:
        referral_event(event, referral.pk)


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
