"""`Idempotency-Key` on the API's POSTs (api/idempotency.py, idempotency/): a retried
POST gets the first answer and does nothing twice; another body with the same key is
422; refused answers are not kept; a double submit at the same moment has one effect."""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from api.testing import error_of, issue_key, key_client
from cases.factories import CaseFactory
from idempotency.models import IdempotencyKey
from idempotency.services import body_hash
from idempotency.tasks import purge_expired_idempotency_keys
from referrals.models import Referral, ReferralMessage
from referrals.testing import send

pytestmark = pytest.mark.django_db


def _messages_url(referral: Referral) -> str:
    return f"/api/v1/referrals/{referral.pk}/messages/"


@pytest.fixture
def referral(alice, orgs):
    case = CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice)
    return send(alice, case, orgs["rsud"])


@pytest.fixture
def rsud(orgs):
    _key, clear = issue_key(orgs["rsud"])
    return key_client(clear)


def _post(client, url, body, key=None):  # type: ignore[no-untyped-def]
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(url, json.dumps(body), "application/json", **extra)


def test_the_same_key_and_body_replay_the_first_answer_and_do_nothing_twice(rsud, referral):
    first = _post(rsud, _messages_url(referral), {"body": "Jadwal Senin 08.00."}, key="k-1")
    again = _post(rsud, _messages_url(referral), {"body": "Jadwal Senin 08.00."}, key="k-1")

    assert first.status_code == again.status_code == 201
    assert "Idempotent-Replayed" not in first
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again["Content-Type"] == "application/json"
    assert ReferralMessage.objects.filter(referral=referral).count() == 1


