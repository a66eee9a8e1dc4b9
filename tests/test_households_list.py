"""The households list page (issue 16): the households the user may see (one of
their members is), searched by No. KK and filtered by DTSEN, desil and aid; the
export controls carry the filters; the query count does not grow with the rows."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from cases.factories import BeneficiaryFactory
from cases.testing import fast_password_hashing_fixture  # noqa: F401
from households.models import Relationship
from households.services import join_household

pytestmark = pytest.mark.django_db

KK = "6472012003150007"
OTHER_KK = "6472012003150008"
FOREIGN_KK = "6471021201190001"


def _kk(n: int) -> str:
    return f"6472012003{n:06d}"


@pytest.fixture
def families(orgs, alice, bob):  # type: ignore[no-untyped-def]
    head = BeneficiaryFactory(registered_by_org=orgs["samarinda"], full_name="Siti Kepala")
    join_household(
        head, KK, Relationship.HEAD, actor=alice, dtsen=True, desil=3, aid=["pkh", "blt"]
    )
    join_household(BeneficiaryFactory(registered_by_org=orgs["samarinda"]), KK, actor=alice)
    other = BeneficiaryFactory(registered_by_org=orgs["samarinda"], full_name="Budi Lain")
    join_household(other, OTHER_KK, Relationship.HEAD, actor=alice, dtsen=False)
    foreign_head = BeneficiaryFactory(registered_by_org=orgs["balikpapan"], full_name="Rahasia")
    join_household(foreign_head, FOREIGN_KK, Relationship.HEAD, actor=bob, dtsen=True, desil=3)
    return head, other


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def _listed(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    body = response.content.decode()
    return [kk for kk in (KK, OTHER_KK, FOREIGN_KK) if f'data-label="No. KK">{kk}<' in body]


def test_the_list_shows_only_households_with_a_member_in_reach(alice, families):
    client = _client(alice)
    response = client.get(reverse("households:list"))
    assert _listed(response) == [KK, OTHER_KK]
    body = response.content.decode()
    assert "Siti Kepala" in body and "Rahasia" not in body
    assert 'data-label="Anggota">2<' in body  # the KK's two members
    # a foreign household is never listed, not even by its own No. KK
    assert _listed(client.get(reverse("households:list"), {"no_kk": FOREIGN_KK})) == []
    assert _listed(client.get(reverse("households:list"), {"desil": "3"})) == [KK]


def test_search_by_no_kk_and_filters(alice, families):
    client = _client(alice)
    url = reverse("households:list")
    assert _listed(client.get(url, {"no_kk": "6472 0120 0315 0007"})) == [KK]
    assert _listed(client.get(url, {"dtsen": "ya"})) == [KK]
    assert _listed(client.get(url, {"dtsen": "tidak"})) == [OTHER_KK]
    assert _listed(client.get(url, {"dtsen": "belum"})) == []
    assert _listed(client.get(url, {"aid": "pkh"})) == [KK]
    assert _listed(client.get(url, {"aid": "bpnt"})) == []
    # a value out of range is said, and the list is not narrowed by it
    response = client.get(url, {"desil": "11"})
    assert _listed(response) == [KK, OTHER_KK]
    assert "bukan salah satu dari pilihan yang tersedia" in response.content.decode()
    assert _listed(client.get(url, {"desil": "11", "dtsen": "tidak"})) == [OTHER_KK]


def test_the_export_controls_carry_the_filters_and_export_the_same_rows(alice, families):
    client = _client(alice)
    response = client.get(reverse("households:list"), {"dtsen": "ya"})
    body = response.content.decode()
    assert 'data-testid="export-households"' in body
    csv_url = reverse("exports:start", args=["households", "csv"])
    assert csv_url in body and "dtsen=ya" in body
    exported = client.get(csv_url, {"dtsen": "ya"})
    assert exported.status_code == 200
    text = b"".join(exported.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert [row[0] for row in rows[1:]] == [KK]


def test_the_list_is_in_the_navigation_of_caseworkers_and_supervisors(alice, families):
    response = _client(alice).get(reverse("home"))
    assert reverse("households:list") in response.content.decode()


def test_a_partner_agency_gets_404(agnes):
    assert _client(agnes).get(reverse("households:list")).status_code == 404


def test_the_query_count_does_not_grow_with_the_rows(
    orgs, alice, families, django_assert_max_num_queries
):
    client = _client(alice)
    url = reverse("households:list")
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        assert client.get(url).status_code == 200
    for n in range(10):
        head = BeneficiaryFactory(registered_by_org=orgs["samarinda"])
        join_household(head, _kk(200 + n), Relationship.HEAD, actor=alice)
        join_household(
            BeneficiaryFactory(registered_by_org=orgs["samarinda"]), _kk(200 + n), actor=alice
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(_listed(response)) == 2 and _kk(209) in response.content.decode()


def test_pages(orgs, alice):
    for n in range(27):
        join_household(
            BeneficiaryFactory(registered_by_org=orgs["samarinda"]),
            _kk(300 + n),
            Relationship.HEAD,
            actor=alice,
        )
    client = _client(alice)
    first = client.get(reverse("households:list")).content.decode()
    assert 'data-testid="next-page"' in first
    second = client.get(reverse("households:list"), {"page": "2"}).content.decode()
    assert second.count('data-label="No. KK"') == 2
