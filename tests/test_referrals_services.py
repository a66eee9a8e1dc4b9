"""Referral services: sending, the transition table, who may do what, transfers,
services on the case, capacity, messages and notifications."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import policy
from accounts.factories import OrganizationFactory, UserFactory
from cases.models import Case, CaseEvent, CaseFormerOwner, CaseStatus, ServiceStatus, ServiceType
from pmks.errors import (
    AlreadyDecided,
    CapacityExhausted,
    NotAllowed,
    TransitionNotAllowed,
    VersionConflict,
)
from referrals.factories import ServiceOfferFactory
from referrals.models import Notification, Referral, ServiceOffer
from referrals.services import capacity, conversation, decisions, sla, transitions
from referrals.testing import make_case, send

pytestmark = pytest.mark.django_db

received_events: list[tuple[str, int]] = []
received_changes: list[tuple[str, int | None]] = []


def record_event(event: str, referral_id: int) -> None:
    received_events.append((event, referral_id))


def record_change(model: str, pk: int | None) -> None:
    received_changes.append((model, pk))


@pytest.fixture
def hooks(settings):
    """Route pmks.hooks to recorders through the real settings-wired mechanism."""
    from pmks.hooks import _handlers

    settings.REFERRAL_EVENT_HANDLERS = [f"{__name__}.record_event"]
    settings.DATA_CHANGE_HANDLERS = [f"{__name__}.record_change"]
    _handlers.cache_clear()
    received_events.clear()
    received_changes.clear()
    yield
    _handlers.cache_clear()


@pytest.fixture
def eager_tasks():
    """Celery runs the e-mail task inline, on either stack (the Redis stack has no worker here)."""
    from pmks.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def case(orgs, alice):
    return make_case(orgs["samarinda"], assigned_to=alice)


@pytest.fixture
def to_rsud(case, alice, agnes, orgs):
    return send(alice, case, orgs["rsud"])


@pytest.fixture
def transfer(case, alice, bob, budi, orgs):
    return send(alice, case, orgs["balikpapan"], kind="transfer")


# --- sending ------------------------------------------------------------------------


def test_a_service_referral_is_sent_with_number_due_date_and_regions(case, alice, agnes, orgs):
    before = timezone.now()
    referral = send(alice, case, orgs["rsud"], urgency="high")
    year = timezone.localtime(referral.created_at).year
    assert referral.number == f"RJ/64.72/{year}/000001"
    assert referral.status == "pending"
    assert referral.from_org == orgs["samarinda"]
    assert referral.from_regency.code == "64.72"
    assert referral.to_regency.code == "64.72"
    days = (referral.due_at - referral.created_at).days
    assert days == 3  # settings.REFERRAL_SLA_DAYS["high"]
    assert referral.created_at >= before
    assert CaseEvent.objects.filter(case=case, kind="referral").count() == 1


@pytest.mark.parametrize(("urgency", "days"), [("urgent", 1), ("high", 3), ("normal", 7)])
def test_the_due_date_follows_the_sla_of_the_urgency(case, alice, orgs, settings, urgency, days):
    settings.REFERRAL_SLA_DAYS = {"urgent": 1, "high": 3, "normal": 7}
    referral = send(alice, case, orgs["rsud"], urgency=urgency)
    assert referral.due_at - referral.created_at == timezone.timedelta(days=days)


def test_numbers_count_up_per_sending_region(orgs, alice, bob):
    first = send(alice, make_case(orgs["samarinda"]), orgs["rsud"])
    second = send(alice, make_case(orgs["samarinda"]), orgs["rsud"])
    other = send(bob, make_case(orgs["balikpapan"]), orgs["ppa"])
    assert first.number.endswith("/000001")
    assert second.number.endswith("/000002")
    assert other.number.startswith("RJ/64.71/") and other.number.endswith("/000001")


def test_without_legal_basis_the_referral_cannot_be_sent(case, alice, orgs):
    with pytest.raises(ValidationError) as error:
        send(alice, case, orgs["rsud"], legal_basis="")
    assert "UU PDP" in str(error.value.message_dict["legal_basis"])
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("kind", "target", "message"),
    [
        ("service", "samarinda", "berbeda dari kantor pengirim"),
        ("service", "province", "tidak menerima rujukan"),
        ("service", "inactive", "tidak aktif"),
        ("transfer", "rsud", "Dinas Sosial kabupaten/kota"),
        ("transfer", "same_regency_office", "kabupaten/kota lain"),
    ],
)
def test_it_refuses_a_wrong_destination(case, alice, orgs, regions, kind, target, message):
    if target == "inactive":
        to_org = OrganizationFactory(code="lks-closed", kind="agency", is_active=False)
    elif target == "same_regency_office":
        to_org = OrganizationFactory(
            code="dinsos-x", kind="regency_office", region=regions["64.72"]
        )
    else:
        to_org = orgs[target]
    with pytest.raises(ValidationError) as error:
        send(alice, case, to_org, kind=kind)
    assert message in str(error.value.message_dict["to_org"])


def test_a_service_referral_needs_the_service_requested(case, alice, orgs):
    with pytest.raises(ValidationError) as error:
        send(alice, case, orgs["rsud"], service_type=None)
    assert "service_type" in error.value.message_dict


@pytest.mark.parametrize("persona", ["bob", "prov", "agnes", "budi"])
def test_only_someone_who_may_change_the_case_refers_it(request, case, orgs, persona):
    with pytest.raises(NotAllowed):
        send(request.getfixturevalue(persona), case, orgs["rsud"])


def test_the_office_supervisor_refers_on_behalf_of_the_owning_office(case, sari, orgs):
    referral = send(sari, case, orgs["rsud"])
    assert referral.from_org == orgs["samarinda"]


def test_a_closed_case_cannot_be_referred(orgs, alice):
    closed = make_case(orgs["samarinda"], status=CaseStatus.CLOSED)
    with pytest.raises(ValidationError) as error:
        send(alice, closed, orgs["rsud"])
    assert "case" in error.value.message_dict


def test_a_second_pending_transfer_of_the_same_case_is_refused(transfer, case, alice, regions):
    bontang = OrganizationFactory(code="dinsos-bontang", region=regions["64.74"])
    with pytest.raises(ValidationError) as error:
        send(alice, case, bontang, kind="transfer")
    assert "menunggu keputusan" in str(error.value.message_dict["kind"])
    # a service referral alongside is fine
    assert send(alice, case, bontang, kind="service").pk


# --- the transition table and who may move ------------------------------------------


@pytest.mark.parametrize(
    ("persona", "action", "allowed"),
    [
        ("agnes", "accept", True),  # staff of the receiving agency
        ("agnes", "decline", True),
        ("agnes", "cancel", False),
        ("alice", "accept", False),  # the sender does not decide
        ("alice", "decline", False),
        ("alice", "cancel", True),
        ("amir", "cancel", True),  # any caseworker of the sending office
        ("sari", "cancel", True),  # its supervisor
        ("sari", "accept", False),
        ("prov", "accept", False),  # provincial supervisor: read-only
        ("prov", "cancel", False),
        ("adam", "accept", False),  # another agency
        ("bob", "cancel", False),  # another office
    ],
)
def test_who_may_move_a_service_referral(request, to_rsud, persona, action, allowed):
    actor = request.getfixturevalue(persona)
    assert (action in transitions.allowed_actions(actor, to_rsud)) is allowed
    move = {
        "accept": lambda: decisions.referral_accept(actor=actor, referral=to_rsud),
        "decline": lambda: decisions.referral_decline(actor=actor, referral=to_rsud, reason="x"),
        "cancel": lambda: decisions.referral_cancel(actor=actor, referral=to_rsud),
    }[action]
    if allowed:
        move()
        to_rsud.refresh_from_db()
        assert to_rsud.status == {"accept": "accepted", "decline": "declined"}.get(
            action, "cancelled"
        )
    else:
        with pytest.raises(NotAllowed):
            move()
        to_rsud.refresh_from_db()
        assert to_rsud.status == "pending"


@pytest.mark.parametrize(
    ("status", "action", "error"),
    [
        ("pending", "complete", TransitionNotAllowed),  # not accepted yet
        ("accepted", "accept", AlreadyDecided),
        ("accepted", "decline", AlreadyDecided),
        ("accepted", "cancel", AlreadyDecided),
        ("declined", "accept", AlreadyDecided),
        ("declined", "complete", TransitionNotAllowed),
        ("cancelled", "decline", AlreadyDecided),
        ("completed", "complete", AlreadyDecided),
        ("completed", "cancel", AlreadyDecided),
    ],
)
def test_moves_outside_the_table_are_refused(to_rsud, alice, agnes, status, action, error):
    if status in ("accepted", "completed"):
        decisions.referral_accept(actor=agnes, referral=to_rsud)
    if status == "completed":
        decisions.referral_complete(actor=agnes, referral=to_rsud, outcome="Sudah dirawat.")
    if status == "declined":
        decisions.referral_decline(actor=agnes, referral=to_rsud, reason="Penuh.")
    if status == "cancelled":
        decisions.referral_cancel(actor=alice, referral=to_rsud)
    actor = alice if action == "cancel" else agnes
    stale = Referral.objects.get(pk=to_rsud.pk)
    with pytest.raises(error):
        {
            "accept": lambda: decisions.referral_accept(actor=actor, referral=stale),
            "decline": lambda: decisions.referral_decline(actor=actor, referral=stale, reason="x"),
            "cancel": lambda: decisions.referral_cancel(actor=actor, referral=stale),
            "complete": lambda: decisions.referral_complete(
                actor=actor, referral=stale, outcome="x"
            ),
        }[action]()


def test_the_loser_of_a_decision_is_told_who_decided_and_when(to_rsud, agnes, alice):
    stale = Referral.objects.get(pk=to_rsud.pk)  # alice's page, loaded before the decision
    decisions.referral_decline(actor=agnes, referral=to_rsud, reason="Tidak ada dokter jiwa.")
    with pytest.raises(AlreadyDecided) as error:
        decisions.referral_cancel(actor=alice, referral=stale)
    message = str(error.value.message)
    assert "sudah ditolak oleh Agnes (RSUD Abdul Wahab Sjahranie)" in message
    assert str(timezone.localtime(Referral.objects.get(pk=to_rsud.pk).decided_at).year) in message


def test_a_version_conflict_says_to_reload_and_carries_the_fresh_row(to_rsud, agnes):
    with pytest.raises(VersionConflict) as error:
        decisions.referral_accept(actor=agnes, referral=to_rsud, expected_version=99)
    assert str(error.value.message) == (
        "Rujukan ini sudah diubah orang lain. Muat ulang halaman lalu coba lagi."
    )
    current = error.value.details["current"]
    assert (current.pk, current.status, current.version) == (to_rsud.pk, "pending", to_rsud.version)


def test_a_supervisor_account_of_the_addressed_agency_decides_but_never_cancels(to_rsud, orgs):
    head = UserFactory(username="kepala-rsud", organization=orgs["rsud"], role="supervisor")
    assert transitions.allowed_actions(head, to_rsud) == ["accept", "decline"]
    assert not policy.may_act_on_referral(head, to_rsud, "sender")


def test_a_deactivated_caseworker_of_the_sending_office_is_no_party(to_rsud, alice):
    alice.is_active = False
    assert not policy.may_post_referral_message(alice, to_rsud)
    assert transitions.allowed_actions(alice, to_rsud) == []


def test_every_move_counts_the_version_up_by_one(to_rsud, agnes):
    version = to_rsud.version
    decisions.referral_accept(actor=agnes, referral=to_rsud, expected_version=version)
    assert to_rsud.version == version + 1
    decisions.referral_complete(actor=agnes, referral=to_rsud, outcome="Selesai.")
    assert to_rsud.version == version + 2


def test_an_accepted_service_referral_offers_only_its_completion(to_rsud, agnes, alice):
    decisions.referral_accept(actor=agnes, referral=to_rsud)
    assert transitions.allowed_actions(agnes, to_rsud) == ["complete"]
    assert transitions.allowed_actions(alice, to_rsud) == []


def test_the_loser_is_told_the_moment_of_the_decision_not_the_time_now(to_rsud, agnes, alice):
    stale = Referral.objects.get(pk=to_rsud.pk)
    wita = zoneinfo.ZoneInfo("Asia/Makassar")
    with time_machine.travel(dt.datetime(2031, 3, 5, 14, 7, tzinfo=wita), tick=False):
        decisions.referral_decline(actor=agnes, referral=to_rsud, reason="Penuh.")
    with (
        time_machine.travel(dt.datetime(2031, 3, 6, 8, 0, tzinfo=wita), tick=False),
        pytest.raises(AlreadyDecided) as error,
    ):
        decisions.referral_cancel(actor=alice, referral=stale)
    assert str(error.value.message) == (
        "Rujukan ini sudah ditolak oleh Agnes (RSUD Abdul Wahab Sjahranie) "
        "pada 05/03/2031 14:07 WITA."
    )
    to_rsud.refresh_from_db()
    assert to_rsud.updated_at == dt.datetime(2031, 3, 5, 14, 7, tzinfo=wita)


def test_the_loser_gets_the_decision_as_details_for_the_api(to_rsud, agnes, alice):
    stale = Referral.objects.get(pk=to_rsud.pk)
    decisions.referral_decline(actor=agnes, referral=to_rsud, reason="Penuh.")
    decided_at = Referral.objects.get(pk=to_rsud.pk).decided_at
    with pytest.raises(AlreadyDecided) as error:
        decisions.referral_cancel(actor=alice, referral=stale)
    assert error.value.details == {
        "status": "declined",
        "decided_by": {
            "id": agnes.pk,
            "name": "Agnes",
            "organization": "RSUD Abdul Wahab Sjahranie",
        },
        "decided_at": timezone.localtime(decided_at).isoformat(),  # WITA, +08:00
    }


def test_a_decision_recorded_without_decider_or_time_is_still_told(to_rsud, agnes, alice):
    # A row not written by these services (an import, a hand repair) may lack both.
    stale = Referral.objects.get(pk=to_rsud.pk)
    decisions.referral_decline(actor=agnes, referral=to_rsud, reason="Penuh.")
    Referral.objects.filter(pk=to_rsud.pk).update(decided_by=None, decided_at=None)
    with pytest.raises(AlreadyDecided) as error:
        decisions.referral_cancel(actor=alice, referral=stale)
    assert str(error.value.message) == "Rujukan ini sudah ditolak oleh pengguna lain pada -."
    assert error.value.details == {"status": "declined", "decided_by": None, "decided_at": None}


def test_a_decider_without_an_organization_is_named_alone(to_rsud, agnes, alice):
    stale = Referral.objects.get(pk=to_rsud.pk)
    decisions.referral_decline(actor=agnes, referral=to_rsud, reason="Penuh.")
    type(agnes).objects.filter(pk=agnes.pk).update(organization=None)
    with pytest.raises(AlreadyDecided) as error:
        decisions.referral_cancel(actor=alice, referral=stale)
    assert str(error.value.message).startswith("Rujukan ini sudah ditolak oleh Agnes pada ")
    assert error.value.details["decided_by"] == {
        "id": agnes.pk,
        "name": "Agnes",
        "organization": None,
    }


def test_the_refusal_is_told_from_the_one_row_fetched(
    to_rsud, agnes, alice, orgs, django_assert_num_queries
):
    decisions.referral_decline(actor=agnes, referral=to_rsud, reason="Penuh.")
    completed = send(alice, make_case(orgs["samarinda"], assigned_to=alice), orgs["rsud"])
    decisions.referral_accept(actor=agnes, referral=completed)
    decisions.referral_complete(actor=agnes, referral=completed, outcome="Selesai.")
    for pk in (to_rsud.pk, completed.pk):
        current = transitions._fresh(pk)
        with django_assert_num_queries(0):  # who decided and their organization came along
            refusal = transitions._refusal(current, "cancel")
        assert "RSUD Abdul Wahab Sjahranie" in str(refusal)


def test_a_move_from_the_wrong_status_names_the_status(to_rsud, agnes):
    with pytest.raises(TransitionNotAllowed) as error:
        decisions.referral_complete(actor=agnes, referral=to_rsud, outcome="x")
    assert str(error.value.message) == (
        "Rujukan berstatus “Menunggu keputusan” tidak dapat diproses dengan tindakan ini."
    )


def test_a_stale_version_is_a_version_conflict_not_a_silent_win(to_rsud, agnes):
    with pytest.raises(VersionConflict):
        decisions.referral_accept(actor=agnes, referral=to_rsud, expected_version=99)
    to_rsud.refresh_from_db()
    assert to_rsud.status == "pending"
    decisions.referral_accept(actor=agnes, referral=to_rsud, expected_version=to_rsud.version)
    assert to_rsud.status == "accepted"


def test_a_decline_needs_a_reason_and_a_completion_an_outcome(to_rsud, agnes):
    with pytest.raises(ValidationError) as error:
        decisions.referral_decline(actor=agnes, referral=to_rsud, reason="  ")
    assert "reason" in error.value.message_dict
    decisions.referral_accept(actor=agnes, referral=to_rsud)
    with pytest.raises(ValidationError) as error:
        decisions.referral_complete(actor=agnes, referral=to_rsud, outcome="")
    assert "outcome" in error.value.message_dict
    to_rsud.refresh_from_db()
    assert to_rsud.status == "accepted"


def test_a_transfer_is_finished_by_its_acceptance(transfer, bob):
    decisions.referral_accept(actor=bob, referral=transfer)
    with pytest.raises(TransitionNotAllowed):
        decisions.referral_complete(actor=bob, referral=transfer, outcome="x")
    assert transitions.allowed_actions(bob, transfer) == []


def test_the_refusals_of_the_table_say_why(transfer, to_rsud, bob, sari):
    decisions.referral_accept(actor=bob, referral=transfer)
    with pytest.raises(TransitionNotAllowed) as error:
        decisions.referral_complete(actor=bob, referral=transfer, outcome="x")
    assert str(error.value.message) == (
        "Pemindahan kasus selesai saat diterima; tidak ada hasil yang dilaporkan."
    )
    with pytest.raises(NotAllowed) as refused:
        decisions.referral_accept(actor=sari, referral=to_rsud)
    assert str(refused.value.message) == (
        "Hanya organisasi penerima yang dapat memutuskan rujukan ini."
    )
    with pytest.raises(NotAllowed) as refused:
        decisions.referral_cancel(actor=sari, referral=to_rsud)  # the case is Balikpapan's now
    assert str(refused.value.message) == (
        "Hanya kantor pemilik kasus saat ini yang dapat membatalkan rujukan layanan ini."
    )


def test_only_the_sending_office_is_told_it_may_cancel_a_transfer(transfer, bob):
    with pytest.raises(NotAllowed) as refused:
        decisions.referral_cancel(actor=bob, referral=transfer)
    assert str(refused.value.message) == "Hanya kantor pengirim yang dapat membatalkan rujukan ini."


# --- transfer ---------------------------------------------------------------------------


def test_an_accepted_transfer_moves_the_case_to_the_accepting_caseworker(
    transfer, case, alice, bob, orgs
):
    decisions.referral_accept(actor=bob, referral=transfer)
    case.refresh_from_db()
    assert case.owner_org == orgs["balikpapan"]
    assert case.regency.code == "64.71"
    assert case.assigned_to == bob
    former = CaseFormerOwner.objects.get(case=case)
    assert former.organization == orgs["samarinda"]
    # the sending office keeps reading, no longer writes
    assert Case.objects.visible_to(alice).filter(pk=case.pk).exists()
    assert not Case.objects.writable_by(alice).filter(pk=case.pk).exists()
    assert Case.objects.writable_by(bob).filter(pk=case.pk).exists()


def test_a_transfer_accepted_through_an_api_key_waits_for_assignment(transfer, case, orgs):
    """The key's integration user is not a person: it never becomes the caseworker."""
    integration = UserFactory(organization=orgs["balikpapan"], is_integration=True)
    decisions.referral_accept(actor=integration, referral=transfer)
    case.refresh_from_db()
    assert case.owner_org == orgs["balikpapan"]
    assert case.assigned_to is None


