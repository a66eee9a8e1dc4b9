"""Explicit, settings-wired hooks that let lower apps tell higher ones about writes
without importing them (arrows point one way: stats and api read cases/referrals,
never the reverse).

Services call `data_changed(...)` after writing cases, beneficiaries, services or
referrals, and `referral_event(...)` when something happens to a referral that an
organization should hear about. The handlers listed in settings run at once, in
the caller's transaction, and record what must happen as outbox rows
(outbox.services.outbox_write): the rows commit with the change or vanish with
it, and the outbox dispatcher sends them after the commit (at least once).

    DATA_CHANGE_HANDLERS = ["stats.tasks.mark_dirty"]
    REFERRAL_EVENT_HANDLERS = ["api.webhooks.on_referral_event"]
    CASE_EVENT_HANDLERS = ["followups.rules.on_case_event"]

A handler is a plain function that writes rows; it sends nothing itself. An error
in it is an error of the write (an effect is never silently dropped).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils.module_loading import import_string


@cache
def _handlers(setting: str) -> tuple[Callable[..., Any], ...]:
    return tuple(import_string(path) for path in getattr(settings, setting, ()))


def _run_in_transaction(setting: str, *args: Any) -> None:
    # The callers write inside transaction.atomic; outside one (a lone autocommit
    # write) the rows get a transaction of their own.
    handlers = _handlers(setting)
    if not handlers:
        return
    if connection.in_atomic_block:
        for handler in handlers:
            handler(*args)
        return
    with transaction.atomic():
        for handler in handlers:
            handler(*args)


def data_changed(model: str, pk: int | None = None) -> None:
    """A case, beneficiary, service or referral row was written."""
    _run_in_transaction("DATA_CHANGE_HANDLERS", model, pk)


def referral_event(event: str, referral_id: int) -> None:
    """`event` is one of new_referral, decision, message, overdue, completed, cancelled."""
    _run_in_transaction("REFERRAL_EVENT_HANDLERS", event, referral_id)


def case_event(event: str, case_id: int) -> None:
    """`event` is "opened" (case_open). Handlers may write rows of their own app in
    the caller's transaction (followups.rules makes the assessment follow-up)."""
    _run_in_transaction("CASE_EVENT_HANDLERS", event, case_id)


def closure_requested(case_id: int, actor_id: int, answers: dict[int, str] | None) -> None:
    """A closure was requested (cases.services.closure.case_request_closure) with the
    worker's answers to "was each goal of the case plan met?" by goal id (None: not
    asked, as over the API). plans.services.on_closure_requested stores them; a
    ValidationError from a handler refuses the request."""
    _run_in_transaction("CLOSURE_REQUEST_HANDLERS", case_id, actor_id, answers)
