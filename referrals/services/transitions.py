"""The shared decision core: the transition table (TRANSITIONS), who may make a move
(allowed_actions, asking accounts.policy) and the one conditional UPDATE that makes it.

Concurrency: a decision is a conditional UPDATE (`status = <from>` in the WHERE
clause) and its row count says who won; the loser gets AlreadyDecided naming who
decided and when.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.policy import (
    may_act_on_referral,
)
from pmks.errors import (
    AlreadyDecided,
    NotAllowed,
    TransitionNotAllowed,
    VersionConflict,
)
from referrals.models import (
    Referral,
    ReferralKind,
    ReferralStatus,
)


class Action:
    ACCEPT = "accept"
    DECLINE = "decline"
    CANCEL = "cancel"
    COMPLETE = "complete"


class Side:
    RECEIVER = "receiver"
    SENDER = "sender"


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    side: str  # who may make the move
    kinds: tuple[str, ...]  # which kinds of referral it applies to


TRANSITIONS: dict[str, Transition] = {
    Action.ACCEPT: Transition(
        ReferralStatus.PENDING,
        ReferralStatus.ACCEPTED,
        Side.RECEIVER,
        (ReferralKind.TRANSFER, ReferralKind.SERVICE),
    ),
    Action.DECLINE: Transition(
        ReferralStatus.PENDING,
        ReferralStatus.DECLINED,
        Side.RECEIVER,
        (ReferralKind.TRANSFER, ReferralKind.SERVICE),
    ),
    Action.CANCEL: Transition(
        ReferralStatus.PENDING,
        ReferralStatus.CANCELLED,
        Side.SENDER,
        (ReferralKind.TRANSFER, ReferralKind.SERVICE),
    ),
    # A transfer is finished when it is accepted (the case has moved); only a
    # service referral has an outcome to report.
    Action.COMPLETE: Transition(
        ReferralStatus.ACCEPTED,
        ReferralStatus.COMPLETED,
        Side.RECEIVER,
        (ReferralKind.SERVICE,),
    ),
}


def allowed_actions(user: Any, referral: Referral) -> list[str]:
    """The moves this user may make on the referral now (for the buttons)."""
    actions = []
    for action, transition in TRANSITIONS.items():
        if referral.status != transition.source or referral.kind not in transition.kinds:
            continue
        if may_act_on_referral(user, referral, transition.side):
            actions.append(action)
    return actions


def _check_may(actor: User, referral: Referral, action: str) -> Transition:
    transition = TRANSITIONS[action]
    if referral.kind not in transition.kinds:
        raise TransitionNotAllowed(
            _("Pemindahan kasus selesai saat diterima; tidak ada hasil yang dilaporkan.")
        )
    if not may_act_on_referral(actor, referral, transition.side):
        if transition.side == Side.RECEIVER:
            raise NotAllowed(_("Hanya organisasi penerima yang dapat memutuskan rujukan ini."))
        if referral.kind == ReferralKind.SERVICE:
            raise NotAllowed(
                _("Hanya kantor pemilik kasus saat ini yang dapat membatalkan rujukan layanan ini.")
            )
        raise NotAllowed(_("Hanya kantor pengirim yang dapat membatalkan rujukan ini."))
    return transition


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return "-"
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _refusal(current: Referral, action: str) -> Exception:
    """The error for a move whose source status no longer holds."""
    transition = TRANSITIONS[action]
    decided = current.status != ReferralStatus.PENDING and (
        transition.source == ReferralStatus.PENDING or current.status == ReferralStatus.COMPLETED
    )
    if not decided:
        return TransitionNotAllowed(
            _("Rujukan berstatus “%(status)s” tidak dapat diproses dengan tindakan ini.")
            % {"status": current.get_status_display()}
        )
    if current.status == ReferralStatus.COMPLETED:
        who, when = current.completed_by, current.completed_at
    else:
        who, when = current.decided_by, current.decided_at
    who_text, decided_by = _("pengguna lain"), None
    if who is not None:
        org = who.organization.name if who.organization is not None else ""
        who_text = f"{who.display_name} ({org})" if org else who.display_name
        decided_by = {"id": who.pk, "name": who.display_name, "organization": org or None}
    return AlreadyDecided(
        _("Rujukan ini sudah %(status)s oleh %(who)s pada %(when)s.")
        % {
            "status": current.get_status_display().lower(),
            "who": who_text,
            "when": _when(when),
        },
        status=current.status,
        decided_by=decided_by,
        decided_at=timezone.localtime(when).isoformat() if when else None,
    )


def _move(
    *,
    actor: User,
    referral: Referral,
    action: str,
    expected_version: int | None,
    **fields: Any,
) -> Referral:
    """Apply one transition with a conditional UPDATE; exactly one concurrent mover wins."""
    transition = _check_may(actor, referral, action)
    if referral.status != transition.source:
        raise _refusal(_fresh(referral.pk), action)
    now = fields.pop("now")
    rows = Referral.objects.filter(pk=referral.pk, status=transition.source)
    if expected_version is not None:
        rows = rows.filter(version=expected_version)
    updated = rows.update(
        status=transition.target, version=F("version") + 1, updated_at=now, **fields
    )
    if updated != 1:
        current = _fresh(referral.pk)
        if current.status != transition.source:
            raise _refusal(current, action)
        raise VersionConflict(
            _("Rujukan ini sudah diubah orang lain. Muat ulang halaman lalu coba lagi."),
            current=current,
        )
    referral.refresh_from_db()
    return referral


def _fresh(pk: int) -> Referral:
    return Referral.objects.select_related(
        "decided_by__organization", "completed_by__organization"
    ).get(pk=pk)
