"""Tugas saya, done in one step, by-hand follow-ups, the supervisor's overdue view
and reassignment, beat's overdue marking; the boundaries at WITA midnight."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from followups import services, tasks
from followups.models import FollowUp
from referrals.testing import make_case

pytestmark = pytest.mark.django_db

WITA = dt.timezone(dt.timedelta(hours=8))
DAY = dt.date(2026, 3, 10)


def at(hour, minute, day=DAY):
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=WITA), tick=False
    )


def due(user, case, day, kind="home_visit"):
    return FollowUp.objects.create(case=case, kind=kind, due_date=day, assignee=user)


@pytest.fixture
def case(orgs, alice):
    return make_case(orgs["samarinda"], assigned_to=alice)


def buckets(client):
    work = client.get(reverse("followups:my_work")).context["work"]
    return (
        [f.due_date for f in work.overdue],
        [f.due_date for f in work.due_today],
        [f.due_date for f in work.this_week],
    )


# --- Tugas saya ----------------------------------------------------------------


def test_the_buckets_turn_over_at_wita_midnight_not_utc(client, alice, case):
    due(alice, case, DAY)  # due 10 March
    due(alice, case, DAY + dt.timedelta(days=1))
    due(alice, case, DAY + dt.timedelta(days=30))  # not this week
    client.force_login(alice)
    with at(23, 59):  # 15:59 UTC on the 10th
        assert buckets(client) == ([], [DAY], [DAY + dt.timedelta(days=1)])
    with at(0, 1, DAY + dt.timedelta(days=1)):  # 16:01 UTC on the 10th: the 11th in WITA
        assert buckets(client) == ([DAY], [DAY + dt.timedelta(days=1)], [])


def test_beat_marks_overdue_after_wita_midnight_once(alice, case):
    followup = due(alice, case, DAY)
    with at(23, 59):
        assert tasks.mark_overdue_followups() == 0
    with at(0, 1, DAY + dt.timedelta(days=1)):
        assert tasks.mark_overdue_followups() == 1
        assert services.followups_mark_overdue() == 0
    followup.refresh_from_db()
    assert followup.is_overdue and followup.overdue_marked_at is not None


def test_a_done_follow_up_is_never_marked_overdue(alice, case):
    followup = due(alice, case, DAY)
    services.followup_complete(actor=alice, followup=followup, result="Sudah.")
    with at(8, 0, DAY + dt.timedelta(days=3)):
        assert services.followups_mark_overdue() == 0


def test_beat_runs_the_job_with_an_expiry():
    entry = settings.CELERY_BEAT_SCHEDULE["followups-mark-overdue"]
    assert entry["task"] == "followups.tasks.mark_overdue_followups"
    assert 0 < entry["options"]["expires"] < entry["schedule"].total_seconds()


def test_only_my_own_follow_ups_are_listed(client, alice, amir, case):
    mine = due(alice, case, DAY)
    due(amir, case, DAY)
    client.force_login(alice)
    with at(9, 0):
        work = client.get(reverse("followups:my_work")).context["work"]
    assert [f.pk for f in work.due_today] == [mine.pk]


def test_tugas_saya_costs_the_same_for_3_and_30_rows(
    client, orgs, alice, django_assert_max_num_queries
):
    client.force_login(alice)

    def grow(count):
        for number in range(count):
            case = make_case(orgs["samarinda"], assigned_to=alice)
            due(alice, case, DAY + dt.timedelta(days=number % 9 - 2))

    with at(9, 0):
        grow(3)
        client.get(reverse("followups:my_work"))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as at_3:
            client.get(reverse("followups:my_work"))
        grow(27)
        with django_assert_max_num_queries(len(at_3.captured_queries)):
            response = client.get(reverse("followups:my_work"))
    assert response.context["work"].count > 20
    assert response.content.decode().count('name="result"') == response.context["work"].count


def test_the_page_is_in_the_caseworkers_navigation(client, alice):
    client.force_login(alice)
    assert reverse("followups:my_work") in client.get(reverse("home")).content.decode()


# --- done in one step --------------------------------------------------------------


def test_done_in_one_step_with_the_result(client, alice, case):
    followup = due(alice, case, DAY)
    client.force_login(alice)
    response = client.post(
        reverse("followups:complete", args=[followup.pk]), {"result": "Rumah dikunjungi."}
    )
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.done_at is not None and followup.done_by == alice
    assert followup.result == "Rumah dikunjungi."


def test_done_without_a_result_is_refused_and_nothing_changes(client, alice, case):
    followup = due(alice, case, DAY)
    client.force_login(alice)
    response = client.post(
        reverse("followups:complete", args=[followup.pk]), {"result": " "}, follow=True
    )
    assert "Tuliskan hasil" in response.content.decode()
    followup.refresh_from_db()
    assert followup.done_at is None


@pytest.mark.parametrize("owner", ["amir", "bob"])
def test_someone_elses_follow_up_answers_404(request, client, orgs, alice, owner):
    user = request.getfixturevalue(owner)
    other_case = make_case(user.organization, assigned_to=user)
    followup = due(user, other_case, DAY)
    client.force_login(alice)
    response = client.post(reverse("followups:complete", args=[followup.pk]), {"result": "x"})
    assert response.status_code == 404
    followup.refresh_from_db()
    assert followup.done_at is None


def test_a_second_completion_is_refused(alice, case):
    followup = due(alice, case, DAY)
    services.followup_complete(actor=alice, followup=followup, result="Sudah.")
    with pytest.raises(Exception, match="sudah diselesaikan"):
        services.followup_complete(actor=alice, followup=followup, result="Lagi.")


# --- by hand -----------------------------------------------------------------------


def test_a_worker_adds_a_follow_up_by_hand_on_the_case_page(client, alice, case):
    client.force_login(alice)
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert reverse("followups:followup_add", args=[case.pk]) in page
    response = client.post(
        reverse("followups:followup_add", args=[case.pk]),
        {"followup-kind": "phone_call", "followup-due_date": "12/03/2026", "followup-note": "Ibu"},
    )
    assert response.status_code == 302
    followup = FollowUp.objects.get(case=case)
    assert (followup.kind, followup.due_date, followup.assignee, followup.source) == (
        "phone_call",
        dt.date(2026, 3, 12),
        alice,
        "manual",
    )


def test_a_bad_date_gets_an_indonesian_message(client, alice, case):
    client.force_login(alice)
    response = client.post(
        reverse("followups:followup_add", args=[case.pk]),
        {"followup-kind": "phone_call", "followup-due_date": "31/02/2026"},
        follow=True,
    )
    assert "dd/mm/yyyy" in response.content.decode() or "tanggal" in response.content.decode()
    assert not FollowUp.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("bob", 404), ("prov", 403)])
def test_who_may_not_change_the_case_may_not_add(request, client, case, persona, status):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(
        reverse("followups:followup_add", args=[case.pk]),
        {"followup-kind": "phone_call", "followup-due_date": "12/03/2026"},
    )
    assert response.status_code == status
    assert not FollowUp.objects.exists()


# --- the supervisor's view ---------------------------------------------------------


def test_the_supervisor_sees_overdue_work_per_worker(client, orgs, alice, amir, bob, sari):
    for _ in range(2):
        due(alice, make_case(orgs["samarinda"], assigned_to=alice), DAY - dt.timedelta(days=1))
    due(amir, make_case(orgs["samarinda"], assigned_to=amir), DAY)
    due(bob, make_case(orgs["balikpapan"], assigned_to=bob), DAY - dt.timedelta(days=3))
    client.force_login(sari)
    with at(9, 0):
        response = client.get(reverse("followups:office_overdue"))
    per = {
        row["assignee"]: (row["overdue"], row["due_today"]) for row in response.context["workers"]
    }
    assert per == {alice.pk: (2, 0), amir.pk: (0, 1)}  # nothing of Balikpapan
    assert len(response.context["rows"]) == 2


def test_the_supervisor_reassigns_in_bulk(client, orgs, alice, amir, sari):
    rows = [
        due(alice, make_case(orgs["samarinda"], assigned_to=alice), DAY - dt.timedelta(days=1))
        for _ in range(3)
    ]
    client.force_login(sari)
    response = client.post(
        reverse("followups:reassign"),
        {"followups": [r.pk for r in rows[:2]], "assignee": amir.pk},
        follow=True,
    )
    assert "2 tindak lanjut ditugaskan" in response.content.decode()
    assert [FollowUp.objects.get(pk=r.pk).assignee for r in rows] == [amir, amir, alice]


def test_a_reassignment_outside_the_office_changes_nothing(orgs, alice, bob, sari, budi):
    here = due(alice, make_case(orgs["samarinda"], assigned_to=alice), DAY)
    there = due(bob, make_case(orgs["balikpapan"], assigned_to=bob), DAY)
    with pytest.raises(Exception, match="tidak dapat menugaskan"):
        services.followups_reassign(actor=sari, followups=[here, there], assignee=alice)
    with pytest.raises(Exception, match="bukan pekerja sosial"):
        services.followups_reassign(actor=sari, followups=[here], assignee=bob)
    assert FollowUp.objects.get(pk=here.pk).assignee == alice
    assert FollowUp.objects.get(pk=there.pk).assignee == bob


def test_a_foreign_follow_up_cannot_be_posted_into_a_bulk_reassign(client, orgs, bob, sari, amir):
    there = due(bob, make_case(orgs["balikpapan"], assigned_to=bob), DAY)
    client.force_login(sari)
    client.post(reverse("followups:reassign"), {"followups": [there.pk], "assignee": amir.pk})
    assert FollowUp.objects.get(pk=there.pk).assignee == bob


def test_the_provincial_supervisor_reads_only(client, orgs, alice, amir, prov):
    row = due(alice, make_case(orgs["samarinda"], assigned_to=alice), DAY - dt.timedelta(days=1))
    client.force_login(prov)
    with at(9, 0):
        response = client.get(reverse("followups:office_overdue"))
        assert response.status_code == 200 and len(response.context["rows"]) == 1
        assert not response.context["may_assign"]
        assert 'name="followups"' not in response.content.decode()
        response = client.post(
            reverse("followups:reassign"), {"followups": [row.pk], "assignee": amir.pk}
        )
    assert response.status_code == 404
    assert FollowUp.objects.get(pk=row.pk).assignee == alice


def test_a_caseworker_has_no_supervisor_view(client, alice):
    client.force_login(alice)
    assert client.get(reverse("followups:office_overdue")).status_code == 404


# --- the home pages count the due work -------------------------------------------


def test_the_home_pages_count_overdue_and_today(client, orgs, alice, amir, sari):
    case = make_case(orgs["samarinda"], assigned_to=alice)
    due(alice, case, DAY - dt.timedelta(days=1))
    due(alice, case, DAY)
    due(amir, case, DAY - dt.timedelta(days=2))
    with at(9, 0):
        client.force_login(alice)
        assert client.get(reverse("home")).context["followups_home"] == {
            "overdue": 1,
            "due_today": 1,
        }
        client.force_login(sari)
        response = client.get(reverse("home"))
    assert response.context["followups_home"] == {"overdue": 2, "due_today": 1}
    assert reverse("followups:office_overdue") in response.content.decode()
