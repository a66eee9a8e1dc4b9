"""Case plans: the approval flow and its persona rules, versions, conflicts, closure.

Personas (conftest): alice and amir caseworkers of Samarinda, sari its office
supervisor, bob and budi of Balikpapan, prov the provincial supervisor (reads
only), agnes agency staff (RSUD)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.factories import CaseFactory
from cases.models import CaseEvent, CaseStatus
from cases.services import closure, delivery
from followups.models import FollowUp, FollowUpKind
from plans import services
from plans.models import CasePlan, PlanGoal, PlanStatus
from plans.testing import approved, drafted, submitted
from pmks.errors import NotAllowed, TransitionNotAllowed, VersionConflict

pytestmark = pytest.mark.django_db

WITA = dt.timezone(dt.timedelta(hours=8))
NOON = dt.datetime(2027, 3, 10, 12, 0, tzinfo=WITA)


@pytest.fixture
def case(orgs, alice):
    case = CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice)
    delivery.assessment_record(
        actor=alice, case=case, needs=["shelter", "health"], risk_level="high"
    )
    case.refresh_from_db()
    return case


# --- the approval flow -------------------------------------------------------------


@time_machine.travel(NOON, tick=False)
def test_the_caseworker_drafts_and_submits_and_the_supervisor_approves_with_a_review_date(
    settings, case, alice, sari
):
    settings.PLAN_REVIEW_DAYS = 90
    plan = submitted(alice, case)
    assert plan.status == PlanStatus.SUBMITTED
    assert plan.submitted_by == alice
    approved_plan = services.plan_approve(actor=sari, plan=plan, expected_version=plan.version)
    assert approved_plan.status == PlanStatus.APPROVED
    assert approved_plan.approved_by == sari
    assert approved_plan.review_date == dt.date(2027, 6, 8)  # 10 March + 90 days
    texts = list(CaseEvent.objects.filter(case=case).values_list("text", flat=True))
    assert any("disetujui; tinjauan 08/06/2027" in text for text in texts)
    assert any("diajukan untuk persetujuan" in text for text in texts)
    assert LogEntry.objects.get_for_object(approved_plan).exists()


@time_machine.travel(NOON, tick=False)
def test_the_supervisor_chooses_another_review_date_but_not_a_past_one(case, alice, sari):
    plan = submitted(alice, case)
    with pytest.raises(ValidationError):
        services.plan_approve(
            actor=sari, plan=plan, expected_version=plan.version, review_date=dt.date(2027, 3, 10)
        )
    done = services.plan_approve(
        actor=sari, plan=plan, expected_version=plan.version, review_date=dt.date(2027, 4, 1)
    )
    assert done.review_date == dt.date(2027, 4, 1)


def test_the_supervisor_returns_with_a_reason_and_the_caseworker_resubmits(case, alice, sari):
    plan = submitted(alice, case)
    with pytest.raises(ValidationError):
        services.plan_return(actor=sari, plan=plan, expected_version=plan.version, reason="  ")
    returned = services.plan_return(
        actor=sari, plan=plan, expected_version=plan.version, reason="Tambah tujuan kesehatan"
    )
    assert (returned.status, returned.returned_reason) == ("returned", "Tambah tujuan kesehatan")
    # Returned: the office changes it again and submits it once more.
    services.plan_goal_add(
        actor=alice,
        plan=returned,
        expected_version=returned.version,
        data={"need": "health", "text": "Berobat rutin"},
    )
    returned.refresh_from_db()
    with pytest.raises(ValidationError, match="tindakan"):
        services.plan_submit(actor=alice, plan=returned, expected_version=returned.version)
    assert CaseEvent.objects.filter(case=case, text__contains="Tambah tujuan kesehatan").exists()


def test_an_empty_draft_cannot_be_submitted(case, alice):
    plan = services.plan_create(actor=alice, case=case)
    with pytest.raises(ValidationError, match="satu tujuan"):
        services.plan_submit(actor=alice, plan=plan, expected_version=plan.version)


# --- persona rules -----------------------------------------------------------------


def test_a_caseworker_cannot_approve_or_return(case, alice, amir):
    plan = submitted(alice, case)
    for decide in (services.plan_approve, services.plan_return):
        kwargs = {"reason": "x"} if decide is services.plan_return else {}
        with pytest.raises(NotAllowed):
            decide(actor=amir, plan=plan, expected_version=plan.version, **kwargs)
    assert CasePlan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED


def test_another_regency_and_the_province_change_nothing(case, alice, bob, budi, prov):
    plan = drafted(alice, case)
    for actor in (bob, budi, prov):
        with pytest.raises(NotAllowed):
            services.plan_goal_add(
                actor=actor, plan=plan, expected_version=plan.version, data={"text": "x"}
            )
        with pytest.raises(NotAllowed):
            services.plan_submit(actor=actor, plan=plan, expected_version=plan.version)
        with pytest.raises(NotAllowed):
            services.plan_create(actor=actor, case=case)
    submitted_plan = services.plan_submit(actor=alice, plan=plan, expected_version=plan.version)
    for actor in (budi, prov):
        with pytest.raises(NotAllowed):
            services.plan_approve(
                actor=actor, plan=submitted_plan, expected_version=submitted_plan.version
            )


def test_a_submitted_version_is_not_edited_and_a_second_draft_is_refused(case, alice):
    plan = submitted(alice, case)
    with pytest.raises(TransitionNotAllowed):
        services.plan_goal_add(
            actor=alice, plan=plan, expected_version=plan.version, data={"text": "x"}
        )
    with pytest.raises(TransitionNotAllowed):
        services.plan_create(actor=alice, case=case)


# --- versions ----------------------------------------------------------------------


def test_a_revision_copies_goals_and_actions_and_the_old_version_stays_readable(case, alice, sari):
    first = approved(alice, sari, case, goals=(("shelter", "Tinggal aman"), ("health", "Sehat")))
    revision = services.plan_create(actor=alice, case=case)
    assert (revision.number, revision.based_on_id, revision.status) == (2, first.pk, "draft")
    copied = list(revision.goals.order_by("position").values_list("need", "text"))
    assert copied == [("shelter", "Tinggal aman"), ("health", "Sehat")]
    assert sum(goal.actions.count() for goal in revision.goals.all()) == 2
    # Until the revision is approved the first version is still the active one.
    first.refresh_from_db()
    assert first.is_active
    goal = revision.goals.get(need="health")
    services.plan_goal_update(
        actor=alice, goal=goal, expected_version=revision.version, data={"text": "Sehat, berobat"}
    )
    revision.refresh_from_db()
    revision = services.plan_submit(actor=alice, plan=revision, expected_version=revision.version)
    revision = services.plan_approve(actor=sari, plan=revision, expected_version=revision.version)
    first.refresh_from_db()
    assert first.superseded and not first.is_active and revision.is_active
    # The old version kept its own goals, unchanged, and is read-only.
    assert set(first.goals.values_list("text", flat=True)) == {"Tinggal aman", "Sehat"}
    with pytest.raises(TransitionNotAllowed):
        services.plan_goal_add(
            actor=alice, plan=first, expected_version=first.version, data={"text": "x"}
        )


# --- concurrency -------------------------------------------------------------------


def test_two_workers_editing_one_draft_one_wins_the_other_gets_a_conflict(case, alice, amir):
    plan = drafted(alice, case)
    goal = plan.goals.get()
    seen = plan.version
    services.plan_goal_update(
        actor=alice, goal=goal, expected_version=seen, data={"text": "Tinggal di shelter"}
    )
    with pytest.raises(VersionConflict) as conflict:
        services.plan_goal_update(
            actor=amir, goal=goal, expected_version=seen, data={"text": "Tinggal dengan kerabat"}
        )
    assert PlanGoal.objects.get(pk=goal.pk).text == "Tinggal di shelter"
    details = conflict.value.details
    assert details["current"].version == seen + 1
    assert details["changes"][0]["yours"] == "Tinggal dengan kerabat"
    assert details["changes"][0]["current"] == "Tinggal di shelter"
    # A stale submit is refused too: nothing changes.
    with pytest.raises(VersionConflict):
        services.plan_submit(actor=amir, plan=plan, expected_version=seen)
    assert CasePlan.objects.get(pk=plan.pk).status == PlanStatus.DRAFT


# --- closure -----------------------------------------------------------------------


def test_a_closure_request_records_whether_each_goal_was_met(case, alice, sari):
    plan = approved(alice, sari, case, goals=(("shelter", "Tinggal aman"), ("health", "Sehat")))
    shelter, health = plan.goals.order_by("position")
    with pytest.raises(ValidationError, match="Sehat"):
        closure.case_request_closure(
            actor=alice, case=case, closure_reason="goals_met", goals_met={shelter.pk: "yes"}
        )
    case.refresh_from_db()
    assert case.status != CaseStatus.CLOSURE_REQUESTED  # refused as a whole
    closure.case_request_closure(
        actor=alice,
        case=case,
        closure_reason="goals_met",
        goals_met={shelter.pk: "yes", health.pk: "partly"},
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSURE_REQUESTED
    assert dict(plan.goals.values_list("text", "met")) == {"Tinggal aman": "yes", "Sehat": "partly"}
    assert CaseEvent.objects.filter(case=case, text__contains="Sehat: Sebagian").exists()


def test_a_closure_without_a_plan_or_over_the_api_asks_nothing(orgs, alice, case):
    closure.case_request_closure(actor=alice, case=case, closure_reason="goals_met", goals_met={})
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSURE_REQUESTED


def test_the_closure_form_asks_about_the_goals_and_stores_the_answers(client, case, alice, sari):
    plan = approved(alice, sari, case)
    goal = plan.goals.get()
    client.force_login(alice)
    page = client.get(reverse("cases:case_detail", args=[case.pk])).text
    assert f'name="goal_met_{goal.pk}"' in page and 'data-testid="closure-goals"' in page
    url = reverse("cases:case_transition", args=[case.pk])
    form = {
        "to_status": "closure_requested",
        "version": case.version,
        "closure_reason": "goals_met",
    }
    before = case.status
    client.post(url, form)  # without the answer: refused, the case stays as it was
    case.refresh_from_db()
    assert case.status == before != CaseStatus.CLOSURE_REQUESTED
    client.post(url, {**form, f"goal_met_{goal.pk}": "no"})
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSURE_REQUESTED
    assert PlanGoal.objects.get(pk=goal.pk).met == "no"


@time_machine.travel(NOON, tick=False)
def test_an_approval_makes_the_plan_review_follow_up_on_the_review_date(case, alice, sari):
    plan = approved(alice, sari, case)
    review = FollowUp.objects.get(case=case, kind=FollowUpKind.PLAN_REVIEW)
    assert review.due_date == plan.review_date == dt.date(2027, 6, 8)
    assert review.assignee_id == alice.pk
