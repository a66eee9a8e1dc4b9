"""API keys: who makes them, what they act as, 401s, last use, throttling, errors."""

import datetime as dt
import logging

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Role, User
from api.models import OrganizationAPIKey, WebhookEndpoint
from api.services import api_key_create, api_key_revoke
from api.testing import error_of, issue_key, key_admin, key_client
from pmks.errors import NotAllowed

pytestmark = pytest.mark.django_db


ME = "/api/v1/me/"


@pytest.mark.parametrize(
    ("org", "role"),
    [("rsud", Role.AGENCY_STAFF), ("samarinda", Role.CASEWORKER), ("province", Role.SUPERVISOR)],
)
def test_a_key_acts_as_the_organizations_integration_user(orgs, org, role):
    key, clear = issue_key(orgs[org])

    response = key_client(clear).get(ME)

    assert response.status_code == 200
    body = response.json()
    assert body["role"] == role
    assert body["organization"]["code"] == orgs[org].code
    assert body["api_key"]["prefix"] == key.prefix
    assert key.user.username == f"api.{orgs[org].code}.{role}"
    assert not key.user.has_usable_password()


def test_the_integration_user_is_reused_by_the_next_key(orgs):
    first, _ = issue_key(orgs["rsud"])
    second, _ = issue_key(orgs["rsud"])
    assert first.user_id == second.user_id
    assert User.objects.filter(username__startswith="api.rsud-aws.").count() == 1


def test_an_office_key_may_act_as_supervisor_but_an_agency_key_may_not(orgs):
    key, _ = issue_key(orgs["samarinda"], role=Role.SUPERVISOR)
    assert key.user.role == Role.SUPERVISOR
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        issue_key(orgs["rsud"], role=Role.CASEWORKER)
    assert "role" in error.value.message_dict


def test_the_key_is_stored_hashed(orgs):
    key, clear = issue_key(orgs["rsud"])
    stored = OrganizationAPIKey.objects.get(pk=key.pk)
    assert clear not in (stored.hashed_key, stored.id)
    assert stored.hashed_key.startswith("sha512$$")


def test_a_supervisor_makes_keys_only_for_their_own_organization(orgs, sari, alice):
    key, _ = api_key_create(actor=sari, organization=orgs["samarinda"], name="SIKS")
    assert key.created_by == sari
    with pytest.raises(NotAllowed):
        api_key_create(actor=sari, organization=orgs["balikpapan"], name="x")
    with pytest.raises(NotAllowed):
        api_key_create(actor=alice, organization=orgs["samarinda"], name="x")


def test_no_key_is_a_401_asking_for_an_api_key(db):
    response = Client().get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert error_of(response)["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "header",
    ["Api-Key nonsense", "Api-Key abc.def", "Api-Key ", "Api-Key xxxxxxxx.yyyyyyyy"],
)
def test_a_wrong_key_is_a_401(orgs, header):
    issue_key(orgs["rsud"])
    response = Client(HTTP_AUTHORIZATION=header).get(ME)
    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_key"


def test_a_right_prefix_with_a_wrong_secret_is_a_401(orgs):
    key, clear = issue_key(orgs["rsud"])
    response = key_client(f"{key.prefix}.{'x' * 32}").get(ME)
    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_key"


def test_a_revoked_key_is_a_401(orgs):
    key, clear = issue_key(orgs["rsud"])
    api_key_revoke(actor=key_admin(), key=key)
    response = key_client(clear).get(ME)
    assert response.status_code == 401
    assert error_of(response)["code"] == "key_revoked"