def test_a_transfer_accepted_by_a_supervisor_waits_for_assignment(transfer, case, budi, bob):
    decisions.referral_accept(actor=budi, referral=transfer)
    case.refresh_from_db()
    assert case.owner_org == budi.organization
    assert case.assigned_to is None


def test_the_receiving_supervisor_may_name_the_caseworker(transfer, case, budi, bob):
    decisions.referral_accept(actor=budi, referral=transfer, assigned_to=bob)
    case.refresh_from_db()
    assert case.assigned_to == bob


def test_the_assignee_must_work_at_the_receiving_office(transfer, case, budi, amir):
    with pytest.raises(ValidationError):
        decisions.referral_accept(actor=budi, referral=transfer, assigned_to=amir)
    case.refresh_from_db()
    transfer.refresh_from_db()
    assert case.owner_org != budi.organization
    assert transfer.status == "pending"


def test_a_declined_transfer_leaves_the_case_where_it_was(transfer, case, bob, alice, orgs):
    decisions.referral_decline(actor=bob, referral=transfer, reason="Alamat bukan di Balikpapan.")
    case.refresh_from_db()
    assert case.owner_org == orgs["samarinda"] and case.assigned_to == alice
    assert not CaseFormerOwner.objects.filter(case=case).exists()


def test_a_case_closed_meanwhile_cannot_be_accepted(transfer, to_rsud, case, bob, agnes):
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
    with pytest.raises(TransitionNotAllowed):
        decisions.referral_accept(actor=bob, referral=transfer)
    with pytest.raises(TransitionNotAllowed):
        decisions.referral_accept(actor=agnes, referral=to_rsud)
    assert set(Referral.objects.values_list("status", flat=True)) == {"pending"}


