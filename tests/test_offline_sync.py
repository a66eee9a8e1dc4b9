"""The server side of offline capture (docs/OFFLINE.md): GET /luring/data-acuan/ and
POST /luring/kirim/. A record sent twice is created once (the idempotency table the
API uses, scope user:<pk>, 30 days); a refusal is not kept; a registered NIK or a
similar person is brought to the worker (and waits as a SyncDecision row); an edit
of a case changed meanwhile shows both values and overwrites nothing; the door is
the HTML pages' (a foreign case is 404)."""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.factories import BeneficiaryFactory, CaseFactory
from cases.models import Assessment, Beneficiary, Case, CaseEvent, PmksCategory, ServiceDelivery
from cases.services import opening
from cases.testing import fast_password_hashing_fixture, make_nik, registration_form_data  # noqa: F401
from idempotency.models import IdempotencyKey
from offline.models import SyncDecision
from offline.sync_reference import OPEN_CASES_CAP
from outbox.models import OutboxEvent
from regions.models import Level, Region

pytestmark = pytest.mark.django_db

SUBMIT = "/luring/kirim/"
REFERENCE = "/luring/data-acuan/"
CSRF = "a" * 32  # an unmasked CSRF secret: cookie and header carry the same


def _client(user: Any) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.cookies["csrftoken"] = CSRF
    return client


def _send(client: Client, record: dict[str, Any], *, csrf: str | None = CSRF) -> Any:
    headers = {"X-CSRFToken": csrf} if csrf else {}
    return client.post(SUBMIT, json.dumps(record), content_type="application/json", headers=headers)


def _record(kind: str, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"uuid": str(uuid.uuid4()), "kind": kind, "data": data, **extra}


def _person(regions, **overrides):
    return registration_form_data(regions, **overrides)


@pytest.fixture
def case(orgs, alice):
    return CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice)


# --- idempotency ----------------------------------------------------------------------


def test_the_same_uuid_sent_twice_creates_one_note_and_replays_the_first_answer(alice, case):
    client = _client(alice)
    record = _record("note", {"text": "Kunjungan rumah, ibu ada di tempat."}, case=case.pk)

    first = _send(client, record)
    again = _send(client, record)

    assert first.status_code == again.status_code == 201
    assert first.json()["status"] == "created"
    assert first.json()["uuid"] == record["uuid"]
    assert first.json()["url"] == reverse("cases:case_detail", args=[case.pk])
    assert "Idempotent-Replay" not in first
    assert again["Idempotent-Replay"] == "true"
    assert again.json() == first.json()
    assert CaseEvent.objects.filter(case=case, kind="note").count() == 1


def test_an_offline_key_lives_30_days_in_the_apis_table_scoped_to_the_user(alice, case):
    before = timezone.now()
    record = _record("note", {"text": "Catatan."}, case=case.pk)
    _send(_client(alice), record)

    key = IdempotencyKey.objects.get(key=record["uuid"])
    assert key.scope == f"user:{alice.pk}"
    assert key.response_status == 201
    assert key.expires_at >= before + dt.timedelta(days=30)


def test_a_refused_record_is_not_kept_and_its_correction_is_accepted_under_the_same_uuid(
    alice, case
):
    client = _client(alice)
    record = _record("assessment", {"needs": ["food"]}, case=case.pk)  # no risk level

    refused = _send(client, record)
    assert refused.status_code == 400
    assert refused.json()["status"] == "refused"
    assert refused.json()["errors"]["risk_level"]  # in Indonesian, from the form
    assert not IdempotencyKey.objects.filter(key=record["uuid"]).exists()

    record["data"]["risk_level"] = "high"
    accepted = _send(client, record)
    assert accepted.status_code == 201, accepted.json()
    assert Assessment.objects.filter(case=case).count() == 1
    case.refresh_from_db()
    assert case.status == "assessment"  # the same service as the HTML form


