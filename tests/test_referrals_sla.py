"""The SLA sweep: pending referrals past their due date are flagged and both
sides told, once. Time is controlled by passing `now=` (or moving due_at)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from referrals import tasks
from referrals.models import Notification, Referral
from referrals.services import decisions, sla
from referrals.testing import make_case, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(orgs, alice, agnes):
    return send(alice, make_case(orgs["samarinda"]), orgs["rsud"], urgency="high")


def overdue_notices(user) -> int:
    return Notification.objects.filter(user=user, kind="overdue").count()


def test_nothing_is_overdue_before_the_due_date(referral):
    assert sla.mark_overdue_referrals(now=referral.due_at - dt.timedelta(minutes=1)) == 0
    referral.refresh_from_db()
    assert not referral.is_overdue and referral.overdue_notified_at is None


def test_a_pending_referral_past_due_is_flagged_and_both_sides_told(referral, alice, amir, agnes):
    later = referral.due_at + dt.timedelta(hours=2)
    assert sla.mark_overdue_referrals(now=later) == 1
    referral.refresh_from_db()
    assert referral.is_overdue and referral.overdue_notified_at == later
    for user in (alice, amir, agnes):  # sender office and receiver
        assert overdue_notices(user) == 1
    text = Notification.objects.filter(kind="overdue").first().text
    assert referral.number in text and "melewati batas waktu" in text


def test_a_second_run_tells_nobody_again(referral, agnes):
    later = referral.due_at + dt.timedelta(hours=2)
    sla.mark_overdue_referrals(now=later)
    assert sla.mark_overdue_referrals(now=later + dt.timedelta(hours=1)) == 0
    assert overdue_notices(agnes) == 1


@pytest.mark.parametrize("status", ["accepted", "declined", "cancelled"])
def test_decided_referrals_are_not_overdue(referral, alice, agnes, status):
    if status == "accepted":
        decisions.referral_accept(actor=agnes, referral=referral)
    elif status == "declined":
        decisions.referral_decline(actor=agnes, referral=referral, reason="Penuh.")
    else:
        decisions.referral_cancel(actor=alice, referral=referral)
    assert sla.mark_overdue_referrals(now=referral.due_at + dt.timedelta(days=30)) == 0


def test_the_due_date_depends_on_urgency(orgs, alice):
    urgent = send(alice, make_case(orgs["samarinda"]), orgs["rsud"], urgency="urgent")
    normal = send(alice, make_case(orgs["samarinda"]), orgs["rsud"], urgency="normal")
    two_days_later = timezone.now() + dt.timedelta(days=2)
    assert sla.mark_overdue_referrals(now=two_days_later) == 1
    assert Referral.objects.get(pk=urgent.pk).is_overdue
    assert not Referral.objects.get(pk=normal.pk).is_overdue


def test_the_flag_stays_after_a_late_decision(referral, agnes):
    sla.mark_overdue_referrals(now=referral.due_at + dt.timedelta(hours=1))
    decisions.referral_accept(actor=agnes, referral=Referral.objects.get(pk=referral.pk))
    referral.refresh_from_db()
    assert referral.is_overdue and referral.status == "accepted"


def test_the_celery_task_runs_the_sweep_on_the_real_clock(referral, agnes):
    Referral.objects.filter(pk=referral.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    assert tasks.mark_overdue_referrals() == 1
    assert overdue_notices(agnes) == 1


def test_beat_runs_the_registered_task():
    entries = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert tasks.mark_overdue_referrals.name in entries


def test_overdue_sends_events_and_emails_after_commit(
    referral, agnes, mailoutbox, django_capture_on_commit_callbacks
):
    from pmks.celery import app

    agnes.email = "agnes@rsud.invalid"
    agnes.save()
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            sla.mark_overdue_referrals(now=referral.due_at + dt.timedelta(hours=1))
    finally:
        app.conf.task_always_eager = previous
    assert [m.to for m in mailoutbox] == [["agnes@rsud.invalid"]]
    assert "melewati batas waktu" in mailoutbox[0].subject
