"""Referral endpoints: personas, moves, If-Match, filters, pagination, query counts."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.utils import timezone

from api.services import api_key_revoke
from api.testing import client_for, error_of, issue_key, key_admin, key_client
from cases.factories import CaseFactory
from referrals.models import Referral, ReferralStatus
from referrals.testing import send

pytestmark = pytest.mark.django_db


LIST = "/api/v1/referrals/"


def detail(referral):
    return f"/api/v1/referrals/{referral.pk}/"


@pytest.fixture
def case(orgs):
    return CaseFactory(owner_org=orgs["samarinda"])


@pytest.fixture
def referral(alice, case, orgs):
    """Samarinda (alice) asks RSUD for health care."""
    return send(alice, case, orgs["rsud"])


@pytest.fixture
def rsud(orgs):
    return client_for(orgs["rsud"])


@pytest.fixture
def samarinda(orgs):
    return client_for(orgs["samarinda"])


# --- personas --------------------------------------------------------------------


def test_the_receiving_agency_lists_and_reads_its_referral(rsud, referral):
    listed = rsud.get(LIST).json()
    assert [row["id"] for row in listed["results"]] == [referral.pk]
    response = rsud.get(detail(referral))
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    body = response.json()
    assert body["number"] == referral.number
    assert body["allowed_actions"] == ["accept", "decline"]
    assert body["shared_summary"] == referral.shared_summary


def test_the_referral_shares_only_the_beneficiarys_identity(rsud, referral):
    body = rsud.get(detail(referral)).json()
    assert set(body["beneficiary"]) == {"full_name", "nik", "sex", "birth_date", "regency"}
    assert set(body["case"]) == {"id", "number"}
    assert "summary" not in body["case"]


def test_reading_a_referral_is_recorded_in_the_access_log(rsud, referral):
    rsud.get(detail(referral))
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS)
    assert entry.object_pk == str(referral.case.beneficiary_id)
    assert entry.actor.username == "api.rsud-aws.agency_staff"


def test_the_sender_sees_it_in_its_outbox_not_its_inbox(samarinda, referral):
    assert samarinda.get(LIST).json()["results"] == []
    outbox = samarinda.get(LIST, {"box": "outbox"}).json()["results"]
    assert [row["id"] for row in outbox] == [referral.pk]
    assert samarinda.get(detail(referral)).json()["allowed_actions"] == ["cancel"]


def test_another_organization_gets_404_for_the_referral(orgs, referral):
    ppa = client_for(orgs["ppa"])
    assert ppa.get(LIST).json()["results"] == []
    for path in (detail(referral), f"{detail(referral)}messages/"):
        response = ppa.get(path)
        assert response.status_code == 404, path
        assert error_of(response)["code"] == "not_found"
    response = ppa.post(f"{detail(referral)}accept/", {}, "application/json")
    assert response.status_code == 404
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.PENDING


ENDPOINTS = [
    ("get", "{list}"),
    ("get", "{detail}"),
    ("post", "{detail}accept/"),
    ("post", "{detail}decline/"),
    ("post", "{detail}complete/"),
    ("post", "{detail}cancel/"),
    ("get", "{detail}messages/"),
    ("post", "{detail}messages/"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_referral_endpoint_wants_a_valid_key(orgs, referral, method, path):
    path = path.format(list=LIST, detail=detail(referral))
    revoked, revoked_clear = issue_key(orgs["rsud"])
    api_key_revoke(actor=key_admin(), key=revoked)
    expired, expired_clear = issue_key(orgs["rsud"])
    expired.expiry_date = timezone.now() - dt.timedelta(minutes=1)
    expired.save()
    for client, code in [
        (Client(), "not_authenticated"),
        (key_client(revoked_clear), "key_revoked"),
        (key_client(expired_clear), "key_expired"),
    ]:
        response = getattr(client, method)(path, {}, "application/json")
        assert response.status_code == 401, (path, code)
        assert error_of(response)["code"] == code
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.PENDING


def test_an_agency_may_not_send_referrals(rsud, case):
    response = rsud.post(LIST, {"case": case.pk}, "application/json")
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert not Referral.objects.filter(case=case).exists()


def test_an_agency_has_no_outbox(rsud):
    response = rsud.get(LIST, {"box": "outbox"})
    assert response.status_code == 400
    assert "box" in error_of(response)["fields"]


def test_the_sender_may_not_accept_its_own_referral(samarinda, referral):
    response = samarinda.post(f"{detail(referral)}accept/", {}, "application/json")
    assert response.status_code == 403
    assert error_of(response)["code"] == "not_allowed"
    fresh = Referral.objects.get(pk=referral.pk)
    assert (fresh.status, fresh.version, fresh.decided_by_id) == (ReferralStatus.PENDING, 1, None)


def test_the_receiver_may_not_cancel(rsud, referral):
    response = rsud.post(f"{detail(referral)}cancel/", {}, "application/json")
    assert response.status_code == 403
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.PENDING


# --- moves -----------------------------------------------------------------------


def test_accepting_with_the_current_etag_moves_it_and_returns_the_new_etag(rsud, referral):
    etag = rsud.get(detail(referral))["ETag"]
    response = rsud.post(f"{detail(referral)}accept/", {}, "application/json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert response["ETag"] == '"2"'
    assert response.json()["allowed_actions"] == ["complete"]


def test_a_stale_if_match_is_412_and_changes_nothing(rsud, referral):
    Referral.objects.filter(pk=referral.pk).update(version=2)  # someone wrote meanwhile
    response = rsud.post(
        f"{detail(referral)}decline/", {"reason": "Penuh"}, "application/json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 412
    assert error_of(response)["code"] == "precondition_failed"
    fresh = Referral.objects.get(pk=referral.pk)
    assert (fresh.status, fresh.decision_reason) == (ReferralStatus.PENDING, "")


def test_a_second_decision_is_409_already_decided(rsud, orgs, referral):
    assert rsud.post(f"{detail(referral)}accept/", {}, "application/json").status_code == 200
    other = client_for(orgs["rsud"])
    response = other.post(f"{detail(referral)}decline/", {"reason": "x"}, "application/json")
    assert response.status_code == 409
    assert error_of(response)["code"] == "already_decided"
    fresh = Referral.objects.get(pk=referral.pk)
    assert (fresh.status, fresh.decision_reason) == (ReferralStatus.ACCEPTED, "")


def test_declining_needs_a_reason_named_in_the_error(rsud, referral):
    response = rsud.post(f"{detail(referral)}decline/", {"reason": "  "}, "application/json")
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["reason"]


def test_completing_reports_the_outcome(rsud, referral):
    rsud.post(f"{detail(referral)}accept/", {}, "application/json")
    missing = rsud.post(f"{detail(referral)}complete/", {}, "application/json")
    assert missing.status_code == 400
    assert "outcome" in error_of(missing)["fields"]
    response = rsud.post(
        f"{detail(referral)}complete/", {"outcome": "Terdaftar BPJS PBI."}, "application/json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    assert response.json()["outcome"] == "Terdaftar BPJS PBI."


def test_completing_a_pending_referral_is_a_409(rsud, referral):
    response = rsud.post(f"{detail(referral)}complete/", {"outcome": "x"}, "application/json")
    assert response.status_code == 409
    fresh = Referral.objects.get(pk=referral.pk)
    assert (fresh.status, fresh.outcome, fresh.version) == (ReferralStatus.PENDING, "", 1)


def test_the_sender_cancels_a_pending_referral(samarinda, referral):
    response = samarinda.post(
        f"{detail(referral)}cancel/", {"reason": "Sudah pulang."}, "application/json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


def test_an_office_sends_a_referral_through_the_api(samarinda, case, orgs):
    response = samarinda.post(
        LIST,
        {
            "case": case.pk,
            "kind": "service",
            "to_org": "rsud-aws",
            "service_type": "health",
            "reason": "Pemeriksaan.",
            "urgency": "high",
            "shared_summary": "Ringkas.",
            "legal_basis": "public_task",
        },
        "application/json",
    )
    assert response.status_code == 201, response.json()
    assert response["ETag"] == '"1"'
    referral = Referral.objects.get(pk=response.json()["id"])
    assert (referral.to_org, referral.urgency) == (orgs["rsud"], "high")


def test_a_referral_with_bad_input_names_every_field(samarinda, case):
    response = samarinda.post(
        LIST, {"case": case.pk, "kind": "gift", "urgency": "soon"}, "application/json"
    )
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {
        "kind",
        "urgency",
        "reason",
        "shared_summary",
        "legal_basis",
    }


def test_referring_another_offices_case_is_404(orgs, samarinda):
    foreign = CaseFactory(owner_org=orgs["balikpapan"])
    response = samarinda.post(
        LIST,
        {
            "case": foreign.pk,
            "kind": "service",
            "to_org": "rsud-aws",
            "service_type": "health",
            "reason": "x",
            "shared_summary": "x",
            "legal_basis": "consent",
        },
        "application/json",
    )
    assert response.status_code == 404
    assert not Referral.objects.filter(case=foreign).exists()


def test_after_a_transfer_the_new_owning_office_cancels_a_pending_service_referral(
    orgs, alice, bob, case, referral, samarinda
):
    from referrals.services.decisions import referral_accept

    transfer = send(alice, case, orgs["balikpapan"], kind="transfer")
    referral_accept(actor=bob, referral=transfer)
    balikpapan = client_for(orgs["balikpapan"])
    assert samarinda.get(detail(referral)).json()["allowed_actions"] == []
    assert balikpapan.get(detail(referral)).json()["allowed_actions"] == ["cancel"]
    refused = samarinda.post(f"{detail(referral)}cancel/", {}, "application/json")
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "not_allowed"
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.PENDING
    refused = samarinda.post(f"{detail(referral)}messages/", {"body": "x"}, "application/json")
    assert refused.status_code == 403
    assert not referral.messages.exists()
    posted = balikpapan.post(
        f"{detail(referral)}messages/", {"body": "Kami lanjutkan."}, "application/json"
    )
    assert posted.status_code == 201
    response = balikpapan.post(f"{detail(referral)}cancel/", {}, "application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["from_org"]["code"] == "dinsos-samarinda"  # who sent it stays recorded


# --- messages --------------------------------------------------------------------


def test_both_sides_talk_in_the_referral_thread(rsud, samarinda, referral):
    posted = rsud.post(
        f"{detail(referral)}messages/", {"body": "Jadwal Senin."}, "application/json"
    )
    assert posted.status_code == 201
    assert posted.json()["author_org"]["code"] == "rsud-aws"
    samarinda.post(f"{detail(referral)}messages/", {"body": "Terima kasih."}, "application/json")
    thread = samarinda.get(f"{detail(referral)}messages/").json()["results"]
    assert [m["body"] for m in thread] == ["Jadwal Senin.", "Terima kasih."]


def test_an_empty_message_is_a_400(rsud, referral):
    response = rsud.post(f"{detail(referral)}messages/", {"body": ""}, "application/json")
    assert response.status_code == 400
    assert "body" in error_of(response)["fields"]


# --- filters and pagination -----------------------------------------------------


@pytest.fixture
def inbox(alice, orgs):
    """Five referrals to RSUD, oldest first: normal, urgent, normal overdue, accepted, declined."""
    referrals = []
    base = timezone.now() - dt.timedelta(days=10)
    for index, (urgency, status, overdue) in enumerate(
        [
            ("normal", "pending", False),
            ("urgent", "pending", False),
            ("normal", "pending", True),
            ("high", "accepted", False),
            ("normal", "declined", False),
        ]
    ):
        referral = send(
            alice, CaseFactory(owner_org=orgs["samarinda"]), orgs["rsud"], urgency=urgency
        )
        created = base + dt.timedelta(days=index)
        due = created + dt.timedelta(days=1 if overdue else 30)
        Referral.objects.filter(pk=referral.pk).update(
            status=status, created_at=created, due_at=due, updated_at=created
        )
        referrals.append(referral)
    return referrals


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, [4, 3, 2, 1, 0]),
        ({"status": "pending"}, [2, 1, 0]),
        ({"urgency": "urgent"}, [1]),
        ({"kind": "transfer"}, []),
        ({"overdue": "true"}, [2]),
        ({"overdue": "false"}, [4, 3, 1, 0]),
    ],
)
def test_the_inbox_filters_like_the_html_inbox(rsud, inbox, query, expected):
    rows = rsud.get(LIST, query).json()["results"]
    assert [row["id"] for row in rows] == [inbox[i].pk for i in expected]


def test_updated_since_returns_what_changed(rsud, inbox):
    since = (timezone.now() - dt.timedelta(days=7, hours=12)).isoformat()
    rows = rsud.get(LIST, {"updated_since": since}).json()["results"]
    assert [row["id"] for row in rows] == [inbox[i].pk for i in (4, 3)]


def test_a_bad_filter_value_is_a_400_naming_it(rsud, inbox):
    response = rsud.get(LIST, {"status": "lost", "updated_since": "yesterday"})
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"status", "updated_since"}


def test_the_cursor_walks_every_referral_once_without_counting(rsud, inbox):
    seen, url = [], LIST + "?page_size=2"
    while url:
        body = rsud.get(url).json()
        assert "count" not in body
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == [r.pk for r in reversed(inbox)]


def test_a_mangled_cursor_is_a_400(rsud, inbox):
    response = rsud.get(LIST, {"cursor": "garbage"})
    assert response.status_code == 400
    assert "cursor" in error_of(response)["fields"]


@pytest.mark.parametrize("page_size", [1, 5])
def test_the_list_costs_the_same_queries_whatever_the_page_size(
    rsud, inbox, page_size, django_assert_num_queries
):
    rsud.get(LIST)  # first use writes last_used_at
    # 1. key + integration user + organization, 2. the page of referrals with
    # case, beneficiary, regency, organizations and service type joined
    with django_assert_num_queries(2):
        response = rsud.get(LIST, {"page_size": page_size})
    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("count", [1, 5])
def test_the_message_list_costs_the_same_whatever_its_length(
    rsud, agnes, referral, count, django_assert_num_queries
):
    from referrals.services.conversation import referral_message_post

    for index in range(count):
        referral_message_post(actor=agnes, referral=referral, body=f"Pesan {index}")
    url = f"{detail(referral)}messages/"
    rsud.get(url)
    # 1. key + user + organization, 2. the referral (scoped), 3. the page of messages
    # with author and author's organization joined
    with django_assert_num_queries(3):
        response = rsud.get(url)
    assert len(response.json()["results"]) == count