def test_the_same_uuid_with_another_record_is_refused_with_422(alice, case):
    client = _client(alice)
    record = _record("note", {"text": "Pertama."}, case=case.pk)
    _send(client, record)

    record["data"]["text"] = "Isi lain dengan UUID yang sama."
    response = _send(client, record)

    assert response.status_code == 422
    assert response.json()["status"] == "refused"
    assert response.json()["errors"]["__all__"]
    assert CaseEvent.objects.filter(case=case, kind="note").count() == 1


def test_a_service_through_sync_leaves_the_history_and_outbox_the_form_leaves(alice, case):
    reference = _client(alice).get(REFERENCE).json()
    shelter = next(t["id"] for t in reference["service_types"] if t["code"] == "shelter")
    record = _record("service", {"service_type": shelter, "status": "planned"}, case=case.pk)

    response = _send(_client(alice), record)

    assert response.status_code == 201, response.json()
    service = ServiceDelivery.objects.get(case=case)
    assert service.created_by == alice
    assert CaseEvent.objects.filter(case=case, kind="service").exists()
    entry = LogEntry.objects.get_for_object(service).get()
    assert entry.actor == alice
    assert OutboxEvent.objects.filter(kind="stats").exists()


# --- the door ---------------------------------------------------------------------------


def test_a_case_of_another_organization_answers_404_and_nothing_is_written(alice, orgs, bob):
    foreign = CaseFactory(owner_org=orgs["balikpapan"], assigned_to=bob)
    record = _record("note", {"text": "Tidak boleh masuk."}, case=foreign.pk)

    response = _send(_client(alice), record)

    assert response.status_code == 404
    assert response.json()["uuid"] == record["uuid"]
    assert not CaseEvent.objects.filter(case=foreign, kind="note").exists()
    assert not IdempotencyKey.objects.exists()


def test_a_read_only_supervisor_is_refused_with_403(prov, case):
    response = _send(_client(prov), _record("note", {"text": "x"}, case=case.pk))

    assert response.status_code == 403
    assert response.json()["status"] == "refused"
    assert not CaseEvent.objects.filter(kind="note").exists()


def test_an_ended_session_and_a_missing_csrf_token_answer_json(alice, case):
    anonymous = Client(enforce_csrf_checks=True)
    anonymous.cookies["csrftoken"] = CSRF
    ended = _send(anonymous, _record("note", {"text": "x"}, case=case.pk))
    assert ended.status_code == 401
    assert ended.json()["status"] == "login_required"
    assert anonymous.get(REFERENCE).status_code == 401

    no_token = _send(_client(alice), _record("note", {"text": "x"}, case=case.pk), csrf=None)
    assert no_token.status_code == 403
    assert no_token.json()["status"] == "csrf_failed"
    assert not CaseEvent.objects.filter(kind="note").exists()


# --- duplicates -----------------------------------------------------------------------------