def test_a_replayed_referral_keeps_its_status_and_etag(orgs):
    _key, clear = issue_key(orgs["samarinda"])
    client = key_client(clear)
    case = CaseFactory(owner_org=orgs["samarinda"])
    body = {
        "case": case.pk,
        "kind": "service",
        "to_org": orgs["rsud"].code,
        "service_type": "health",
        "reason": "Pemeriksaan.",
        "urgency": "high",
        "shared_summary": "Ringkas.",
        "legal_basis": "public_task",
    }
    first = _post(client, "/api/v1/referrals/", body, key="send-1")
    # the same JSON with another key order and spacing is the same request
    again = client.post(
        "/api/v1/referrals/",
        json.dumps(dict(reversed(body.items())), indent=2),
        "application/json",
        HTTP_IDEMPOTENCY_KEY="send-1",
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["ETag"] == first["ETag"] == '"1"'
    assert again.json()["id"] == first.json()["id"]
    assert Referral.objects.filter(case=case).count() == 1


def test_the_same_key_with_another_body_is_422_and_nothing_is_done(rsud, referral):
    _post(rsud, _messages_url(referral), {"body": "Pertama."}, key="k-2")
    other = _post(rsud, _messages_url(referral), {"body": "Isi lain."}, key="k-2")

    assert other.status_code == 422
    error = error_of(other)
    assert error["code"] == "idempotency_key_reused"
    assert "sudah dipakai untuk permintaan dengan isi lain" in error["message"]
    assert list(referral.messages.values_list("body", flat=True)) == ["Pertama."]


def test_a_refused_answer_is_not_kept_so_the_corrected_request_reuses_the_key(rsud, referral):
    refused = _post(rsud, _messages_url(referral), {"body": ""}, key="k-3")
    corrected = _post(rsud, _messages_url(referral), {"body": "Sekarang lengkap."}, key="k-3")

    assert refused.status_code == 400
    assert corrected.status_code == 201
    assert "Idempotent-Replayed" not in corrected
    assert not IdempotencyKey.objects.filter(response_status=400).exists()


def test_keys_belong_to_one_api_key(orgs, referral):
    _a, first_clear = issue_key(orgs["rsud"], name="a")
    _b, second_clear = issue_key(orgs["rsud"], name="b")
    one = _post(key_client(first_clear), _messages_url(referral), {"body": "Halo."}, key="same")
    two = _post(key_client(second_clear), _messages_url(referral), {"body": "Halo."}, key="same")
    assert (one.status_code, two.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in two
    assert referral.messages.count() == 2


def test_without_the_header_every_post_runs(rsud, referral):
    for _ in range(2):
        assert _post(rsud, _messages_url(referral), {"body": "Halo."}).status_code == 201
    assert referral.messages.count() == 2
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("bad", ["x" * 256, " padded", "kunci\tberisi-tab"])
def test_a_malformed_key_is_400(rsud, referral, bad):
    response = _post(rsud, _messages_url(referral), {"body": "Halo."}, key=bad)
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_idempotency_key"
    assert not referral.messages.exists()


def test_a_key_of_an_api_key_lasts_24_hours_and_beat_purges_it(rsud, referral):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _post(rsud, _messages_url(referral), {"body": "Halo."}, key="k-4")
    entry = IdempotencyKey.objects.get()
    assert entry.expires_at == start + dt.timedelta(hours=24)

    with time_machine.travel(start + dt.timedelta(hours=23), tick=False):
        assert purge_expired_idempotency_keys() == 0
        replay = _post(rsud, _messages_url(referral), {"body": "Halo."}, key="k-4")
        assert replay["Idempotent-Replayed"] == "true"
    with time_machine.travel(start + dt.timedelta(hours=25), tick=False):
        assert purge_expired_idempotency_keys() == 1
        fresh = _post(rsud, _messages_url(referral), {"body": "Halo."}, key="k-4")
    assert "Idempotent-Replayed" not in fresh
    assert referral.messages.count() == 2


def test_every_post_of_the_schema_declares_the_header():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    posts = {path: item["post"] for path, item in schema["paths"].items() if "post" in item}
    assert len(posts) >= 8
    for path, operation in posts.items():
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        assert "Idempotency-Key" in names, path
        assert "422" in operation["responses"], path
        success = next(answer for code, answer in operation["responses"].items() if code[0] == "2")
        assert "Idempotent-Replayed" in success.get("headers", {}), path


# On SQLite the test database is in memory and the live server's threads share its one
# connection; the embedded file database serializes writers with IMMEDIATE transactions.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_submit_at_the_same_moment_has_exactly_one_effect(live_server, orgs, alice):
    case = CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice)
    referral = send(alice, case, orgs["rsud"])
    _key, clear = issue_key(orgs["rsud"])
    url = f"{live_server.url}{_messages_url(referral)}"
    body = json.dumps({"body": "Dikirim dua kali karena koneksi putus."}).encode()
    senders = 6
    barrier = threading.Barrier(senders)

    def submit(_index: int) -> tuple[int, dict[str, str], dict]:
        request = urllib.request.Request(  # noqa: S310 (the test's live server)
            url,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Api-Key {clear}",
                "Content-Type": "application/json",
                "Idempotency-Key": "double-submit-1",
            },
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return response.status, dict(response.headers), json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), json.loads(error.read())

    with ThreadPoolExecutor(senders) as pool:
        answers = list(pool.map(submit, range(senders)))

    assert [status for status, _h, _b in answers] == [201] * senders, answers
    assert len({answer["id"] for _s, _h, answer in answers}) == 1
    replayed = [headers.get("Idempotent-Replayed") for _s, headers, _b in answers]
    assert replayed.count("true") == senders - 1
    assert ReferralMessage.objects.filter(referral=referral).count() == 1


def test_an_entry_still_in_progress_answers_409_with_retry_after(orgs, referral):
    """An entry another writer holds open (the offline sync may write them outside a
    request's transaction) is neither replayed nor run again."""
    key, clear = issue_key(orgs["rsud"])
    now = timezone.now()
    IdempotencyKey.objects.create(
        scope=f"key:{key.prefix}",
        key="busy-1",
        method="POST",
        path=_messages_url(referral),
        body_hash=body_hash(json.dumps({"body": "Halo."}).encode()),
        created_at=now,
        expires_at=now + dt.timedelta(hours=24),
    )
    response = _post(key_client(clear), _messages_url(referral), {"body": "Halo."}, key="busy-1")

    assert response.status_code == 409
    assert error_of(response)["code"] == "idempotency_in_progress"
    assert response["Retry-After"] == "1"
    assert not referral.messages.exists()