def test_the_referrals_of_a_case_follow_it_to_its_new_owner(
    transfer, to_rsud, case, alice, bob, orgs
):
    decisions.referral_accept(actor=bob, referral=transfer)
    later = send(bob, Case.objects.get(pk=case.pk), orgs["ppa"])
    seen_by_bob = set(Referral.objects.visible_to(bob).values_list("pk", flat=True))
    seen_by_alice = set(Referral.objects.visible_to(alice).values_list("pk", flat=True))
    assert {transfer.pk, to_rsud.pk, later.pk} <= seen_by_bob  # the whole history
    assert seen_by_alice == {transfer.pk, to_rsud.pk}  # her own, not what came after
    # the pending service referral is his office's to follow up now, not hers
    to_rsud = Referral.objects.get(pk=to_rsud.pk)
    assert transitions.allowed_actions(bob, to_rsud) == ["cancel"]
    assert transitions.allowed_actions(alice, to_rsud) == []


# --- service on the case, capacity ------------------------------------------------------


def test_an_accepted_service_appears_among_the_case_services_and_completes(
    to_rsud, case, agnes, orgs
):
    decisions.referral_accept(actor=agnes, referral=to_rsud)
    service = to_rsud.service_delivery
    assert service is not None
    assert service.case == case
    assert service.provider_org == orgs["rsud"]
    assert service.status == ServiceStatus.ONGOING
    decisions.referral_complete(actor=agnes, referral=to_rsud, outcome="Rawat jalan selesai.")
    service.refresh_from_db()
    assert service.status == ServiceStatus.DONE
    assert service.outcome == "Rawat jalan selesai."
    assert service.end_date == timezone.localdate()
    to_rsud.refresh_from_db()
    assert to_rsud.completed_by == agnes and to_rsud.outcome == "Rawat jalan selesai."


