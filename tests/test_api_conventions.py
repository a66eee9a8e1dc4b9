"""API conventions an integrator relies on: page_size is checked, every error under
/api/ is JSON (404s no route matches included), times carry the WITA offset, a
conflict names who decided and when, and the schema declares the ETag header and a
typed error for every operation."""

import pytest
from django.test import Client

from api import webhooks
from api.testing import client_for, error_of
from cases.factories import CaseFactory
from referrals.testing import send

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(alice, orgs):
    return send(alice, CaseFactory(owner_org=orgs["samarinda"]), orgs["rsud"])


@pytest.fixture
def rsud(orgs):
    return client_for(orgs["rsud"])


@pytest.mark.parametrize("page_size", ["101", "0", "-1", "abc", "1.5", "9" * 5000])
def test_a_page_size_outside_the_range_is_400_naming_the_field(rsud, referral, page_size):
    response = rsud.get("/api/v1/referrals/", {"page_size": page_size})
    assert response.status_code == 400
    assert error_of(response)["fields"] == {
        "page_size": ["Harus bilangan bulat dari 1 sampai 100."]
    }


def test_the_largest_page_size_is_served(rsud, referral):
    response = rsud.get("/api/v1/referrals/", {"page_size": "100"})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [referral.pk]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/referrals/%0A/",  # no route matches a newline
        "/api/v1/%0A",
        "/api/v1/nothing/",
        "/api/nothing/",
        "/api/v1/referrals/999999/",
    ],
)
def test_every_404_under_the_api_is_the_json_error_body(rsud, path):
    response = rsud.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response) == {"code": "not_found", "message": "Data tidak ditemukan."}


def test_a_404_outside_the_api_stays_a_page(db):
    response = Client().get("/tidak-ada/%0A")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_times_in_answers_carry_the_wita_offset(rsud, referral):
    body = rsud.get(f"/api/v1/referrals/{referral.pk}/").json()
    for name in ("created_at", "updated_at", "due_at"):
        assert body[name].endswith("+08:00"), (name, body[name])


def test_webhook_payload_times_carry_the_wita_offset(referral):
    payload = webhooks.referral_payload("new_referral", referral)
    assert payload["occurred_at"].endswith("+08:00")
    assert payload["referral"]["due_at"].endswith("+08:00")


def test_a_conflict_names_who_decided_and_when_in_wita(rsud, orgs, referral):
    accepted = client_for(orgs["rsud"])
    accept = accepted.post(f"/api/v1/referrals/{referral.pk}/accept/", {}, "application/json")
    assert accept.status_code == 200
    response = rsud.post(
        f"/api/v1/referrals/{referral.pk}/decline/", {"reason": "x"}, "application/json"
    )
    assert response.status_code == 409
    details = error_of(response)["details"]
    referral.refresh_from_db()
    assert details["status"] == "accepted"
    assert details["decided_by"] == {
        "id": referral.decided_by.pk,
        "name": referral.decided_by.display_name,
        "organization": orgs["rsud"].name,
    }
    assert details["decided_at"].endswith("+08:00")
    assert (
        details["decided_at"] == rsud.get(f"/api/v1/referrals/{referral.pk}/").json()["decided_at"]
    )


@pytest.fixture
def schema(db):
    return Client().get("/api/v1/schema/?format=json").json()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_answers_typed_errors(schema):
    error = {"$ref": "#/components/schemas/Error"}
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        wanted = {"401", "403", "429", "503"} | ({"404"} if "{" in path else set())
        assert wanted <= set(responses), (path, method)
        for code, response in responses.items():
            if code.startswith(("4", "5")):
                assert response["content"]["application/json"]["schema"] == error, (path, code)


def test_the_etag_and_if_match_headers_are_declared_where_they_are_used(schema):
    referral = schema["paths"]["/api/v1/referrals/{id}/"]["get"]
    assert "ETag" in referral["responses"]["200"]["headers"]
    accept = schema["paths"]["/api/v1/referrals/{id}/accept/"]["post"]
    assert "ETag" in accept["responses"]["200"]["headers"]
    assert any(p["in"] == "header" and p["name"] == "If-Match" for p in accept["parameters"])
    patch = schema["paths"]["/api/v1/cases/{id}/"]["patch"]
    if_match = [p for p in patch["parameters"] if p["name"] == "If-Match"]
    assert if_match and if_match[0]["required"] is True


def test_query_choices_are_the_english_named_enums(schema):
    parameters = schema["paths"]["/api/v1/referrals/"]["get"]["parameters"]
    by_name = {parameter["name"]: parameter["schema"] for parameter in parameters}
    assert by_name["kind"] == {"$ref": "#/components/schemas/ReferralKindEnum"}
    assert by_name["urgency"] == {"$ref": "#/components/schemas/UrgencyEnum"}
    assert all("title" not in schema_ for schema_ in by_name.values())
