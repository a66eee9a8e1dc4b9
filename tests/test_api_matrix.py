"""Every endpoint × every persona: no key, a revoked key and an expired key are 401;
a key of the wrong role is 403; another organization's key gets 404 for an object
it may not see; the owning organization's key succeeds. One test per endpoint,
personas in turn (refusals first: they must change nothing)."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from api.models import WebhookEndpoint
from api.services import api_key_revoke, webhook_endpoint_create
from api.testing import issue_key, key_admin, key_client
from cases.factories import BeneficiaryFactory, CaseFactory
from cases.models import Beneficiary, Case, ServiceDelivery, ServiceType
from referrals.models import Referral, ReferralMessage
from referrals.testing import send

pytestmark = pytest.mark.django_db


JSON = "application/json"


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    own: str  # key name of the organization whose call succeeds
    expected: int  # its status
    other: str | None = None  # a key that must get 404
    wrong_role: str | None = None  # a key that must get 403
    body: dict | None = None
    if_match: bool = False


ROWS = {
    "me": Row("get", "/me/", "rsud", 200),
    "referral list": Row("get", "/referrals/", "rsud", 200),
    "referral send": Row(
        "post",
        "/referrals/",
        "samarinda",
        201,
        other="balikpapan",
        wrong_role="rsud",
        body={
            "case": "{case}",
            "kind": "service",
            "to_org": "uptd-ppa-balikpapan",
            "service_type": "psychosocial",
            "reason": "x",
            "shared_summary": "x",
            "legal_basis": "consent",
        },
    ),
    "referral detail": Row("get", "/referrals/{referral}/", "rsud", 200, other="ppa"),
    "referral accept": Row("post", "/referrals/{referral}/accept/", "rsud", 200, other="ppa"),
    "referral decline": Row(
        "post", "/referrals/{referral}/decline/", "rsud", 200, other="ppa", body={"reason": "x"}
    ),
    "referral complete": Row(
        "post", "/referrals/{accepted}/complete/", "rsud", 200, other="ppa", body={"outcome": "x"}
    ),
    "referral cancel": Row("post", "/referrals/{referral}/cancel/", "samarinda", 200, "balikpapan"),
    "messages list": Row("get", "/referrals/{referral}/messages/", "rsud", 200, other="ppa"),
    "message post": Row(
        "post", "/referrals/{referral}/messages/", "rsud", 201, other="ppa", body={"body": "x"}
    ),
    "beneficiary search": Row("get", "/beneficiaries/", "samarinda", 200, wrong_role="rsud"),
    "beneficiary register": Row(
        "post",
        "/beneficiaries/",
        "samarinda",
        201,
        wrong_role="rsud",
        body={
            "nik_absent_reason": "street",
            "full_name": "Orang Baru Sekali",
            "sex": "M",
            "region": "64.72",
            "legal_basis": "public_task",
        },
    ),
    "beneficiary detail": Row(
        "get", "/beneficiaries/{person}/", "samarinda", 200, "balikpapan", "rsud"
    ),
    "case list": Row("get", "/cases/", "samarinda", 200, wrong_role="rsud"),
    "case open": Row(
        "post",
        "/cases/",
        "samarinda",
        201,
        "balikpapan",
        "rsud",
        body={"beneficiary": "{person}", "primary_category": "PMKS19"},
    ),
    "case detail": Row("get", "/cases/{case}/", "samarinda", 200, "balikpapan", "rsud"),
    "case edit": Row(
        "patch",
        "/cases/{case}/",
        "samarinda",
        200,
        "balikpapan",
        "rsud",
        body={"priority": "urgent"},
        if_match=True,
    ),
    "case transition": Row(
        "post",
        "/cases/{case}/transition/",
        "samarinda",
        200,
        "balikpapan",
        "rsud",
        body={"to_status": "assessment"},
    ),
    "service list": Row("get", "/cases/{case}/services/", "samarinda", 200, "balikpapan", "rsud"),
    "service record": Row(
        "post",
        "/cases/{case}/services/",
        "samarinda",
        201,
        "balikpapan",
        "rsud",
        body={"service_type": "shelter"},
    ),
    "service detail": Row(
        "get", "/cases/{case}/services/{service}/", "samarinda", 200, "balikpapan", "rsud"
    ),
    "service update": Row(
        "patch",
        "/cases/{case}/services/{service}/",
        "samarinda",
        200,
        "balikpapan",
        "rsud",
        body={"status": "ongoing"},
        if_match=True,
    ),
    "regions": Row("get", "/regions/", "rsud", 200),
    "region tree": Row("get", "/regions/tree/", "rsud", 200),
    "region": Row("get", "/regions/64.72/", "rsud", 200),
    "categories": Row("get", "/categories/", "rsud", 200),
    "service types": Row("get", "/service-types/", "rsud", 200),
    "directory": Row("get", "/directory/", "rsud", 200),
    "statistics": Row("get", "/stats/summary/", "province", 200, wrong_role="samarinda"),
    "webhook list": Row("get", "/webhooks/", "rsud", 200),
    "webhook register": Row("post", "/webhooks/", "rsud", 201, body={"url": "https://x.example"}),
    "webhook deactivate": Row("delete", "/webhooks/{webhook}/", "rsud", 204, other="ppa"),
    "deliveries": Row("get", "/webhooks/deliveries/", "rsud", 200),
}


@pytest.fixture
def world(orgs, alice, agnes):
    case = CaseFactory(owner_org=orgs["samarinda"])
    person = BeneficiaryFactory(registered_by_org=orgs["samarinda"])
    service = ServiceDelivery.objects.create(
        case=case, service_type=ServiceType.objects.get(code="shelter")
    )
    referral = send(alice, case, orgs["rsud"])
    accepted = send(alice, CaseFactory(owner_org=orgs["samarinda"]), orgs["rsud"])
    from referrals.services.decisions import referral_accept

    referral_accept(actor=agnes, referral=accepted)
    webhook, _secret = webhook_endpoint_create(
        actor=key_admin(), organization=orgs["rsud"], url="https://simrs.example/hook"
    )
    keys = {name: issue_key(orgs[name])[1] for name in ("samarinda", "balikpapan", "rsud", "ppa")}
    keys["province"] = issue_key(orgs["province"])[1]
    ids = {
        "case": case.pk,
        "person": person.pk,
        "service": service.pk,
        "referral": referral.pk,
        "accepted": accepted.pk,
        "webhook": webhook.pk,
    }
    return keys, ids


def _revoked_and_expired(organization):
    revoked, revoked_clear = issue_key(organization)
    api_key_revoke(actor=key_admin(), key=revoked)
    expired, expired_clear = issue_key(organization)
    expired.expiry_date = timezone.now() - dt.timedelta(seconds=1)
    expired.save()
    return revoked_clear, expired_clear


def _state():
    """What a refused call could have changed: every row's version or status."""
    return (
        list(Case.objects.order_by("pk").values_list("pk", "version", "status", "priority")),
        list(Beneficiary.objects.order_by("pk").values_list("pk", "version")),
        list(ServiceDelivery.objects.order_by("pk").values_list("pk", "version", "status")),
        list(Referral.objects.order_by("pk").values_list("pk", "version", "status")),
        list(ReferralMessage.objects.values_list("pk", flat=True)),
        list(WebhookEndpoint.objects.order_by("pk").values_list("pk", "is_active")),
    )


