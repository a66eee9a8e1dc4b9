"""Two people (or two workers) at the same moment, on real PostgreSQL connections.

Each thread has its own database connection (Django connections are per
thread); a barrier releases them together, each holding the same stale view of
the referral, as two browsers would."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from accounts.factories import OrganizationFactory, UserFactory
from cases.models import CaseFormerOwner, ServiceDelivery
from pmks.errors import AlreadyDecided, CapacityExhausted
from referrals.factories import ServiceOfferFactory
from referrals.models import Notification, Referral, ServiceOffer
from referrals.services import decisions, sla
from referrals.testing import make_case, send

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(*calls: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Run the calls in threads released together; ("ok", result) or ("error", exc)."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, Any]] = [("missing", None)] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = ("ok", call())
        except Exception as exc:  # collected for the assertions
            results[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a thread is stuck (deadlock?)"
    return results


def test_two_decisions_at_once_exactly_one_wins(orgs, alice, bob, budi):
    case = make_case(orgs["samarinda"], assigned_to=alice)
    transfer = send(alice, case, orgs["balikpapan"], kind="transfer")
    stale_a = Referral.objects.get(pk=transfer.pk)
    stale_b = Referral.objects.get(pk=transfer.pk)

    results = at_once(
        lambda: decisions.referral_accept(actor=bob, referral=stale_a),
        lambda: decisions.referral_decline(actor=budi, referral=stale_b, reason="Bukan wilayah."),
    )

    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"]
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, AlreadyDecided)
    transfer.refresh_from_db()
    winner = bob if transfer.status == "accepted" else budi
    assert winner.display_name in str(error.message)
    case.refresh_from_db()
    if transfer.status == "accepted":
        assert case.owner_org == orgs["balikpapan"] and case.assigned_to == bob
        assert CaseFormerOwner.objects.filter(case=case).count() == 1
    else:
        assert case.owner_org == orgs["samarinda"] and case.assigned_to == alice
        assert not CaseFormerOwner.objects.filter(case=case).exists()


def test_the_sender_cancelling_while_the_receiver_accepts(orgs, alice, agnes):
    referral = send(alice, make_case(orgs["samarinda"]), orgs["rsud"])
    stale_a = Referral.objects.get(pk=referral.pk)
    stale_b = Referral.objects.get(pk=referral.pk)
    results = at_once(
        lambda: decisions.referral_accept(actor=agnes, referral=stale_a),
        lambda: decisions.referral_cancel(actor=alice, referral=stale_b),
    )
    assert sorted(kind for kind, _ in results) == ["error", "ok"]
    referral.refresh_from_db()
    services_on_case = ServiceDelivery.objects.filter(case=referral.case).count()
    assert services_on_case == (1 if referral.status == "accepted" else 0)


def test_capacity_never_goes_below_zero_under_concurrent_accepts(orgs, alice, regions):
    uptd = OrganizationFactory(code="uptd-shelter-c", kind="uptd", region=regions["64.72"])
    staff = [
        UserFactory(username=f"shelter{i}", organization=uptd, role="caseworker") for i in range(4)
    ]
    shelter = ServiceOfferFactory(organization=uptd, capacity_total=2, capacity_free=2)
    referrals = [send(alice, make_case(orgs["samarinda"]), None, offer=shelter) for _ in range(4)]

    results = at_once(
        *[
            (lambda user=user, ref=ref: decisions.referral_accept(actor=user, referral=ref))
            for user, ref in zip(staff, referrals, strict=True)
        ]
    )

    wins = [value for kind, value in results if kind == "ok"]
    losses = [value for kind, value in results if kind == "error"]
    assert len(wins) == 2 and len(losses) == 2
    assert all(isinstance(loss, CapacityExhausted) for loss in losses)
    shelter.refresh_from_db()
    assert shelter.capacity_free == 0
    assert (
        Referral.objects.filter(offer=shelter, status="accepted", holds_capacity=True).count() == 2
    )
    assert (
        Referral.objects.filter(offer=shelter, status="pending", holds_capacity=False).count() == 2
    )
    assert ServiceDelivery.objects.filter(provider_org=uptd).count() == 2


def test_a_place_given_back_is_taken_once(orgs, alice, regions):
    uptd = OrganizationFactory(code="uptd-shelter-d", kind="uptd", region=regions["64.72"])
    staff = UserFactory(username="shelter-d", organization=uptd, role="caseworker")
    shelter = ServiceOfferFactory(organization=uptd, capacity_total=1, capacity_free=1)
    first = send(alice, make_case(orgs["samarinda"]), None, offer=shelter)
    decisions.referral_accept(actor=staff, referral=first)
    waiting = [send(alice, make_case(orgs["samarinda"]), None, offer=shelter) for _ in range(2)]

    decisions.referral_complete(actor=staff, referral=first, outcome="Kembali ke keluarga.")
    results = at_once(
        *[(lambda ref=ref: decisions.referral_accept(actor=staff, referral=ref)) for ref in waiting]
    )
    assert sorted(kind for kind, _ in results) == ["error", "ok"]
    assert ServiceOffer.objects.get(pk=shelter.pk).capacity_free == 0


def test_two_overdue_sweeps_at_once_notify_once(orgs, alice, agnes, amir):
    late = [send(alice, make_case(orgs["samarinda"]), orgs["rsud"]) for _ in range(5)]
    Referral.objects.filter(pk__in=[r.pk for r in late]).update(
        due_at=timezone.now() - dt.timedelta(days=1)
    )
    Notification.objects.all().delete()

    results = at_once(sla.mark_overdue_referrals, sla.mark_overdue_referrals)

    assert all(kind == "ok" for kind, _ in results)
    assert sum(value for _, value in results) == 5
    # both sides told once per referral: agnes (receiver), alice and amir (sender)
    for user in (agnes, alice, amir):
        assert Notification.objects.filter(user=user, kind="overdue").count() == 5


def test_numbers_stay_unique_when_sent_at_the_same_moment(orgs, alice, amir):
    cases = [make_case(orgs["samarinda"]) for _ in range(4)]
    results = at_once(
        *[
            (lambda case=case, who=who: send(who, case, orgs["rsud"]).number)
            for case, who in zip(cases, [alice, amir, alice, amir], strict=True)
        ]
    )
    numbers = [value for kind, value in results if kind == "ok"]
    assert len(numbers) == 4 and len(set(numbers)) == 4


def test_two_transfers_of_one_case_at_once_only_one_is_sent(orgs, alice, amir, regions):
    bontang = OrganizationFactory(code="dinsos-bontang-c", region=regions["64.74"])
    case = make_case(orgs["samarinda"])
    results = at_once(
        lambda: send(alice, case, orgs["balikpapan"], kind="transfer"),
        lambda: send(amir, case, bontang, kind="transfer"),
    )
    assert sorted(kind for kind, _ in results) == ["error", "ok"]
    assert Referral.objects.filter(case=case, kind="transfer", status="pending").count() == 1


def test_a_transfer_accepted_while_the_sender_requests_closure_is_refused(orgs, alice, bob):
    """The sender's closure request holds the case row; the acceptance must wait for
    it and then see a case that is no longer active, not move it anyway."""
    from django.db import transaction

    from cases.services import workflow as case_workflow
    from pmks.errors import TransitionNotAllowed

    case = make_case(orgs["samarinda"], assigned_to=alice)
    transfer = send(alice, case, orgs["balikpapan"], kind="transfer")
    stale = Referral.objects.get(pk=transfer.pk)
    locked, release = threading.Event(), threading.Event()

    def request_closure() -> None:
        with transaction.atomic():
            case_workflow.case_transition(
                actor=alice, case=case, to_status="closure_requested", closure_reason="moved"
            )
            locked.set()
            release.wait(timeout=10)  # commit a moment after the acceptance began

    def accept() -> Referral:
        assert locked.wait(timeout=10)
        threading.Timer(1.0, release.set).start()
        return decisions.referral_accept(actor=bob, referral=stale)

    closure, acceptance = at_once(request_closure, accept)
    assert closure[0] == "ok"
    assert acceptance[0] == "error" and isinstance(acceptance[1], TransitionNotAllowed)
    transfer.refresh_from_db()
    case.refresh_from_db()
    assert transfer.status == "pending"
    assert (case.owner_org, case.status) == (orgs["samarinda"], "closure_requested")
    assert not CaseFormerOwner.objects.filter(case=case).exists()
