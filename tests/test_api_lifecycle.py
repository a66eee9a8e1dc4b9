"""A whole referral, from sending to outcome, driven only through the API with API
keys, by a plain HTTP client (urllib) against a live server; the agency's system
hears about it through its signed webhook."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from api import webhooks
from api.testing import WebhookReceiver, celery_inline, issue_key
from cases.factories import CaseFactory

pytestmark = pytest.mark.django_db(transaction=True)


class Api:
    """What an integrator writes: urllib, JSON, the key in a header."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url = base_url
        self.key = key

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        request = urllib.request.Request(  # noqa: S310 (the test's live server)
            self.base_url + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={
                "Authorization": f"Api-Key {self.key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                status, raw, head = response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            status, raw, head = error.code, error.read(), dict(error.headers)
        return status, head, json.loads(raw) if raw else None


def test_an_agency_does_its_whole_job_through_the_api(live_server, orgs):
    case = CaseFactory(owner_org=orgs["samarinda"])
    _k, office_key = issue_key(orgs["samarinda"], name="SIKS-NG Samarinda")
    _k, agency_key = issue_key(orgs["rsud"], name="SIMRS")
    office = Api(f"{live_server.url}/api/v1", office_key)
    agency = Api(f"{live_server.url}/api/v1", agency_key)

    with WebhookReceiver() as receiver, celery_inline():
        # the agency registers its webhook and keeps the secret
        status, _h, hook = agency.call("POST", "/webhooks/", {"url": receiver.url})
        assert status == 201
        secret = hook["secret"]

        # the office refers its case to the hospital
        status, _h, sent = office.call(
            "POST",
            "/referrals/",
            {
                "case": case.pk,
                "kind": "service",
                "to_org": "rsud-aws",
                "service_type": "health",
                "reason": "Pemeriksaan hipertensi dan pendaftaran BPJS PBI.",
                "urgency": "high",
                "shared_summary": "Lansia, tinggal sendiri, tekanan darah tinggi.",
                "legal_basis": "public_task",
            },
        )
        assert status == 201, sent

        # the hospital's system is told, and checks the signature
        headers, body = receiver.received[0]
        assert headers["x-pmks-event"] == "new_referral"
        assert webhooks.verify_signature(secret, headers["x-pmks-signature"], body)
        referral_id = json.loads(body)["referral"]["id"]
        assert referral_id == sent["id"]

        # it lists its pending referrals and reads this one
        status, _h, page = agency.call("GET", "/referrals/?status=pending")
        assert [row["id"] for row in page["results"]] == [referral_id]
        status, head, referral = agency.call("GET", f"/referrals/{referral_id}/")
        assert referral["beneficiary"]["full_name"] == case.beneficiary.full_name
        assert referral["allowed_actions"] == ["accept", "decline"]

        # accepts it (with the ETag it read), writes to the office, reports the outcome
        status, head, accepted = agency.call(
            "POST", f"/referrals/{referral_id}/accept/", {}, {"If-Match": head["ETag"]}
        )
        assert (status, accepted["status"]) == (200, "accepted")
        status, _h, _m = agency.call(
            "POST", f"/referrals/{referral_id}/messages/", {"body": "Jadwal Senin 08.00."}
        )
        assert status == 201
        status, _h, completed = agency.call(
            "POST",
            f"/referrals/{referral_id}/complete/",
            {"outcome": "Terkontrol; terdaftar BPJS PBI."},
            {"If-Match": head["ETag"]},
        )
        assert (status, completed["status"]) == (200, "completed")

        # a second decision is refused whoever tries
        status, _h, error = agency.call(
            "POST", f"/referrals/{referral_id}/decline/", {"reason": "x"}
        )
        assert (status, error["error"]["code"]) == (409, "already_decided")

    # the office sees the outcome, the message and the service on its case
    status, _h, seen = office.call("GET", f"/referrals/{referral_id}/")
    assert (seen["status"], seen["outcome"]) == ("completed", "Terkontrol; terdaftar BPJS PBI.")
    status, _h, thread = office.call("GET", f"/referrals/{referral_id}/messages/")
    assert [m["body"] for m in thread["results"]] == ["Jadwal Senin 08.00."]
    status, _h, services = office.call("GET", f"/cases/{case.pk}/services/")
    rows = services["results"]
    assert [(s["service_type"]["code"], s["provider_org"]["code"]) for s in rows] == [
        ("health", "rsud-aws")
    ]
    # the hospital heard: new referral, its decision, the completion (not its own message)
    assert receiver.events() == ["new_referral", "decision", "completed"]
    assert all(
        webhooks.verify_signature(secret, h["x-pmks-signature"], b) for h, b in receiver.received
    )
    # and the agency's key cannot open the case file
    status, _h, _b = agency.call("GET", f"/cases/{case.pk}/")
    assert status == 403