def test_a_registered_nik_is_brought_to_the_worker_masked_and_waits_as_a_decision(
    alice, orgs, regions
):
    nik = make_nik(female=True)
    existing = BeneficiaryFactory(
        nik=nik, nik_absent_reason="", no_kk="6472010101090001", registered_by_org=orgs["samarinda"]
    )
    client = _client(alice)
    record = _record("beneficiary", _person(regions, nik=nik, full_name="Siti Rahma"))

    response = _send(client, record)

    assert response.status_code == 409
    answer = response.json()
    assert answer["status"] == "duplicate" and answer["match_type"] == "nik"
    assert answer["allowed_decisions"] == ["link"]
    [match] = answer["matches"]
    assert match["id"] == existing.pk and match["name"] == existing.full_name
    assert match["nik_masked"] == f"{nik[:4]} •••• •••• {nik[-4:]}"
    assert match["no_kk_masked"] == "6472 •••• •••• 0001"
    assert nik not in response.content.decode()
    assert match["office"] == orgs["samarinda"].name
    assert not IdempotencyKey.objects.exists()  # not kept
    decision = SyncDecision.objects.get()
    assert (decision.user, str(decision.uuid)) == (alice, record["uuid"])
    assert decision.resolved_at is None

    # "Keep separate" is not allowed for the same NIK (the HTML form refuses it too).
    separate = _send(client, {**record, "decision": "separate"})
    assert separate.status_code == 409
    assert separate.json()["allowed_decisions"] == ["link"]
    assert Beneficiary.objects.count() == 1

    linked = _send(client, {**record, "decision": "link", "link_to": existing.pk})
    assert linked.status_code == 201
    assert linked.json()["status"] == "linked" and linked.json()["id"] == existing.pk
    assert Beneficiary.objects.count() == 1
    decision.refresh_from_db()
    assert decision.resolution == "link" and decision.resolved_at is not None
    # A stale resend of the undecided record (Background Sync) gets the kept answer.
    stale = _send(client, record)
    assert stale.status_code == 201 and stale["Idempotent-Replay"] == "true"


def test_a_nik_registered_in_another_regency_shows_only_the_office(alice, bob, orgs, regions):
    nik = make_nik(female=True)
    BeneficiaryFactory(nik=nik, nik_absent_reason="", registered_by_org=orgs["balikpapan"])

    response = _send(_client(alice), _record("beneficiary", _person(regions, nik=nik)))

    assert response.status_code == 409
    [match] = response.json()["matches"]
    assert match["visible"] is False
    assert match["id"] is match["name"] is match["nik_masked"] is match["age"] is None
    assert match["office"] == orgs["balikpapan"].name
    assert response.json()["allowed_decisions"] == []


def test_a_similar_person_is_a_prompt_and_separate_registers_a_new_person(alice, orgs, regions):
    BeneficiaryFactory(
        full_name="Siti Rahmawati",
        birth_date=dt.date(1990, 5, 17),
        registered_by_org=orgs["samarinda"],
    )
    client = _client(alice)
    data = _person(regions, nik="", nik_absent_reason="street", full_name="Siti Rahmawati")
    record = _record("beneficiary", data)

    prompt = _send(client, record)
    assert prompt.status_code == 409
    assert prompt.json()["match_type"] == "similar"
    assert set(prompt.json()["allowed_decisions"]) == {"separate", "link"}
    assert prompt.json()["matches"][0]["age"] is not None

    separate = _send(client, {**record, "decision": "separate"})
    assert separate.status_code == 201, separate.json()
    assert separate.json()["status"] == "created"
    assert Beneficiary.objects.count() == 2
    decision = SyncDecision.objects.get()
    assert decision.resolution == "separate"
    assert decision.beneficiary_id == separate.json()["id"]


def test_two_workers_register_the_same_person_one_person_and_one_decision_waiting(
    alice, amir, regions
):
    data = _person(regions)
    first = _send(_client(alice), _record("beneficiary", data))
    second = _send(_client(amir), _record("beneficiary", data))

    assert (first.status_code, second.status_code) == (201, 409)
    assert Beneficiary.objects.count() == 1
    waiting = SyncDecision.objects.filter(resolved_at=None)
    assert [(d.user, d.match_type) for d in waiting] == [(amir, "nik")]


def test_registration_errors_come_from_the_form_in_indonesian(alice, regions):
    client = _client(alice)
    no_basis = _send(client, _record("beneficiary", _person(regions, legal_basis="")))
    bad_nik = _send(client, _record("beneficiary", _person(regions, nik="6472")))

    assert (no_basis.status_code, bad_nik.status_code) == (400, 400)
    assert list(no_basis.json()["errors"]) == ["legal_basis"]
    assert list(bad_nik.json()["errors"]) == ["nik"]
    assert not Beneficiary.objects.exists()


# --- case edits ---------------------------------------------------------------------------


