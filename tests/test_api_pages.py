"""The "Integrasi API" page (supervisors), the Django admin path for keys, and the
documentation pages (schema and Swagger UI served without a CDN)."""

import re

import pytest
from django.test import Client

from api.models import OrganizationAPIKey, WebhookEndpoint
from api.testing import error_of, issue_key, key_client

pytestmark = pytest.mark.django_db


PAGE = "/api/v1/integrasi/"


@pytest.fixture
def sari_client(sari):
    client = Client()
    client.force_login(sari)
    return client


def test_a_supervisor_creates_a_key_shown_once_that_works(sari_client, orgs):
    response = sari_client.post(
        "/api/v1/integrasi/kunci/",
        {"name": "SIKS-NG", "role": "caseworker", "expiry": "2099-01-01"},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    clear = re.search(r'data-testid="clear-key">([^<]+)<', response.content.decode()).group(1)
    key = OrganizationAPIKey.objects.get(name="SIKS-NG")
    assert (key.organization, key.user.role, key.created_by.username) == (
        orgs["samarinda"],
        "caseworker",
        "sari",
    )
    assert key_client(clear).get("/api/v1/me/").status_code == 200
    # the list shows the prefix, never the key again
    page = sari_client.get(PAGE).content.decode()
    assert key.prefix in page and clear not in page


def test_a_supervisor_revokes_a_key_of_their_organization(sari_client, orgs):
    key, clear = issue_key(orgs["samarinda"])
    response = sari_client.post(f"/api/v1/integrasi/kunci/{key.prefix}/cabut/")
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked and key.revoked_by.username == "sari"
    assert error_of(key_client(clear).get("/api/v1/me/"))["code"] == "key_revoked"


def test_another_organizations_key_cannot_be_revoked_from_the_page(sari_client, orgs):
    key, _clear = issue_key(orgs["balikpapan"])
    assert sari_client.post(f"/api/v1/integrasi/kunci/{key.prefix}/cabut/").status_code == 404
    assert not OrganizationAPIKey.objects.get(pk=key.pk).revoked


def test_a_past_expiry_is_refused_on_the_form(sari_client):
    response = sari_client.post(
        "/api/v1/integrasi/kunci/", {"name": "x", "role": "caseworker", "expiry": "2000-01-01"}
    )
    assert response.status_code == 200
    assert not OrganizationAPIKey.objects.exists()
    assert "masa depan" in response.content.decode()


@pytest.mark.parametrize("persona", ["alice", "agnes"])
def test_only_supervisors_open_the_page(request, persona):
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    assert client.get(PAGE).status_code == 403


def test_a_supervisor_registers_a_webhook_and_sees_the_secret_once(sari_client):
    response = sari_client.post(
        "/api/v1/integrasi/webhook/",
        {"url": "https://siks.example.go.id/hook", "events": ["new_referral", "decision"]},
    )
    secret = re.search(r'data-testid="clear-secret">([^<]+)<', response.content.decode()).group(1)
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret == secret
    assert endpoint.events == ["new_referral", "decision"]
    assert secret not in sari_client.get(PAGE).content.decode()


def test_an_admin_creates_a_key_in_the_django_admin(orgs, admin_client):
    response = admin_client.post(
        "/admin/api/organizationapikey/add/",
        {
            "organization": orgs["rsud"].pk,
            "name": "SIMRS",
            "role": "",
            "expiry_date_0": "2099-01-01",
            "expiry_date_1": "00:00:00",
        },
        follow=True,
    )
    assert response.status_code == 200
    key = OrganizationAPIKey.objects.get(name="SIMRS")
    assert key.user.role == "agency_staff"
    message = [str(m) for m in response.context["messages"]][0]
    clear = re.search(r"SIMRS: (\S+)", message).group(1)
    assert key_client(clear).get("/api/v1/me/").json()["organization"]["code"] == "rsud-aws"


def test_the_schema_and_the_docs_page_are_served_without_a_cdn(db):
    schema = Client().get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/referrals/{id}/accept/" in paths
    docs = Client().get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "drf_spectacular_sidecar" in docs
    assert "cdn" not in docs.lower()


@pytest.mark.parametrize(("persona", "manages"), [("sari", True), ("agnes", False)])
def test_the_home_page_points_to_the_integration(request, persona, manages):
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    page = client.get("/").content.decode()
    assert 'data-testid="home-api"' in page
    assert "/api/v1/docs/" in page
    assert (PAGE in page) is manages
