"""The referral e-mail: one message per recipient, naming the referral, never the person.

The Celery task lives here (named "referrals.tasks.send_referral_email") so that the
services can enqueue it without importing referrals/tasks.py, which imports the
services: the dependency goes one way (tasks -> services -> emails).
"""

from __future__ import annotations

from smtplib import SMTPException
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from referrals.models import Referral


def handle_referral_email(event: Any) -> None:
    """Outbox handler of kind "email" (settings.OUTBOX_HANDLERS): the e-mails of one
    notification. An SMTP error raises and the outbox retries the row later."""
    send_referral_emails(**event.payload)


@shared_task(
    name="referrals.tasks.send_referral_email",
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def send_referral_email(*, referral_id: int, kind: str, text: str, user_ids: list[int]) -> int:
    """Messages queued before the outbox (and tasks' callers): send now."""
    return send_referral_emails(referral_id=referral_id, kind=kind, text=text, user_ids=user_ids)


def send_referral_emails(*, referral_id: int, kind: str, text: str, user_ids: list[int]) -> int:
    """One e-mail per recipient, through the backend from settings.

    The e-mail names the referral and what happened, never the beneficiary:
    personal data stays behind the login.
    """
    referral = Referral.objects.filter(pk=referral_id).only("pk", "number").first()
    if referral is None:
        return 0
    recipients = list(
        User.objects.filter(pk__in=user_ids, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return 0
    link = settings.SITE_URL.rstrip("/") + reverse("referrals:detail", args=[referral.pk])
    subject = _("[PMKS Kaltim] %(text)s") % {"text": text}
    body = "\n\n".join(
        [
            text,
            _("Buka rujukan %(number)s: %(link)s") % {"number": referral.number, "link": link},
            _("Pesan ini dikirim otomatis oleh PMKS Kaltim; jangan dibalas."),
        ]
    )
    messages = [
        EmailMessage(subject=subject[:200], body=body, to=[address]) for address in recipients
    ]
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