@pytest.fixture
def shelter(orgs, regions):
    uptd = OrganizationFactory(code="uptd-shelter", kind="uptd", region=regions["64.72"])
    return ServiceOfferFactory(
        organization=uptd, name="Shelter sementara", capacity_total=2, capacity_free=1
    )


@pytest.fixture
def shelter_staff(shelter):
    return UserFactory(username="uptd-staff", organization=shelter.organization)


def test_accepting_takes_a_place_and_completing_gives_it_back(shelter, shelter_staff, alice, orgs):
    referral = send(alice, make_case(orgs["samarinda"]), None, offer=shelter)
    assert referral.to_org == shelter.organization
    assert referral.service_type.code == "shelter"
    decisions.referral_accept(actor=shelter_staff, referral=referral)
    shelter.refresh_from_db()
    assert shelter.capacity_free == 0 and referral.holds_capacity
    decisions.referral_complete(actor=shelter_staff, referral=referral, outcome="Pulang.")
    shelter.refresh_from_db()
    referral.refresh_from_db()
    assert shelter.capacity_free == 1 and not referral.holds_capacity


def test_a_full_service_refuses_acceptance_and_nothing_is_half_done(
    shelter, shelter_staff, alice, orgs
):
    case = make_case(orgs["samarinda"])
    first = send(alice, make_case(orgs["samarinda"]), None, offer=shelter)
    second = send(alice, case, None, offer=shelter)
    decisions.referral_accept(actor=shelter_staff, referral=first)
    with pytest.raises(CapacityExhausted) as error:
        decisions.referral_accept(actor=shelter_staff, referral=second)
    assert "sudah penuh" in str(error.value.message)
    second.refresh_from_db()
    shelter.refresh_from_db()
    assert second.status == "pending" and not second.holds_capacity
    assert shelter.capacity_free == 0
    assert not case.services.exists()  # the service on the case was rolled back too