def test_an_expired_key_is_a_401(orgs):
    key, clear = issue_key(orgs["rsud"])
    OrganizationAPIKey.objects.filter(pk=key.pk).update(
        expiry_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = key_client(clear).get(ME)
    assert response.status_code == 401
    assert error_of(response)["code"] == "key_expired"


def test_a_key_of_a_deactivated_organization_is_a_401(orgs):
    key, clear = issue_key(orgs["rsud"])
    orgs["rsud"].is_active = False
    orgs["rsud"].save()
    assert key_client(clear).get(ME).status_code == 401


def test_last_use_is_written_at_most_once_a_minute(orgs, django_assert_num_queries):
    key, clear = issue_key(orgs["rsud"])
    client = key_client(clear)
    # 1. key + integration user + organization, 2. UPDATE last_used_at
    with django_assert_num_queries(2):
        client.get(ME)
    first = OrganizationAPIKey.objects.get(pk=key.pk).last_used_at
    assert first is not None
    # 1. key + user + organization: no write within the minute
    with django_assert_num_queries(1):
        client.get(ME)
    assert OrganizationAPIKey.objects.get(pk=key.pk).last_used_at == first


def test_every_request_is_logged_with_key_and_organization(orgs, caplog):
    key, clear = issue_key(orgs["rsud"])
    with caplog.at_level(logging.INFO, logger="pmks.api.access"):
        key_client(clear).get(ME)
        Client().get(ME)
    lines = [r.getMessage() for r in caplog.records if r.name == "pmks.api.access"]
    assert "GET /api/v1/me/ 200" in lines[0]
    assert f"key={key.prefix} org=rsud-aws" in lines[0]
    assert "GET /api/v1/me/ 401" in lines[1] and "key=- org=-" in lines[1]


def test_the_session_works_for_the_browser_with_csrf_enforced(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.get(ME).json()["username"] == "alice"
    response = client.post("/api/v1/webhooks/", {"url": "https://x.example"}, "application/json")
    assert response.status_code == 403
    assert "CSRF" in error_of(response)["message"]
    assert not WebhookEndpoint.objects.exists()


def test_requests_beyond_the_rate_are_429_with_retry_after(orgs, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": "3/minute"},
    }
    _key, clear = issue_key(orgs["rsud"])
    client = key_client(clear)
    statuses = [client.get(ME).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get(ME)
    assert error_of(response)["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60
    # another key of the same organization has its own budget
    _other, other_clear = issue_key(orgs["rsud"])
    assert key_client(other_clear).get(ME).status_code == 200


def test_an_unknown_api_path_is_a_json_404(orgs):
    _key, clear = issue_key(orgs["rsud"])
    response = key_client(clear).get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_body_that_is_not_json_is_a_400_in_the_same_shape(orgs):
    _key, clear = issue_key(orgs["rsud"])
    response = key_client(clear).post("/api/v1/webhooks/", "{not json", "application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


@pytest.mark.parametrize(
    ("language", "expected"), [(None, "Bidang ini harus diisi."), ("en", "This field is required.")]
)
def test_error_messages_follow_accept_language(orgs, language, expected):
    _key, clear = issue_key(orgs["rsud"])
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = key_client(clear).post("/api/v1/webhooks/", {}, "application/json", **headers)
    assert error_of(response)["fields"]["url"] == [expected]


def test_writes_through_a_key_are_audited_as_its_integration_user(orgs):
    from auditlog.models import LogEntry

    _key, clear = issue_key(orgs["samarinda"])
    response = key_client(clear).post(
        "/api/v1/beneficiaries/",
        {
            "nik_absent_reason": "street",
            "full_name": "Orang Jalanan",
            "sex": "M",
            "region": "64.72",
            "legal_basis": "public_task",
        },
        "application/json",
    )
    assert response.status_code == 201
    entry = LogEntry.objects.get(action=LogEntry.Action.CREATE, object_pk=response.json()["id"])
    assert entry.actor.username == "api.dinsos-samarinda.caseworker"


def test_the_librarys_own_key_model_is_not_in_the_admin(admin_client):
    assert admin_client.get("/admin/rest_framework_api_key/apikey/").status_code == 404
    assert admin_client.get("/admin/api/organizationapikey/").status_code == 200