def test_an_edit_of_a_case_changed_meanwhile_shows_both_values_and_overwrites_nothing(
    alice, amir, case
):
    base = case.version
    category = case.primary_category_id
    opening.case_update(actor=amir, case=case, expected_version=base, data={"priority": "urgent"})
    client = _client(alice)
    record = _record(
        "case_edit",
        {"primary_category": category, "priority": "high", "summary": "Ringkasan luring"},
        case=case.pk,
        base_version=base,
    )

    conflict = _send(client, record)

    assert conflict.status_code == 409
    answer = conflict.json()
    assert answer["status"] == "conflict" and answer["server_version"] == base + 1
    by_field = {c["field"]: c for c in answer["field_conflicts"]}
    assert (by_field["priority"]["mine"], by_field["priority"]["theirs"]) == ("Tinggi", "Darurat")
    priority = by_field["priority"]
    assert (priority["mine_value"], priority["theirs_value"]) == ("high", "urgent")
    case.refresh_from_db()
    assert (case.priority, case.summary, case.version) == ("urgent", "", base + 1)

    applied = _send(client, {**record, "base_version": answer["server_version"]})
    assert applied.status_code == 201, applied.json()
    case.refresh_from_db()
    assert (case.priority, case.summary) == ("high", "Ringkasan luring")


def test_an_edit_names_only_the_fields_it_changes_and_leaves_the_rest_as_saved(alice, case):
    Case.objects.filter(pk=case.pk).update(summary="Tinggal sendiri di rumah panggung")
    case.refresh_from_db()
    others = list(PmksCategory.objects.exclude(pk=case.primary_category_id)[:1])
    case.other_categories.set(others)
    client = _client(alice)

    answer = _send(
        client,
        _record("case_edit", {"priority": "urgent"}, case=case.pk, base_version=case.version),
    )

    assert answer.status_code == 201, answer.json()
    case.refresh_from_db()
    assert case.priority == "urgent"
    assert case.summary == "Tinggal sendiri di rumah panggung"
    assert list(case.other_categories.all()) == others


def test_an_edit_with_a_wrong_value_is_refused_with_the_forms_message(alice, case):
    answer = _send(
        _client(alice),
        _record("case_edit", {"priority": "segera"}, case=case.pk, base_version=case.version),
    )

    assert answer.status_code == 400
    assert "priority" in answer.json()["errors"]


# --- reference data ---------------------------------------------------------------------


def test_reference_data_holds_the_users_regency_and_own_open_cases_without_nik(
    alice, amir, bob, orgs, case
):
    CaseFactory(owner_org=orgs["samarinda"], assigned_to=amir)
    CaseFactory(owner_org=orgs["balikpapan"], assigned_to=bob)
    closed = CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice, status="closed")
    case.beneficiary.nik = make_nik(female=True)
    case.beneficiary.save()

    response = _client(alice).get(REFERENCE)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    assert data["user"] == alice.pk
    assert [c["id"] for c in data["open_cases"]] == [case.pk]
    assert closed.pk not in [c["id"] for c in data["open_cases"]]
    assert case.beneficiary.nik not in response.content.decode()
    samarinda = Region.objects.get(code="64.72")
    districts = Region.objects.filter(level=Level.DISTRICT, parent=samarinda)
    assert {d["id"] for d in data["regions"]["kecamatan"]} == set(
        districts.values_list("pk", flat=True)
    )
    villages = Region.objects.filter(level=Level.VILLAGE, parent__parent=samarinda)
    assert len(data["regions"]["desa"]) == villages.count() > 0
    assert len(data["categories"]) == PmksCategory.objects.count()
    elderly = next(c for c in data["categories"] if c["code"] == "PMKS08")
    assert elderly["age_rules"] == [{"min_age": 60, "max_age": None, "kind": "hard"}]
    assert {"value": "F", "label": "Perempuan"} in data["form_choices"]["sex"]
    assert data["version"] == _client(alice).get(REFERENCE).json()["version"]


