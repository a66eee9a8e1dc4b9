"""Beneficiaries, cases and services through the API: scoped like the HTML pages."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.utils import timezone

from api.testing import client_for, error_of, issue_key, key_client
from cases.factories import BeneficiaryFactory, CaseFactory
from cases.models import Beneficiary, Case, CaseStatus, ServiceDelivery, ServiceStatus, ServiceType

pytestmark = pytest.mark.django_db


PERSON = {
    "nik": "6472015705900001",
    "full_name": "Siti Rahmawati",
    "sex": "F",
    "birth_date": "1990-05-17",
    "region": "64.72",
    "legal_basis": "public_task",
}


@pytest.fixture
def samarinda(orgs):
    return client_for(orgs["samarinda"])


@pytest.fixture
def balikpapan(orgs):
    return client_for(orgs["balikpapan"])


@pytest.fixture
def case(orgs):
    return CaseFactory(owner_org=orgs["samarinda"])


def case_url(case, tail=""):
    return f"/api/v1/cases/{case.pk}/{tail}"


# --- who may ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/cases/", "/api/v1/beneficiaries/", "/api/v1/cases/{case}/services/"]
)
def test_a_partner_agency_key_is_403_on_case_data(orgs, case, path):
    response = client_for(orgs["rsud"]).get(path.format(case=case.pk))
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/",
        "/api/v1/cases/{case}/",
        "/api/v1/beneficiaries/",
        "/api/v1/beneficiaries/{person}/",
        "/api/v1/cases/{case}/services/",
    ],
)
def test_no_key_is_401_on_case_data(case, path):
    response = Client().get(path.format(case=case.pk, person=case.beneficiary_id))
    assert response.status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/{case}/",
        "/api/v1/beneficiaries/{person}/",
        "/api/v1/cases/{case}/services/",
        "/api/v1/cases/{case}/services/{service}/",
    ],
)
def test_another_office_gets_404(balikpapan, case, path):
    service = ServiceDelivery.objects.create(
        case=case, service_type=ServiceType.objects.get(code="shelter")
    )
    url = path.format(case=case.pk, person=case.beneficiary_id, service=service.pk)
    response = balikpapan.get(url)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_the_province_key_reads_every_case_but_may_not_move_one(orgs, case):
    province = client_for(orgs["province"])
    assert province.get(case_url(case)).status_code == 200
    response = province.post(
        case_url(case, "transition/"), {"to_status": "assessment"}, "application/json"
    )
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).status == CaseStatus.OPEN


# --- beneficiaries ---------------------------------------------------------------


def test_an_office_registers_a_person_with_a_nik(samarinda, orgs):
    response = samarinda.post("/api/v1/beneficiaries/", PERSON, "application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["nik"], body["regency"], body["registered_by_org"]) == (
        PERSON["nik"],
        "64.72",
        "dinsos-samarinda",
    )
    assert response["ETag"] == '"1"'


def test_a_registered_nik_is_409_with_the_persons_link(samarinda, orgs):
    existing = BeneficiaryFactory(
        nik=PERSON["nik"], nik_absent_reason="", registered_by_org=orgs["samarinda"]
    )
    response = samarinda.post("/api/v1/beneficiaries/", PERSON, "application/json")
    assert response.status_code == 409
    assert list(Beneficiary.objects.values_list("pk", flat=True)) == [existing.pk]
    error = error_of(response)
    assert error["code"] == "duplicate"
    assert error["details"]["beneficiary"]["id"] == existing.pk
    assert error["details"]["beneficiary"]["url"].endswith(f"/api/v1/beneficiaries/{existing.pk}/")


def test_a_nik_registered_elsewhere_names_only_the_office(balikpapan, orgs):
    BeneficiaryFactory(nik=PERSON["nik"], nik_absent_reason="", registered_by_org=orgs["samarinda"])
    error = error_of(balikpapan.post("/api/v1/beneficiaries/", PERSON, "application/json"))
    assert error["details"]["beneficiary"] is None
    assert error["details"]["owner_org"] == "Dinas Sosial Kota Samarinda"


def test_likely_matches_are_409_until_confirmed(samarinda, orgs):
    BeneficiaryFactory(
        full_name="Siti Rahmawati",
        birth_date=dt.date(1990, 5, 1),
        registered_by_org=orgs["samarinda"],
    )
    person = {**PERSON, "nik": "", "nik_absent_reason": "street"}
    first = samarinda.post("/api/v1/beneficiaries/", person, "application/json")
    assert first.status_code == 409
    matches = error_of(first)["details"]["matches"]
    assert matches[0]["beneficiary"]["full_name"] == "Siti Rahmawati"
    second = samarinda.post(
        "/api/v1/beneficiaries/", {**person, "confirm_new": True}, "application/json"
    )
    assert second.status_code == 201
    assert Beneficiary.objects.filter(full_name="Siti Rahmawati").count() == 2


def test_a_bad_registration_names_every_bad_field(samarinda):
    response = samarinda.post(
        "/api/v1/beneficiaries/",
        {"nik": "6472019905900001", "region": "64.72", "sex": "F"},
        "application/json",
    )
    assert response.status_code == 400
    assert {"nik", "full_name", "legal_basis"} <= set(error_of(response)["fields"])


def test_an_unknown_region_code_is_a_400_naming_region(samarinda):
    response = samarinda.post(
        "/api/v1/beneficiaries/", {**PERSON, "region": "99.99"}, "application/json"
    )
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["region"]


def test_search_by_nik_or_name(samarinda, orgs):
    siti = BeneficiaryFactory(
        nik=PERSON["nik"], full_name="Siti", registered_by_org=orgs["samarinda"]
    )
    BeneficiaryFactory(full_name="Budi Santoso", registered_by_org=orgs["samarinda"])
    BeneficiaryFactory(full_name="Siti Lain", registered_by_org=orgs["balikpapan"])
    by_nik = samarinda.get("/api/v1/beneficiaries/", {"q": PERSON["nik"]}).json()["results"]
    assert [row["id"] for row in by_nik] == [siti.pk]
    by_name = samarinda.get("/api/v1/beneficiaries/", {"q": "siti"}).json()["results"]
    assert [row["full_name"] for row in by_name] == ["Siti"]


def test_reading_a_person_is_recorded_in_the_access_log(samarinda, case):
    samarinda.get(f"/api/v1/beneficiaries/{case.beneficiary_id}/")
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS)
    assert entry.object_pk == str(case.beneficiary_id)
    assert entry.actor.username == "api.dinsos-samarinda.caseworker"


# --- cases -----------------------------------------------------------------------


def test_an_office_opens_a_case_for_its_person(samarinda, orgs):
    person = BeneficiaryFactory(registered_by_org=orgs["samarinda"])
    response = samarinda.post(
        "/api/v1/cases/",
        {"beneficiary": person.pk, "primary_category": "PMKS19", "other_categories": ["PMKS24"]},
        "application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["primary_category"], body["other_categories"]) == (
        "open",
        "PMKS19",
        ["PMKS24"],
    )
    assert body["owner_org"] == "dinsos-samarinda"


def test_opening_a_case_for_a_foreign_person_is_404(samarinda, orgs):
    person = BeneficiaryFactory(registered_by_org=orgs["balikpapan"])
    response = samarinda.post(
        "/api/v1/cases/",
        {"beneficiary": person.pk, "primary_category": "PMKS08"},
        "application/json",
    )
    assert response.status_code == 404
    assert not Case.objects.filter(beneficiary=person).exists()


def test_case_moves_follow_the_transition_table(samarinda, case):
    response = samarinda.post(
        case_url(case, "transition/"), {"to_status": "assessment"}, "application/json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "assessment"
    refused = samarinda.post(
        case_url(case, "transition/"), {"to_status": "closed"}, "application/json"
    )
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "transition_not_allowed"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ASSESSMENT


def test_a_closure_request_needs_its_reason(samarinda, case):
    response = samarinda.post(
        case_url(case, "transition/"), {"to_status": "closure_requested"}, "application/json"
    )
    assert response.status_code == 400
    assert "closure_reason" in error_of(response)["fields"]


def test_a_stale_if_match_on_a_move_is_412_and_changes_nothing(samarinda, case):
    response = samarinda.post(
        case_url(case, "transition/"),
        {"to_status": "assessment"},
        "application/json",
        HTTP_IF_MATCH='"7"',
    )
    assert response.status_code == 412
    assert Case.objects.get(pk=case.pk).status == CaseStatus.OPEN


def test_editing_a_case_needs_if_match(samarinda, case):
    missing = samarinda.patch(case_url(case), {"priority": "urgent"}, "application/json")
    assert missing.status_code == 428
    etag = samarinda.get(case_url(case))["ETag"]
    done = samarinda.patch(
        case_url(case), {"priority": "urgent"}, "application/json", HTTP_IF_MATCH=etag
    )
    assert done.status_code == 200
    assert done.json()["priority"] == "urgent"
    stale = samarinda.patch(
        case_url(case), {"priority": "low"}, "application/json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    assert Case.objects.get(pk=case.pk).priority == "urgent"


@pytest.fixture
def cases(orgs):
    now = timezone.now()
    return [
        CaseFactory(owner_org=orgs["samarinda"], opened_at=now - dt.timedelta(days=i), priority=p)
        for i, p in enumerate(["high", "normal", "high", "low"])
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [({}, [0, 1, 2, 3]), ({"priority": "high"}, [0, 2]), ({"status": "closed"}, [])],
)
def test_the_case_list_filters_like_the_html_list(samarinda, cases, query, expected):
    rows = samarinda.get("/api/v1/cases/", query).json()["results"]
    assert [row["id"] for row in rows] == [cases[i].pk for i in expected]


def test_a_bad_case_filter_is_a_400(samarinda, cases):
    response = samarinda.get("/api/v1/cases/", {"priority": "whenever", "opened_after": "x"})
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"priority", "opened_after"}


def test_the_case_cursor_walks_every_case_once(samarinda, cases, balikpapan):
    seen, url = [], "/api/v1/cases/?page_size=3"
    while url:
        body = samarinda.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == [c.pk for c in cases]
    assert balikpapan.get("/api/v1/cases/").json()["results"] == []


@pytest.mark.parametrize("page_size", [1, 4])
def test_the_case_list_costs_the_same_whatever_the_page_size(
    samarinda, cases, page_size, django_assert_num_queries
):
    samarinda.get("/api/v1/cases/")
    # 1. key + user + organization, 2. the page of cases with beneficiary,
    # category, assignee, district and owner joined
    with django_assert_num_queries(2):
        response = samarinda.get("/api/v1/cases/", {"page_size": page_size})
    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("page_size", [1, 4])
def test_the_beneficiary_list_costs_the_same_whatever_the_page_size(
    samarinda, cases, page_size, django_assert_num_queries
):
    samarinda.get("/api/v1/beneficiaries/")
    # 1. key + user + organization, 2. the page of persons with regions and office joined
    with django_assert_num_queries(2):
        response = samarinda.get("/api/v1/beneficiaries/", {"page_size": page_size})
    assert len(response.json()["results"]) == page_size


# --- services delivered -----------------------------------------------------------


def test_services_are_recorded_and_updated_with_if_match(samarinda, case):
    created = samarinda.post(
        case_url(case, "services/"),
        {"service_type": "shelter", "provider_org": "dinsos-samarinda", "status": "ongoing"},
        "application/json",
    )
    assert created.status_code == 201, created.json()
    service_url = case_url(case, f"services/{created.json()['id']}/")
    no_match = samarinda.patch(service_url, {"status": "done"}, "application/json")
    assert no_match.status_code == 428
    bad = samarinda.patch(
        service_url, {"status": "done"}, "application/json", HTTP_IF_MATCH=created["ETag"]
    )
    assert bad.status_code == 400
    assert "outcome" in error_of(bad)["fields"]
    refused_twice = ServiceDelivery.objects.get(pk=created.json()["id"])
    assert (refused_twice.status, refused_twice.version) == (ServiceStatus.ONGOING, 1)
    done = samarinda.patch(
        service_url,
        {"status": "done", "outcome": "Pulang ke keluarga."},
        "application/json",
        HTTP_IF_MATCH=created["ETag"],
    )
    assert done.status_code == 200
    assert done.json()["status"] == ServiceStatus.DONE
    assert done["ETag"] == '"2"'
    listed = samarinda.get(case_url(case, "services/")).json()["results"]
    assert [row["status"] for row in listed] == ["done"]


def test_service_dates_in_the_wrong_order_are_a_400(samarinda, case):
    response = samarinda.post(
        case_url(case, "services/"),
        {"service_type": "shelter", "start_date": "2025-05-02", "end_date": "2025-05-01"},
        "application/json",
    )
    assert response.status_code == 400
    assert "end_date" in error_of(response)["fields"]


@pytest.mark.parametrize("count", [1, 4])
def test_the_service_list_costs_the_same_whatever_its_length(
    samarinda, case, count, django_assert_num_queries
):
    shelter = ServiceType.objects.get(code="shelter")
    for _ in range(count):
        ServiceDelivery.objects.create(case=case, service_type=shelter)
    samarinda.get(case_url(case, "services/"))
    # 1. key + user + organization, 2. the case (scoped), 3. the page of services
    # with type and provider joined
    with django_assert_num_queries(3):
        response = samarinda.get(case_url(case, "services/"))
    assert len(response.json()["results"]) == count


def test_an_expired_key_is_401_on_cases(orgs):
    key, clear = issue_key(orgs["samarinda"])
    key.expiry_date = timezone.now() - dt.timedelta(days=1)
    key.save()
    assert key_client(clear).get("/api/v1/cases/").status_code == 401


def test_a_former_owner_reads_the_case_as_it_was_at_the_transfer_like_the_page(
    orgs, samarinda, balikpapan, alice
):
    """The API and the case page answer the former owner the same way: the case as of
    the transfer (no moves, nothing recorded after it), not a 404; writes are refused
    and change nothing."""
    from django.utils import timezone

    from cases.models import CaseFormerOwner

    moved = CaseFactory(owner_org=orgs["balikpapan"], summary="Ringkasan sekarang")
    shelter = ServiceType.objects.get(code="shelter")
    before = ServiceDelivery.objects.create(case=moved, service_type=shelter)
    until = timezone.now()
    CaseFormerOwner.objects.create(
        case=moved,
        organization=orgs["samarinda"],
        until=until,
        snapshot={"status": "in_service", "summary": "Ringkasan saat dipindahkan"},
    )
    after = ServiceDelivery.objects.create(case=moved, service_type=shelter)
    ServiceDelivery.objects.filter(pk=after.pk).update(created_at=until + dt.timedelta(hours=1))

    body = samarinda.get(f"/api/v1/cases/{moved.pk}/").json()
    assert body["summary"] == "Ringkasan saat dipindahkan"
    assert body["status"] == "in_service"
    assert body["allowed_moves"] == []
    assert body["history_until"] is not None
    web = Client()
    web.force_login(alice)
    page = web.get(f"/kasus/{moved.pk}/")
    assert page.status_code == 200
    assert "Ringkasan saat dipindahkan" in page.content.decode()
    assert "Ringkasan sekarang" not in page.content.decode()

    listed = samarinda.get(f"/api/v1/cases/{moved.pk}/services/").json()["results"]
    assert [row["id"] for row in listed] == [before.pk]
    assert samarinda.get(f"/api/v1/cases/{moved.pk}/services/{after.pk}/").status_code == 404

    version = moved.version
    response = samarinda.patch(
        f"/api/v1/cases/{moved.pk}/",
        {"priority": "urgent"},
        "application/json",
        HTTP_IF_MATCH=f'"{version}"',
    )
    assert response.status_code == 403
    moved.refresh_from_db()
    assert (moved.priority, moved.version) != ("urgent", version + 1)
    assert moved.summary == "Ringkasan sekarang"
    assert balikpapan.get(f"/api/v1/cases/{moved.pk}/").json()["summary"] == "Ringkasan sekarang"