def test_a_place_is_returned_only_once(shelter, shelter_staff, alice, orgs):
    referral = send(alice, make_case(orgs["samarinda"]), None, offer=shelter)
    decisions.referral_accept(actor=shelter_staff, referral=referral)
    decisions.referral_complete(actor=shelter_staff, referral=referral, outcome="Selesai.")
    capacity._release_place(referral, now=timezone.now())  # a second release does nothing
    shelter.refresh_from_db()
    assert shelter.capacity_free == 1


def test_an_offer_without_capacity_is_not_counted(orgs, alice, agnes):
    clinic = ServiceOfferFactory(
        organization=orgs["rsud"], service_type=ServiceType.objects.get(code="health")
    )
    referral = send(alice, make_case(orgs["samarinda"]), None, offer=clinic)
    decisions.referral_accept(actor=agnes, referral=referral)
    clinic.refresh_from_db()
    assert clinic.capacity_free is None and not referral.holds_capacity


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("agnes", True), ("adam", False), ("alice", False), ("prov", False)],
)
def test_only_the_offering_organization_updates_its_capacity(request, orgs, persona, allowed):
    offer = ServiceOfferFactory(organization=orgs["rsud"], capacity_total=10, capacity_free=3)
    actor = request.getfixturevalue(persona)
    if allowed:
        capacity.offer_update_capacity(actor=actor, offer=offer, capacity_free=5)
        offer.refresh_from_db()
        assert offer.capacity_free == 5 and offer.capacity_updated_by == actor
    else:
        with pytest.raises(NotAllowed):
            capacity.offer_update_capacity(actor=actor, offer=offer, capacity_free=5)


