"""The rules that make follow-ups by themselves (followups/rules.py): each trigger
through the real service where the event happens, and no second follow-up when
the event is seen again."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from cases.factories import BeneficiaryFactory
from cases.models import PmksCategory
from cases.services.opening import case_open
from followups import rules, services
from followups.models import FollowUp, FollowUpKind, FollowUpSource
from referrals.services import decisions
from referrals.testing import make_case, send

pytestmark = pytest.mark.django_db

WITA = dt.timezone(dt.timedelta(hours=8))


def open_case(actor, orgs, priority="normal", **kwargs):
    person = BeneficiaryFactory(registered_by_org=orgs["samarinda"])
    return case_open(
        actor=actor,
        beneficiary=person,
        primary_category=PmksCategory.objects.get(code="PMKS11"),
        priority=priority,
        **kwargs,
    )


def test_the_settings_time_zone_is_wita(settings):
    assert settings.TIME_ZONE == "Asia/Makassar"
    assert settings.FOLLOWUP_RULES["case_opened_days"] == 3


def test_a_new_case_gets_an_assessment_in_three_days_for_its_caseworker(orgs, alice):
    # opened at 00:01 WITA on 11 March, still 10 March in UTC: the WITA day counts
    with time_machine.travel(dt.datetime(2026, 3, 11, 0, 1, tzinfo=WITA), tick=False):
        case = open_case(alice, orgs)
    followup = FollowUp.objects.get(case=case)
    assert followup.kind == FollowUpKind.ASSESSMENT
    assert followup.source == FollowUpSource.RULE
    assert followup.due_date == dt.date(2026, 3, 14)
    assert followup.assignee == alice


def test_an_urgent_case_gets_its_assessment_in_one_day(orgs, alice):
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, 0, tzinfo=WITA), tick=False):
        case = open_case(alice, orgs, priority="urgent")
    assert FollowUp.objects.get(case=case).due_date == dt.date(2026, 3, 11)


def test_the_assessment_goes_to_the_assignee_a_supervisor_chose(orgs, sari, amir):
    case = open_case(sari, orgs, assigned_to=amir)
    assert FollowUp.objects.get(case=case).assignee == amir


def test_the_days_come_from_the_settings(orgs, alice, settings):
    settings.FOLLOWUP_RULES = {**settings.FOLLOWUP_RULES, "case_opened_days": 5}
    case = open_case(alice, orgs)
    assert FollowUp.objects.get(case=case).due_date == timezone.localdate() + dt.timedelta(5)


def test_the_opening_rule_seen_twice_makes_one_follow_up(orgs, alice):
    case = open_case(alice, orgs)
    rules.on_case_event("opened", case.pk)
    rules.case_opened(case)
    assert FollowUp.objects.filter(case=case).count() == 1


def test_a_completed_referral_gets_a_check_fourteen_days_later(orgs, alice, agnes):
    case = make_case(orgs["samarinda"], assigned_to=alice)
    referral = send(alice, case, orgs["rsud"])
    decisions.referral_accept(actor=agnes, referral=referral)
    assert not FollowUp.objects.filter(case=case).exists()  # accepting is not completing
    with time_machine.travel(dt.datetime(2026, 4, 1, 0, 1, tzinfo=WITA), tick=False):
        decisions.referral_complete(actor=agnes, referral=referral, outcome="Sudah dirawat.")
    followup = FollowUp.objects.get(case=case)
    assert followup.kind == FollowUpKind.REFERRAL_CHECK
    assert followup.due_date == dt.date(2026, 4, 15)
    assert followup.assignee == alice
    # the event again (a retried hook): nothing new
    rules.on_referral_event("completed", referral.pk)
    assert FollowUp.objects.filter(case=case).count() == 1


def test_a_case_taken_over_gets_a_first_contact_for_the_new_assignee(orgs, alice, bob):
    case = make_case(orgs["samarinda"], assigned_to=alice)
    earlier = services.followup_create(
        actor=alice, case=case, kind="phone_call", due_date=timezone.localdate()
    )
    transfer = send(alice, case, orgs["balikpapan"], kind="transfer")
    decisions.referral_accept(actor=bob, referral=transfer)
    first = FollowUp.objects.get(case=case, kind=FollowUpKind.FIRST_CONTACT)
    assert first.assignee == bob
    assert first.due_date == timezone.localdate() + dt.timedelta(days=7)
    # the former office no longer works the case: its open follow-up moved too
    earlier.refresh_from_db()
    assert earlier.assignee == bob
    rules.on_referral_event("decision", transfer.pk)
    assert FollowUp.objects.filter(case=case, kind=FollowUpKind.FIRST_CONTACT).count() == 1


def test_a_declined_transfer_makes_nothing(orgs, alice, bob):
    case = make_case(orgs["samarinda"], assigned_to=alice)
    transfer = send(alice, case, orgs["balikpapan"], kind="transfer")
    decisions.referral_decline(actor=bob, referral=transfer, reason="Bukan wilayah kami.")
    assert not FollowUp.objects.filter(case=case).exists()


class Plan:
    """What the case plans will pass: an object with a pk and its case."""

    def __init__(self, pk, case):
        self.pk = pk
        self.case = case


def test_an_approved_plan_gets_its_review_once(orgs, alice, sari):
    case = make_case(orgs["samarinda"], assigned_to=alice)
    review = dt.date(2026, 9, 1)
    made = rules.plan_approved(Plan(7, case), review, sari)
    assert made is not None and made.due_date == review and made.assignee == alice
    assert made.kind == FollowUpKind.PLAN_REVIEW
    assert rules.plan_approved(Plan(7, case), review, sari) is None
    assert FollowUp.objects.filter(case=case).count() == 1


def test_a_plan_without_a_review_date_is_reviewed_in_ninety_days(orgs, alice, sari):
    case = make_case(orgs["samarinda"], assigned_to=alice)
    made = rules.plan_approved(case, None, sari)
    assert made.due_date == timezone.localdate() + dt.timedelta(days=90)


def test_a_new_plan_version_supersedes_the_open_review(orgs, alice, sari):
    case = make_case(orgs["samarinda"], assigned_to=alice)
    old = rules.plan_approved(Plan(7, case), dt.date(2026, 9, 1), sari)
    rules.plan_approved(Plan(8, case), dt.date(2026, 10, 1), sari)
    old.refresh_from_db()
    assert old.is_done
    assert FollowUp.objects.open().get(case=case).due_date == dt.date(2026, 10, 1)


def test_a_done_plan_review_makes_the_next_one_ninety_days_later(orgs, alice, sari):
    case = make_case(orgs["samarinda"], assigned_to=alice)
    review = rules.plan_approved(Plan(7, case), dt.date(2026, 9, 1), sari)
    with time_machine.travel(dt.datetime(2026, 9, 2, 10, 0, tzinfo=WITA), tick=False):
        services.followup_complete(actor=alice, followup=review, result="Tujuan berjalan.")
    upcoming = FollowUp.objects.open().get(case=case)
    assert upcoming.due_date == dt.date(2026, 12, 1)