def test_reference_data_stays_under_2_mb_with_the_demo_and_caps_open_cases(settings):
    from accounts.models import User
    from demo.cases import seed_cases
    from demo.organizations import seed_organizations

    seed_organizations()
    seed_cases()
    # The kabupaten with the most desa, and more open cases than the cap.
    user = User.objects.get(username="pekerja.kukar")
    person = BeneficiaryFactory(registered_by_org=user.organization)
    category = PmksCategory.objects.get(code="PMKS11")
    now = timezone.now()
    Case.objects.bulk_create(
        Case(
            number=f"CAP/{n:05d}",
            beneficiary=person,
            beneficiary_name=person.full_name,
            primary_category=category,
            owner_org=user.organization,
            regency=user.organization.region,
            assigned_to=user,
            opened_at=now - dt.timedelta(minutes=n),
        )
        for n in range(OPEN_CASES_CAP + 100)
    )

    response = _client(user).get(REFERENCE)

    assert response.status_code == 200
    data = response.json()
    assert len(response.content) <= 2 * 1024 * 1024, len(response.content)
    assert len(data["open_cases"]) == OPEN_CASES_CAP and data["open_cases_truncated"] is True
    assert data["open_cases"][0]["number"] == "CAP/00000"  # newest first
    assert len(data["regions"]["desa"]) > 100


def test_a_waiting_decision_is_listed_in_the_reference_data(alice, orgs, regions):
    nik = make_nik(female=True)
    BeneficiaryFactory(nik=nik, nik_absent_reason="", registered_by_org=orgs["samarinda"])
    record = _record("beneficiary", _person(regions, nik=nik))
    _send(_client(alice), record)

    data = _client(alice).get(REFERENCE).json()

    assert [d["uuid"] for d in data["pending_decisions"]] == [record["uuid"]]


# --- at the same moment (Postgres) ----------------------------------------------------------


def _live_sender(live_server: Any, user: Any) -> Any:
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value

    def send(record: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        request = urllib.request.Request(  # noqa: S310 (the test's live server)
            f"{live_server.url}{SUBMIT}",
            data=json.dumps(record).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Cookie": f"sessionid={session}; csrftoken={CSRF}",
                "X-CSRFToken": CSRF,
                "Referer": live_server.url,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return response.status, dict(response.headers), json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), json.loads(error.read())

    return send


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_resends_of_one_uuid_create_exactly_one_person(live_server, alice, regions):
    send = _live_sender(live_server, alice)
    record = _record("beneficiary", _person(regions))
    senders = 6
    barrier = threading.Barrier(senders)

    def at_once(_index: int) -> tuple[int, dict[str, str], dict[str, Any]]:
        barrier.wait()
        return send(record)

    with ThreadPoolExecutor(senders) as pool:
        answers = list(pool.map(at_once, range(senders)))

    assert [status for status, _h, _b in answers] == [201] * senders, answers
    assert len({body["id"] for _s, _h, body in answers}) == 1
    replays = [headers.get("Idempotent-Replay") for _s, headers, _b in answers]
    assert replays.count("true") == senders - 1
    assert Beneficiary.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_syncing_the_same_person_without_nik_at_once_make_one_person(
    live_server, alice, amir, regions
):
    data = _person(regions, nik="", nik_absent_reason="street", full_name="Yohanes Lawing")
    senders = [_live_sender(live_server, alice), _live_sender(live_server, amir)]
    barrier = threading.Barrier(2)

    def at_once(index: int) -> int:
        barrier.wait()
        return senders[index](_record("beneficiary", data))[0]

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(at_once, range(2)))

    assert statuses == [201, 409]
    assert Beneficiary.objects.filter(full_name="Yohanes Lawing").count() == 1
    assert SyncDecision.objects.filter(resolved_at=None, match_type="similar").count() == 1