def test_free_capacity_stays_between_zero_and_total(orgs, agnes):
    offer = ServiceOfferFactory(organization=orgs["rsud"], capacity_total=10, capacity_free=3)
    for bad in (-1, 11):
        with pytest.raises(ValidationError):
            capacity.offer_update_capacity(actor=agnes, offer=offer, capacity_free=bad)
    capacity.offer_update_capacity(actor=agnes, offer=offer, capacity_free=12, capacity_total=12)
    assert ServiceOffer.objects.get(pk=offer.pk).capacity_total == 12


def test_staff_of_an_offering_office_update_its_capacity_and_its_admin_does_not(
    shelter, shelter_staff
):
    capacity.offer_update_capacity(actor=shelter_staff, offer=shelter, capacity_free=2)
    shelter.refresh_from_db()
    assert shelter.capacity_free == 2
    admin = UserFactory(username="uptd-admin", organization=shelter.organization, role="admin")
    with pytest.raises(NotAllowed):
        capacity.offer_update_capacity(actor=admin, offer=shelter, capacity_free=0)


# --- messages, notifications, hooks ------------------------------------------------------


def test_both_organizations_talk_on_the_thread(to_rsud, alice, agnes, amir):
    conversation.referral_message_post(actor=agnes, referral=to_rsud, body="Pasien datang jam 9?")
    conversation.referral_message_post(actor=alice, referral=to_rsud, body="Ya, diantar keluarga.")
    assert [m.author_org.code for m in to_rsud.messages.all()] == ["rsud-aws", "dinsos-samarinda"]
    # amir (sender office) is told about agnes's message; agnes about alice's
    assert Notification.objects.filter(user=amir, kind="message").count() == 2
    assert Notification.objects.filter(user=agnes, kind="message").count() == 1


@pytest.mark.parametrize("persona", ["prov", "adam", "bob"])
def test_outsiders_cannot_post_on_the_thread(request, to_rsud, persona):
    with pytest.raises(NotAllowed):
        conversation.referral_message_post(
            actor=request.getfixturevalue(persona), referral=to_rsud, body="Halo"
        )