def _call(client, row, ids):
    path = "/api/v1" + row.path.format(**ids)
    body = {
        key: (int(value.format(**ids)) if isinstance(value, str) and "{" in value else value)
        for key, value in (row.body or {}).items()
    }
    headers = {"HTTP_IF_MATCH": "*"} if row.if_match else {}
    if row.method == "get":
        return client.get(path, **headers)
    return getattr(client, row.method)(path, body, JSON, **headers)


@pytest.mark.parametrize("name", list(ROWS))
def test_each_endpoint_answers_each_persona(orgs, world, name):
    keys, ids = world
    row = ROWS[name]
    owner_org = {"province": orgs["province"]}.get(row.own, orgs.get(row.own))
    revoked, expired = _revoked_and_expired(owner_org)
    before = _state()

    for label, client in [
        ("no key", Client()),
        ("revoked key", key_client(revoked)),
        ("expired key", key_client(expired)),
    ]:
        response = _call(client, row, ids)
        assert response.status_code == 401, (name, label, response.content)
    if row.wrong_role:
        response = _call(key_client(keys[row.wrong_role]), row, ids)
        assert response.status_code == 403, (name, "wrong role", response.content)
    if row.other:
        response = _call(key_client(keys[row.other]), row, ids)
        assert response.status_code == 404, (name, "other organization", response.content)
    assert _state() == before, (name, "a refused call changed something")
    response = _call(key_client(keys[row.own]), row, ids)
    assert response.status_code == row.expected, (name, "own", response.content)
