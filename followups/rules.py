"""The rules that make follow-ups by themselves.

- a case is opened: an assessment, due `case_opened_days` (3) after the opening
  day, `case_opened_urgent_days` (1) for priority urgent; for the case's assignee,
  else the opener;
- a referral is completed: an after-referral check in `referral_completed_days`
  (14); for the case's assignee;
- a transfer is accepted (the case taken over): first contact within
  `transfer_days` (7); for the new assignee;
- a plan is approved (`plan_approved`, called by the case plans): a plan review on
  the review date given, else in `plan_review_days` (90); for the case's assignee.

The numbers are settings.FOLLOWUP_RULES (environment FOLLOWUP_*_DAYS).

How they are wired. The events reach us through pmks/hooks.py, the settings-wired
hooks that the lower apps already call where the event happens, so `cases` and
`referrals` never import this app (tests/test_architecture.py):

    CASE_EVENT_HANDLERS = ["followups.rules.on_case_event"]        # "opened" in case_open
    REFERRAL_EVENT_HANDLERS += ["followups.rules.on_referral_event"]  # "completed", "decision"

Why a hook and not an outbox row: the follow-up is a row in our own database, so it
is written in the event's own transaction, at once. It commits with the case or the
referral decision, or vanishes with it; nothing waits for a worker, and nothing can
be lost or sent twice between the two. (The outbox exists for effects outside the
transaction: e-mail, webhooks, the statistics refresh.) Transfers are seen as the
referral's "decision" event (an accepted transfer is the only way a case changes
owner: cases/services/transfer.py says so), so the transfer service is not touched.

Idempotent: each rule's follow-up carries a `rule_key` naming the event
("opened", "referral:12", "transfer:12", "plan:7:2027-03-01") and (case, rule_key)
is unique; an event seen again finds its follow-up and makes no second one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Case, Priority
from followups.models import FollowUp, FollowUpKind, FollowUpSource


def rule_days(name: str) -> int:
    return int(settings.FOLLOWUP_RULES[name])


def _make(
    *,
    case: Case,
    rule_key: str,
    kind: str,
    due_date: dt.date,
    assignee_id: int | None,
    actor: User | None = None,
) -> FollowUp | None:
    """The rule's follow-up, once per (case, rule_key); None when it exists already."""
    if FollowUp.objects.filter(case_id=case.pk, rule_key=rule_key).exists():
        return None
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin loses cleanly
            return FollowUp.objects.create(
                case_id=case.pk,
                rule_key=rule_key,
                kind=kind,
                due_date=due_date,
                assignee_id=assignee_id,
                source=FollowUpSource.RULE,
                created_by=actor,
            )
    except IntegrityError:
        return None


def _today() -> dt.date:
    return timezone.localdate()


# --- the hooks -------------------------------------------------------------------


def on_case_event(event: str, case_id: int) -> None:
    """Handler of pmks.hooks.case_event, in the writer's transaction."""
    if event == "opened":
        case_opened(Case.objects.get(pk=case_id))


def on_referral_event(event: str, referral_id: int) -> None:
    """Handler of pmks.hooks.referral_event, in the referral's transaction."""
    if event not in ("completed", "decision"):
        return
    # Read by name through the app registry: referrals sits beside us, and we need
    # only four columns of it.
    from django.apps import apps

    referral = (
        apps.get_model("referrals", "Referral")
        .objects.select_related("case")
        .only("kind", "status", "case")
        .get(pk=referral_id)
    )
    if event == "completed" and referral.status == "completed":
        referral_completed(referral.case, referral_id=referral_id)
    elif event == "decision" and referral.kind == "transfer" and referral.status == "accepted":
        case_taken_over(referral.case, referral_id=referral_id)


# --- the rules -------------------------------------------------------------------