def test_an_empty_message_is_refused(to_rsud, alice):
    with pytest.raises(ValidationError):
        conversation.referral_message_post(actor=alice, referral=to_rsud, body="   ")


def test_a_new_referral_notifies_the_receiver_and_not_the_sender(to_rsud, alice, agnes, amir):
    assert Notification.objects.filter(user=agnes, kind="new_referral").count() == 1
    assert not Notification.objects.filter(user=alice).exists()
    assert not Notification.objects.filter(user=amir).exists()


def test_a_decision_notifies_both_sides_but_not_the_decider(to_rsud, alice, agnes, amir):
    colleague = UserFactory(username="agnes2", organization=agnes.organization, role="agency_staff")
    decisions.referral_decline(actor=agnes, referral=to_rsud, reason="Penuh.")
    for user in (alice, amir, colleague):
        assert Notification.objects.filter(user=user, kind="decision").count() == 1
    assert not Notification.objects.filter(user=agnes, kind="decision").exists()


def test_emails_go_out_after_commit_through_celery(
    case, alice, agnes, orgs, mailoutbox, eager_tasks, django_capture_on_commit_callbacks
):
    agnes.email = "agnes@rsud.invalid"
    agnes.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        referral = send(alice, case, orgs["rsud"])
    assert mailoutbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["agnes@rsud.invalid"]
    assert referral.number in email.body
    assert f"/rujukan/{referral.pk}/" in email.body
    assert case.beneficiary.full_name not in email.body  # no personal data by e-mail


