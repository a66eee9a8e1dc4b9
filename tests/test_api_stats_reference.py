"""Statistics and reference data through the API."""

import pytest
from django.test import Client

from api.testing import client_for, error_of
from cases.factories import CaseFactory
from referrals.factories import ServiceOfferFactory

pytestmark = pytest.mark.django_db


STATS = "/api/v1/stats/summary/"


# --- statistics ------------------------------------------------------------------


def test_the_province_key_sees_the_rolled_up_province(orgs):
    from stats.rollup import rebuild

    CaseFactory(owner_org=orgs["samarinda"])
    CaseFactory(owner_org=orgs["balikpapan"])
    rebuild()
    response = client_for(orgs["province"]).get(STATS)
    assert response.status_code == 200
    body = response.json()
    assert body["headline"]["open_cases"] == 2
    assert body["run"] is not None
    samarinda = client_for(orgs["province"]).get(STATS, {"regency": "64.72"}).json()
    assert samarinda["headline"]["open_cases"] == 1


def test_an_office_supervisor_key_sees_its_regency_only(orgs):
    supervisor = client_for(orgs["samarinda"], role="supervisor")
    assert supervisor.get(STATS).status_code == 200
    other = supervisor.get(STATS, {"regency": "64.71"})
    assert other.status_code == 404
    assert error_of(other)["code"] == "not_found"


@pytest.mark.parametrize(("org", "role"), [("rsud", None), ("samarinda", "caseworker")])
def test_other_roles_get_403_on_statistics(orgs, org, role):
    response = client_for(orgs[org], role=role).get(STATS)
    assert response.status_code == 403


def test_unknown_statistics_filters_are_a_400(orgs):
    response = client_for(orgs["province"]).get(STATS, {"period": "decade", "category": "X"})
    assert response.status_code == 400
    assert "period" in error_of(response)["fields"]
    category = client_for(orgs["province"]).get(STATS, {"category": "PMKS99"})
    assert category.status_code == 400
    assert list(error_of(category)["fields"]) == ["category"]


def test_no_key_is_401_on_statistics(db):
    assert Client().get(STATS).status_code == 401


# --- reference data ----------------------------------------------------------------


def test_regions_are_listed_by_code_and_filtered(orgs):
    client = client_for(orgs["rsud"])
    regencies = client.get("/api/v1/regions/", {"level": "regency"}).json()["results"]
    assert [r["code"] for r in regencies][:3] == ["64.01", "64.02", "64.03"]
    assert len(regencies) == 10
    assert all(r["parent"] == "64" for r in regencies)
    paged = client.get("/api/v1/regions/", {"level": "regency", "page_size": 4}).json()
    assert [r["code"] for r in paged["results"]] == ["64.01", "64.02", "64.03", "64.07"]
    following = client.get(paged["next"]).json()["results"]
    assert following[0]["code"] == "64.08"
    everything = client.get("/api/v1/regions/", {"page_size": 3}).json()["results"]
    assert [r["code"] for r in everything] == ["64", "64.01", "64.01.01"]


def test_a_region_by_code_has_its_children(orgs):
    client = client_for(orgs["rsud"])
    body = client.get("/api/v1/regions/64/").json()
    assert body["name"] == "Kalimantan Timur"
    assert len(body["children"]) == 10
    assert client.get("/api/v1/regions/99.99/").status_code == 404


def test_the_region_tree_nests_the_levels(orgs):
    tree = client_for(orgs["rsud"]).get("/api/v1/regions/tree/").json()
    assert tree["code"] == "64"
    assert tree["children"][0] == {
        "code": "64.01",
        "name": "Kabupaten Paser",
        "level": "regency",
        "children": [],
    }
    bad = client_for(orgs["rsud"]).get("/api/v1/regions/tree/", {"depth": 9})
    assert bad.status_code == 400
    assert list(error_of(bad)["fields"]) == ["depth"]


def test_categories_follow_the_requested_language(orgs):
    client = client_for(orgs["rsud"])
    indonesian = client.get("/api/v1/categories/").json()
    assert len(indonesian) == 26
    assert indonesian[10]["name"] == "Gelandangan"
    english = client.get("/api/v1/categories/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english[10]["name"] == "Homeless persons"
    assert english[10]["name_id"] == "Gelandangan"


def test_service_types_are_listed(orgs):
    body = client_for(orgs["rsud"]).get("/api/v1/service-types/").json()
    shelter = next(row for row in body if row["code"] == "shelter")
    assert shelter["has_capacity"] is True
    assert shelter["name"] == "Tempat tinggal sementara (shelter)"


@pytest.fixture
def offers(orgs, regions):
    from cases.models import ServiceType

    return [
        ServiceOfferFactory(
            organization=orgs["samarinda"],
            name="Shelter Samarinda",
            capacity_total=10,
            capacity_free=3,
        ),
        ServiceOfferFactory(
            organization=orgs["balikpapan"],
            name="Shelter Balikpapan",
            capacity_total=5,
            capacity_free=0,
        ),
        ServiceOfferFactory(
            organization=orgs["rsud"],
            name="Poli RSUD",
            service_type=ServiceType.objects.get(code="health"),
        ),
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["Shelter Samarinda", "Shelter Balikpapan", "Poli RSUD"]),
        ({"service_type": "shelter"}, ["Shelter Samarinda", "Shelter Balikpapan"]),
        ({"regency": "64.71"}, ["Shelter Balikpapan"]),
        ({"has_capacity": "true"}, ["Shelter Samarinda", "Poli RSUD"]),
    ],
)
def test_the_directory_shows_capacity_and_filters_like_its_page(orgs, offers, query, expected):
    rows = client_for(orgs["samarinda"]).get("/api/v1/directory/", query).json()["results"]
    assert [row["name"] for row in rows] == expected
    shelter = next((row for row in rows if row["name"] == "Shelter Samarinda"), None)
    if shelter:
        assert (shelter["capacity_free"], shelter["capacity_total"]) == (3, 10)
        assert shelter["regencies"] == ["64.72"]


def test_an_unknown_directory_filter_value_is_a_400(orgs, offers):
    response = client_for(orgs["samarinda"]).get("/api/v1/directory/", {"service_type": "spa"})
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["service_type"]


@pytest.mark.parametrize("page_size", [1, 3])
def test_the_directory_costs_the_same_whatever_the_page_size(
    orgs, offers, page_size, django_assert_num_queries
):
    client = client_for(orgs["samarinda"])
    client.get("/api/v1/directory/")
    # 1. key + user + organization, 2. the page of offers with organization and
    # service type, 3. their regencies (prefetch)
    with django_assert_num_queries(3):
        response = client.get("/api/v1/directory/", {"page_size": page_size})
    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("page_size", [2, 11])
def test_the_region_list_costs_the_same_whatever_the_page_size(
    orgs, page_size, django_assert_num_queries
):
    client = client_for(orgs["rsud"])
    client.get("/api/v1/regions/")
    # 1. key + user + organization, 2. the page of regions with their parent
    with django_assert_num_queries(2):
        response = client.get("/api/v1/regions/", {"page_size": page_size})
    assert len(response.json()["results"]) == page_size
