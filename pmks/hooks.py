"""Explicit, settings-wired hooks that let lower apps tell higher ones about writes
without importing them (arrows point one way: stats and api read cases/referrals,
never the reverse).

Services call `data_changed(...)` after writing cases, beneficiaries, services or
referrals, and `referral_event(...)` when something happens to a referral that an
organization should hear about. The handlers listed in settings run after the
transaction commits (never for a rolled-back write):

    DATA_CHANGE_HANDLERS = ["stats.tasks.request_refresh"]
    REFERRAL_EVENT_HANDLERS = ["api.webhooks.on_referral_event"]

A handler is a plain function; it should be cheap (enqueue a Celery task).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@cache
def _handlers(setting: str) -> tuple[Callable[..., Any], ...]:
    return tuple(import_string(path) for path in getattr(settings, setting, ()))


def _run_on_commit(setting: str, *args: Any) -> None:
    for handler in _handlers(setting):

        def call(handler: Callable[..., Any] = handler) -> None:
            try:
                handler(*args)
            except Exception:  # a failing observer must never break the write
                logger.exception("hook %s failed for %r", handler, args)

        transaction.on_commit(call)


def data_changed(model: str, pk: int | None = None) -> None:
    """A case, beneficiary, service or referral row was written."""
    _run_on_commit("DATA_CHANGE_HANDLERS", model, pk)


def referral_event(event: str, referral_id: int) -> None:
    """`event` is one of new_referral, decision, message, overdue, completed, cancelled."""
    _run_on_commit("REFERRAL_EVENT_HANDLERS", event, referral_id)
