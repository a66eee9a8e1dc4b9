"""The conversation thread of a referral."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.policy import (
    may_post_referral_message,
)
from pmks.errors import (
    NotAllowed,
)
from referrals.models import (
    NotificationKind,
    Referral,
    ReferralMessage,
)
from referrals.services.notify import _both_sides, _notify, _written


@transaction.atomic
def referral_message_post(*, actor: User, referral: Referral, body: str) -> ReferralMessage:
    body = (body or "").strip()
    if not may_post_referral_message(actor, referral):
        raise NotAllowed(_("Hanya kedua organisasi dalam rujukan ini yang dapat berkirim pesan."))
    organization = actor.organization
    assert organization is not None  # a participant acts for one of the two organizations
    if not body:
        raise ValidationError({"body": _("Pesan tidak boleh kosong.")})
    now = timezone.now()
    message = ReferralMessage(
        referral=referral, author=actor, author_org=organization, body=body, created_at=now
    )
    message.full_clean()
    message.save()
    Referral.objects.filter(pk=referral.pk).update(updated_at=now)
    _notify(
        referral=referral,
        kind=NotificationKind.MESSAGE,
        text=_("Pesan baru pada rujukan %(number)s dari %(org)s.")
        % {"number": referral.number, "org": organization.name},
        organization_ids=_both_sides(referral),
        exclude=actor,
        at=now,
    )
    _written(referral, "message")
    return message