def test_every_write_calls_the_hooks(
    hooks, case, alice, agnes, orgs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = send(alice, case, orgs["rsud"])
    with django_capture_on_commit_callbacks(execute=True):
        conversation.referral_message_post(actor=agnes, referral=referral, body="Baik.")
    with django_capture_on_commit_callbacks(execute=True):
        decisions.referral_accept(actor=agnes, referral=referral)
    with django_capture_on_commit_callbacks(execute=True):
        decisions.referral_complete(actor=agnes, referral=referral, outcome="Selesai.")
    assert received_events == [
        ("new_referral", referral.pk),
        ("message", referral.pk),
        ("decision", referral.pk),
        ("completed", referral.pk),
    ]
    assert received_changes.count(("referral", referral.pk)) == 4
    assert ("service", referral.service_delivery_id) in received_changes


def test_a_cancellation_is_an_event_for_both_sides(
    hooks, to_rsud, alice, agnes, django_capture_on_commit_callbacks
):
    received_events.clear()  # (the fixture's new_referral: hooks run in the writer's transaction)
    with django_capture_on_commit_callbacks(execute=True):
        decisions.referral_cancel(actor=alice, referral=to_rsud, reason="Sudah tertangani.")
    assert received_events == [("cancelled", to_rsud.pk)]
    assert Notification.objects.filter(user=agnes, kind="cancelled").count() == 1


# --- a service referral pending when its case is transferred ------------------------------


@pytest.fixture
def moved(to_rsud, transfer, bob):
    """alice asked RSUD for a service, then the case moved to Balikpapan (bob accepted
    the transfer); the service referral as a page loads it afterwards."""
    decisions.referral_accept(actor=bob, referral=transfer)
    return Referral.objects.get(pk=to_rsud.pk)


@pytest.mark.parametrize(
    ("persona", "action", "allowed"),
    [
        ("bob", "cancel", True),  # caseworker of the office that owns the case now
        ("budi", "cancel", True),  # its supervisor
        ("alice", "cancel", False),  # the office that sent it, no longer the owner
        ("amir", "cancel", False),
        ("sari", "cancel", False),
        ("prov", "cancel", False),
        ("agnes", "accept", True),  # the receiver is unchanged
        ("bob", "accept", False),
    ],
)
def test_after_a_transfer_the_new_owner_is_the_sending_side(
    request, moved, orgs, persona, action, allowed
):
    actor = request.getfixturevalue(persona)
    assert (action in transitions.allowed_actions(actor, moved)) is allowed
    move = {
        "accept": lambda: decisions.referral_accept(actor=actor, referral=moved),
        "cancel": lambda: decisions.referral_cancel(actor=actor, referral=moved),
    }[action]
    if allowed:
        move()
    else:
        with pytest.raises(NotAllowed):
            move()
    moved.refresh_from_db()
    assert moved.status == (
        {"accept": "accepted", "cancel": "cancelled"}[action] if allowed else "pending"
    )
    assert moved.from_org == orgs["samarinda"]  # who sent it stays recorded


def test_the_old_office_is_told_why_it_may_no_longer_cancel(moved, alice):
    with pytest.raises(NotAllowed) as error:
        decisions.referral_cancel(actor=alice, referral=moved)
    assert "kantor pemilik kasus saat ini" in str(error.value.message)


def test_the_new_owners_cancellation_is_on_the_case_and_told_to_the_receiver(
    moved, case, alice, amir, bob, budi, agnes
):
    decisions.referral_cancel(actor=bob, referral=moved, reason="Sudah ditangani di Balikpapan.")
    event = CaseEvent.objects.filter(case=case, kind="referral").latest("pk")
    assert event.actor == bob and moved.number in event.text and "dibatalkan" in event.text
    told = Notification.objects.get(user=agnes, kind="cancelled")
    assert "dibatalkan oleh Dinas Sosial Kota Balikpapan" in told.text
    assert Notification.objects.filter(user=budi, kind="cancelled").count() == 1
    assert not Notification.objects.filter(user__in=[alice, amir], kind="cancelled").exists()


def test_after_a_transfer_the_thread_is_between_the_new_owner_and_the_receiver(
    moved, alice, amir, bob, budi, agnes
):
    conversation.referral_message_post(actor=bob, referral=moved, body="Kasus kini di Balikpapan.")
    with pytest.raises(NotAllowed):
        conversation.referral_message_post(actor=alice, referral=moved, body="Masih kami?")
    Notification.objects.all().delete()
    conversation.referral_message_post(actor=agnes, referral=moved, body="Baik, kami hubungi.")
    assert {n.user for n in Notification.objects.filter(kind="message")} == {bob, budi}
    assert [m.author_org.code for m in moved.messages.all()] == [
        "dinsos-balikpapan",
        "rsud-aws",
    ]


def test_after_a_transfer_the_receivers_decision_goes_to_the_new_owner(
    moved, alice, amir, bob, budi, agnes
):
    Notification.objects.all().delete()
    decisions.referral_accept(actor=agnes, referral=moved)
    assert {n.user for n in Notification.objects.filter(kind="decision")} == {bob, budi}
    decisions.referral_complete(actor=agnes, referral=moved, outcome="Rawat jalan selesai.")
    assert {n.user for n in Notification.objects.filter(kind="completed")} == {bob, budi}
    assert not Notification.objects.filter(user__in=[alice, amir]).exists()


def test_after_a_transfer_an_overdue_service_referral_is_told_to_the_new_owner(
    moved, alice, bob, budi, agnes
):
    Referral.objects.filter(pk=moved.pk).update(due_at=timezone.now() - timezone.timedelta(days=1))
    Notification.objects.all().delete()
    assert sla.mark_overdue_referrals() == 1
    assert {n.user for n in Notification.objects.filter(kind="overdue")} == {bob, budi, agnes}


def test_a_transfers_sending_side_stays_the_office_that_sent_it(
    transfer, case, alice, sari, bob, budi, orgs
):
    assert policy.referral_sending_office(transfer) == (
        orgs["samarinda"].pk,
        orgs["samarinda"].region_id,
    )
    assert transitions.allowed_actions(alice, transfer) == ["cancel"]
    assert transitions.allowed_actions(sari, transfer) == ["cancel"]
    assert "cancel" not in transitions.allowed_actions(bob, transfer)
    decisions.referral_accept(actor=bob, referral=transfer)
    transfer = Referral.objects.get(pk=transfer.pk)
    # the case is Balikpapan's now; the transfer's thread stays between the two offices
    assert policy.referral_sending_office(transfer)[0] == orgs["samarinda"].pk
    assert policy.is_referral_sender(alice, transfer) and not policy.is_referral_sender(
        bob, transfer
    )
    conversation.referral_message_post(actor=alice, referral=transfer, body="Berkas menyusul.")
    assert Notification.objects.filter(user=budi, kind="message").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_old_office_cancelling_while_the_transfer_commits_is_refused(orgs, alice, bob) -> None:
    """alice's page was loaded before the transfer; her cancel waits for the case row
    the acceptance holds, then sees the case is Balikpapan's."""
    import threading

    from django.db import connection, transaction

    case = make_case(orgs["samarinda"], assigned_to=alice)
    service = send(alice, case, orgs["rsud"])
    transfer = send(alice, case, orgs["balikpapan"], kind="transfer")
    stale = Referral.objects.select_related("case").get(pk=service.pk)
    locked, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def accept_transfer() -> None:
        try:
            with transaction.atomic():
                decisions.referral_accept(actor=bob, referral=transfer)
                locked.set()
                release.wait(timeout=10)  # commit a moment after the cancel began
            results["accept"] = "ok"
        finally:
            connection.close()

    def cancel() -> None:
        try:
            assert locked.wait(timeout=10)
            threading.Timer(1.0, release.set).start()
            decisions.referral_cancel(actor=alice, referral=stale)
            results["cancel"] = "ok"
        except Exception as exc:  # collected for the assertions
            results["cancel"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=accept_transfer), threading.Thread(target=cancel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a thread is stuck (deadlock?)"
    assert results["accept"] == "ok"
    assert isinstance(results["cancel"], NotAllowed)
    assert Referral.objects.get(pk=service.pk).status == "pending"
    assert Case.objects.get(pk=case.pk).owner_org == orgs["balikpapan"]
