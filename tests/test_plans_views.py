"""The plan pages for each persona: the case's office drafts and submits, its
supervisor approves or returns, the province reads only, another regency and a
partner agency get 404; the case page shows the active plan; old versions stay
readable; a stale edit gets the conflict page with the user's input kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.factories import CaseFactory
from cases.models import CaseEvent
from cases.services import delivery
from plans.models import CasePlan, PlanGoal, PlanStatus
from plans.testing import approved, drafted, submitted
from referrals.services.decisions import referral_accept
from referrals.testing import send

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(orgs, alice):
    case = CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice)
    delivery.assessment_record(actor=alice, case=case, needs=["shelter"], risk_level="high")
    case.refresh_from_db()
    return case


def page_url(case, number=None):
    if number is None:
        return reverse("plans:plan_page", args=[case.pk])
    return reverse("plans:plan_version", args=[case.pk, number])


def test_the_caseworker_builds_and_submits_a_plan_through_the_pages(client, case, alice):
    client.force_login(alice)
    assert "Buat rencana" in client.get(page_url(case)).text
    response = client.post(reverse("plans:plan_create", args=[case.pk]))
    assert response.status_code == 302
    plan = CasePlan.objects.get(case=case)
    page = client.get(page_url(case, 1)).text
    assert 'name="goal-text"' in page and '<option value="shelter">' in page
    client.post(
        reverse("plans:goal_add", args=[case.pk, 1]),
        {"goal-version": plan.version, "goal-need": "shelter", "goal-text": "Tinggal aman"},
    )
    goal = PlanGoal.objects.get(plan=plan)
    plan.refresh_from_db()
    client.post(
        reverse("plans:action_add", args=[case.pk, 1, goal.pk]),
        {
            f"g{goal.pk}-version": plan.version,
            f"g{goal.pk}-text": "Cari shelter",
            f"g{goal.pk}-responsible_user": alice.pk,
            f"g{goal.pk}-target_date": "01/04/2027",
            f"g{goal.pk}-status": "ongoing",
            f"g{goal.pk}-progress": 20,
        },
    )
    action = goal.actions.get()
    assert (action.responsible_user, action.progress, str(action.target_date)) == (
        alice,
        20,
        "2027-04-01",
    )
    plan.refresh_from_db()
    client.post(reverse("plans:plan_submit", args=[case.pk, 1]), {"version": plan.version})
    assert CasePlan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED


def test_a_bad_action_keeps_what_was_typed_with_an_indonesian_message(client, case, alice):
    plan = drafted(alice, case)
    goal = plan.goals.get()
    client.force_login(alice)
    response = client.post(
        reverse("plans:action_add", args=[case.pk, 1, goal.pk]),
        {
            f"g{goal.pk}-version": plan.version,
            f"g{goal.pk}-text": "Tindakan tanpa penanggung jawab",
            f"g{goal.pk}-status": "not_started",
            f"g{goal.pk}-progress": 0,
        },
    )
    assert response.status_code == 200
    assert "Isi lembaga atau petugas penanggung jawab" in response.text
    assert "Tindakan tanpa penanggung jawab" in response.text
    assert goal.actions.count() == 1


def test_the_supervisor_approves_from_the_queue_and_the_case_page_shows_the_plan(
    client, case, alice, sari
):
    plan = submitted(alice, case)
    client.force_login(sari)
    queue = client.get(reverse("plans:approval_queue")).text
    assert case.number in queue
    page = client.get(page_url(case, 1)).text
    assert 'data-testid="plan-approve"' in page
    client.post(
        reverse("plans:plan_approve", args=[case.pk, 1]),
        {"approve-version": plan.version, "approve-review_date": "15/09/2030"},
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED and str(plan.review_date) == "2030-09-15"
    client.force_login(alice)
    case_page = client.get(reverse("cases:case_detail", args=[case.pk])).text
    assert 'data-testid="case-plan-goals"' in case_page and "Tinggal aman" in case_page
    assert "15/09/2030" in case_page


def test_the_supervisor_returns_with_a_reason_and_the_worker_sees_it(client, case, alice, sari):
    plan = submitted(alice, case)
    client.force_login(sari)
    url = reverse("plans:plan_return", args=[case.pk, 1])
    client.post(url, {"return-version": plan.version, "return-reason": ""})
    assert CasePlan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED
    client.post(url, {"return-version": plan.version, "return-reason": "Target terlalu jauh"})
    assert CasePlan.objects.get(pk=plan.pk).status == PlanStatus.RETURNED
    client.force_login(alice)
    page = client.get(page_url(case)).text
    assert "Target terlalu jauh" in page and 'data-testid="plan-submit"' in page


def test_a_caseworker_cannot_approve_and_has_no_queue(client, case, alice, amir):
    plan = submitted(alice, case)
    client.force_login(amir)
    response = client.post(
        reverse("plans:plan_approve", args=[case.pk, 1]), {"approve-version": plan.version}
    )
    assert response.status_code == 302
    assert CasePlan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED
    assert client.get(reverse("plans:approval_queue")).status_code == 404
    assert 'data-testid="plan-approve"' not in client.get(page_url(case, 1)).text


@pytest.mark.parametrize("persona", ["bob", "budi", "agnes"])
def test_another_regency_and_an_agency_get_404_on_every_plan_url(
    request, client, case, alice, persona
):
    plan = drafted(alice, case)
    goal = plan.goals.get()
    action = goal.actions.get()
    client.force_login(request.getfixturevalue(persona))
    version = [case.pk, 1]
    gets = [page_url(case), page_url(case, 1)]
    posts = [
        reverse("plans:plan_create", args=[case.pk]),
        reverse("plans:goal_add", args=version),
        reverse("plans:goal_edit", args=[*version, goal.pk]),
        reverse("plans:goal_delete", args=[*version, goal.pk]),
        reverse("plans:action_add", args=[*version, goal.pk]),
        reverse("plans:action_edit", args=[*version, action.pk]),
        reverse("plans:action_delete", args=[*version, action.pk]),
        reverse("plans:plan_submit", args=version),
        reverse("plans:plan_approve", args=version),
        reverse("plans:plan_return", args=version),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, {"version": plan.version}).status_code == 404, url
    assert CasePlan.objects.get(pk=plan.pk).version == plan.version
    if persona == "budi":
        assert case.number not in client.get(reverse("plans:approval_queue")).text


def test_the_province_reads_every_version_and_changes_nothing(client, case, alice, sari, prov):
    first = approved(alice, sari, case)
    before = CasePlan.objects.get(pk=first.pk)
    client.force_login(prov)
    page = client.get(page_url(case, 1))
    assert page.status_code == 200 and "Tinggal aman" in page.text
    assert "Versi ini hanya dapat dibaca" in page.text
    assert client.post(reverse("plans:plan_create", args=[case.pk])).status_code == 403
    response = client.post(
        reverse("plans:goal_add", args=[case.pk, 1]),
        {"goal-version": first.version, "goal-text": "x"},
    )
    assert response.status_code == 403
    assert CasePlan.objects.count() == 1
    assert CasePlan.objects.get(pk=first.pk).version == before.version
    assert client.get(reverse("plans:approval_queue")).status_code == 200


def test_an_old_version_stays_readable_after_a_revision_is_approved(client, case, alice, sari):
    approved(alice, sari, case)
    revision = approved(alice, sari, case, goals=(("shelter", "Tinggal di rumah sendiri"),))
    assert revision.number == 2
    client.force_login(alice)
    old = client.get(page_url(case, 1)).text
    assert 'data-testid="plan-superseded"' in old and "Tinggal aman" in old
    assert 'name="goal-text"' not in old  # read-only: no editing forms
    assert "Versi 2" in old and "Versi 1" in old  # the history of versions
    case_page = client.get(reverse("cases:case_detail", args=[case.pk])).text
    assert "Tinggal di rumah sendiri" in case_page


def test_a_stale_goal_edit_shows_the_conflict_and_keeps_the_input(client, case, alice, amir):
    plan = drafted(alice, case)
    goal = plan.goals.get()
    stale = plan.version
    url = reverse("plans:goal_edit", args=[case.pk, 1, goal.pk])
    client.force_login(alice)
    assert client.get(url).status_code == 200
    client.post(url, {"goal-version": stale, "goal-need": "shelter", "goal-text": "Versi Alice"})
    client.force_login(amir)
    response = client.post(
        url, {"goal-version": stale, "goal-need": "shelter", "goal-text": "Versi Amir"}
    )
    assert response.status_code == 200
    assert 'data-testid="version-conflict"' in response.text
    assert "Versi Amir" in response.text  # what amir typed is still in the form
    assert PlanGoal.objects.get(pk=goal.pk).text == "Versi Alice"
    current = CasePlan.objects.get(pk=plan.pk).version
    assert f'value="{current}"' in response.text  # a second save overwrites knowingly
    client.post(url, {"goal-version": current, "goal-need": "shelter", "goal-text": "Versi Amir"})
    assert PlanGoal.objects.get(pk=goal.pk).text == "Versi Amir"


def test_the_approved_plan_records_progress_and_an_old_version_does_not(client, case, alice, sari):
    plan = approved(alice, sari, case)
    action = plan.goals.get().actions.get()
    client.force_login(alice)
    assert 'data-testid="action-progress"' in client.get(page_url(case, 1)).text
    url = reverse("plans:action_edit", args=[case.pk, 1, action.pk])
    form = client.get(url).text
    assert 'name="action-progress"' in form and 'name="action-text"' not in form
    client.post(
        url, {"action-version": plan.version, "action-status": "ongoing", "action-progress": 40}
    )
    action.refresh_from_db()
    assert (action.status, action.progress) == ("ongoing", 40)
    assert CaseEvent.objects.filter(case=case, text__contains="Berjalan, 40%").exists()
    # Once a revision is approved, version 1 is read-only: its progress is frozen.
    approved(alice, sari, case)
    plan.refresh_from_db()
    response = client.post(
        url, {"action-version": plan.version, "action-status": "done", "action-progress": 100}
    )
    assert response.status_code == 403 and "hanya dapat dibaca" in response.text
    action.refresh_from_db()
    assert action.progress == 40


def test_after_a_transfer_the_former_office_reads_the_plan_as_it_was(
    client, orgs, case, alice, sari, bob, budi
):
    approved(alice, sari, case)
    referral_accept(actor=bob, referral=send(alice, case, orgs["balikpapan"], kind="transfer"))
    case.refresh_from_db()
    later = submitted(bob, case, goals=(("shelter", "Rencana Balikpapan"),))
    client.force_login(alice)
    page = client.get(page_url(case, 1))
    assert page.status_code == 200 and "Tinggal aman" in page.text
    assert "Versi ini hanya dapat dibaca" in page.text
    assert client.get(page_url(case, later.number)).status_code == 404
    assert "Rencana Balikpapan" not in client.get(page_url(case)).text
    assert client.post(reverse("plans:plan_create", args=[case.pk])).status_code == 403
    client.force_login(budi)  # the new owner's supervisor decides now
    assert 'data-testid="plan-approve"' in client.get(page_url(case, later.number)).text