def case_opened(case: Case) -> FollowUp | None:
    """An assessment within 3 days of opening (1 day when urgent)."""
    days = rule_days(
        "case_opened_urgent_days" if case.priority == Priority.URGENT else "case_opened_days"
    )
    opened_on = timezone.localdate(case.opened_at)
    return _make(
        case=case,
        rule_key="opened",
        kind=FollowUpKind.ASSESSMENT,
        due_date=opened_on + dt.timedelta(days=days),
        assignee_id=case.assigned_to_id or case.created_by_id,
        actor=case.created_by,
    )


def referral_completed(case: Case, *, referral_id: int) -> FollowUp | None:
    """A check on the person 14 days after a referral is completed."""
    return _make(
        case=case,
        rule_key=f"referral:{referral_id}",
        kind=FollowUpKind.REFERRAL_CHECK,
        due_date=_today() + dt.timedelta(days=rule_days("referral_completed_days")),
        assignee_id=case.assigned_to_id,
    )


def case_taken_over(case: Case, *, referral_id: int) -> FollowUp | None:
    """First contact within 7 days by the new owner. The case's open follow-ups go
    to the new assignee (or wait unassigned for the new office's supervisor): the
    former office no longer works the case."""
    FollowUp.objects.open().filter(case_id=case.pk).exclude(
        rule_key=f"transfer:{referral_id}"
    ).update(assignee_id=case.assigned_to_id)
    return _make(
        case=case,
        rule_key=f"transfer:{referral_id}",
        kind=FollowUpKind.FIRST_CONTACT,
        due_date=_today() + dt.timedelta(days=rule_days("transfer_days")),
        assignee_id=case.assigned_to_id,
    )


def plan_approved(
    plan_or_case: Any, review_date: dt.date | None, actor: User | None
) -> FollowUp | None:
    """For the case plans: call when a plan (version) is approved.

    `plan_or_case` is the approved plan (anything with `.case` or `.case_id` and a
    `pk`) or the case itself; `review_date` the review date set on approval (None:
    `plan_review_days` from today). One review per plan and review date: approving
    the same version again makes nothing new; a new approval with a new review date
    makes the next review. The plan's earlier open reviews are superseded, closed
    with a note."""
    if isinstance(plan_or_case, Case):
        case, plan_key = plan_or_case, "case"
    else:
        case = getattr(plan_or_case, "case", None) or Case.objects.get(pk=plan_or_case.case_id)
        plan_key = str(plan_or_case.pk)
    if review_date is None:
        review_date = _today() + dt.timedelta(days=rule_days("plan_review_days"))
    made = _make(
        case=case,
        rule_key=f"plan:{plan_key}:{review_date.isoformat()}",
        kind=FollowUpKind.PLAN_REVIEW,
        due_date=review_date,
        assignee_id=case.assigned_to_id,
        actor=actor,
    )
    if made is not None:
        FollowUp.objects.open().filter(
            case_id=case.pk, kind=FollowUpKind.PLAN_REVIEW, source=FollowUpSource.RULE
        ).exclude(pk=made.pk).update(
            done_at=timezone.now(), result=_("Digantikan oleh tinjauan rencana yang baru.")
        )
    return made


def plan_review_done(followup: FollowUp) -> FollowUp | None:
    """A plan review made by the rule is done: the next one, `plan_review_days`
    after the day it was done ("review every 90 days"), once."""
    if followup.source != FollowUpSource.RULE or not followup.rule_key.startswith("plan:"):
        return None
    plan_key = followup.rule_key.split(":")[1]
    done_on = timezone.localdate(followup.done_at)
    next_date = done_on + dt.timedelta(days=rule_days("plan_review_days"))
    case = Case.objects.get(pk=followup.case_id)
    return _make(
        case=case,
        rule_key=f"plan:{plan_key}:{next_date.isoformat()}",
        kind=FollowUpKind.PLAN_REVIEW,
        due_date=next_date,
        assignee_id=case.assigned_to_id,
        actor=followup.done_by,
    )
