"""The case list reads two walks and merges them (cases.selectors.case_list_walks):
the cases owned in the user's reach, and the cases the user's office (or, for a
supervisor, kabupaten/kota) handed over by a transfer. Every page, forwards and
backwards, must show each visible case once, newest first, whichever walk it is in.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from cases import selectors
from cases.factories import CaseFactory
from cases.filters import CaseFilter
from cases.models import Case, CaseFormerOwner

pytestmark = pytest.mark.django_db


def _link(response, testid: str) -> str | None:
    found = re.search(rf'href="\?([^"]*)" data-testid="{testid}"', response.text)
    return html.unescape(found.group(1)) if found else None


def _handed_over(orgs, opened_at, *, times=1):
    """A case Samarinda owned and transferred to Balikpapan (`times` times)."""
    case = CaseFactory(owner_org=orgs["balikpapan"], opened_at=opened_at)
    for _ in range(times):
        CaseFormerOwner.objects.create(case=case, organization=orgs["samarinda"], until=opened_at)
    return case


def _walk_forward(client, url):
    pages, responses = [], []
    query = ""
    while query is not None:
        response = client.get(f"{url}?{query}")
        responses.append(response)
        pages.append([c.pk for c in response.context["page"].rows])
        query = _link(response, "next-page")
    return pages, responses


@pytest.fixture
def mixed(orgs):
    """60 cases Samarinda owns and 20 it handed over, opening times interleaved
    (a handed-over case every fourth hour), three of them at one instant."""
    now = timezone.now()
    owned, handed_over = [], []
    for n in range(80):
        opened = now - dt.timedelta(hours=n if n not in (10, 11, 12) else 10)
        if n % 4 == 3:
            handed_over.append(_handed_over(orgs, opened))
        else:
            owned.append(CaseFactory(owner_org=orgs["samarinda"], opened_at=opened))
    newest_first = sorted(owned + handed_over, key=lambda c: (c.opened_at, c.pk), reverse=True)
    return {"owned": owned, "handed_over": handed_over, "newest_first": newest_first}


@pytest.mark.parametrize("persona", ["alice", "sari"])
def test_pages_forward_and_back_show_every_case_once_newest_first(
    request, client, orgs, mixed, persona
):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("cases:case_list")
    pages, responses = _walk_forward(client, url)
    expected = [c.pk for c in mixed["newest_first"]]
    assert [pk for page in pages for pk in page] == expected
    assert [len(page) for page in pages] == [25, 25, 25, 5]
    handed_over = {c.pk for c in mixed["handed_over"]}
    for response in responses:
        for case in response.context["page"].rows:
            assert case.transferred_away == (case.pk in handed_over)

    back = []
    response = responses[-1]
    while (query := _link(response, "previous-page")) is not None:
        response = client.get(f"{url}?{query}")
        back.append([c.pk for c in response.context["page"].rows])
    assert back == pages[-2::-1]


def test_a_page_of_own_cases_does_not_hide_older_handed_over_ones(client, orgs, alice):
    # The first page is filled by the owned walk alone; the handed-over walk reads
    # only up to its last row, and the older handed-over cases follow on page 2.
    now = timezone.now()
    owned = [
        CaseFactory(owner_org=orgs["samarinda"], opened_at=now - dt.timedelta(minutes=n))
        for n in range(30)
    ]
    older = [_handed_over(orgs, now - dt.timedelta(days=1, minutes=n)) for n in range(3)]
    client.force_login(alice)
    pages, _ = _walk_forward(client, reverse("cases:case_list"))
    assert pages == [[c.pk for c in owned[:25]], [c.pk for c in owned[25:] + older]]


def test_a_case_handed_over_twice_is_listed_once(client, orgs, alice):
    now = timezone.now()
    twice = _handed_over(orgs, now - dt.timedelta(hours=1), times=2)
    others = [_handed_over(orgs, now - dt.timedelta(hours=2 + n)) for n in range(3)]
    client.force_login(alice)
    rows = client.get(reverse("cases:case_list")).context["page"].rows
    assert [c.pk for c in rows] == [twice.pk] + [c.pk for c in others]


def test_a_case_that_came_back_is_listed_once_as_owned(client, orgs, alice):
    case = CaseFactory(owner_org=orgs["samarinda"])
    CaseFormerOwner.objects.create(case=case, organization=orgs["samarinda"], until=timezone.now())
    client.force_login(alice)
    rows = client.get(reverse("cases:case_list")).context["page"].rows
    assert [(c.pk, c.transferred_away) for c in rows] == [(case.pk, False)]


def test_the_search_covers_both_walks(client, orgs, alice):
    now = timezone.now()
    own = CaseFactory(owner_org=orgs["samarinda"], beneficiary__full_name="Siti Aminah")
    moved = _handed_over(orgs, now - dt.timedelta(days=3))
    moved.beneficiary.full_name = "Aminah Binti Umar"
    moved.beneficiary.save()
    CaseFactory(owner_org=orgs["samarinda"], beneficiary__full_name="Rudi Hartono")
    client.force_login(alice)
    rows = client.get(reverse("cases:case_list"), {"q": "aminah"}).context["page"].rows
    assert [c.pk for c in rows] == [own.pk, moved.pk]


def test_a_nik_finds_the_persons_owned_and_handed_over_cases_in_one_walk(client, orgs, alice):
    from cases.testing import make_nik

    now = timezone.now()
    moved = _handed_over(orgs, now - dt.timedelta(days=2))
    person = moved.beneficiary
    person.nik = make_nik(female=True)
    person.save()
    own = CaseFactory(owner_org=orgs["samarinda"], beneficiary=person, opened_at=now)
    CaseFactory(owner_org=orgs["samarinda"])  # someone else
    client.force_login(alice)
    url = reverse("cases:case_list")
    walks_of_a_name = len(selectors.case_list_walks(alice, CaseFilter({"q": "x"}, user=alice)))
    assert walks_of_a_name == 2
    assert len(selectors.case_list_walks(alice, CaseFilter({"q": person.nik}, user=alice))) == 1
    rows = client.get(url, {"q": person.nik}).context["page"].rows
    assert [(c.pk, c.transferred_away) for c in rows] == [(own.pk, False), (moved.pk, True)]
    rows = client.get(url, {"q": moved.number}).context["page"].rows
    assert [(c.pk, c.transferred_away) for c in rows] == [(moved.pk, True)]


def test_a_former_owner_row_copies_the_regency_and_opening_time(orgs):
    case = CaseFactory(owner_org=orgs["balikpapan"])
    row = CaseFormerOwner.objects.create(
        case=case, organization=orgs["samarinda"], until=timezone.now()
    )
    row.refresh_from_db()
    assert row.regency_id == orgs["samarinda"].region_id
    assert row.case_opened_at == case.opened_at


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("persona", "owned_index", "former_index"),
    [
        ("alice", "case_org_opened_idx", "former_org_opened_idx"),
        ("sari", "case_regency_opened_idx", "former_regency_opened_idx"),
    ],
)
def test_each_walk_reads_its_index_in_list_order(request, orgs, persona, owned_index, former_index):
    # C6: the OR of owned and formerly owned in one query walked every case of the
    # province by opened_at (24.6k rows for a common name at 1M); each walk now reads
    # only its own rows, in list order, bounded by the cursor.
    user = request.getfixturevalue(persona)
    case_filter = CaseFilter({"q": "Aminah"}, queryset=Case.objects.none(), user=user)
    owned, handed_over = selectors.case_list_walks(user, case_filter)
    start = (timezone.now(), 2**40)
    plans = []
    for walk, expected in ((owned, owned_index), (handed_over, former_index)):
        queryset = walk.queryset.filter(walk.joined & _bound(walk.stamp, start[0]))
        queryset = queryset.order_by(f"-{walk.stamp}", "-pk")[:26]
        sql, params = queryset.query.sql_with_params()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        plans.append(plan)
        assert expected in plan, plan
        assert "Sort" not in plan, plan
    assert "former_owner" not in plans[0] and "caseformerowner" not in plans[0]


def _bound(stamp: str, at: dt.datetime):
    from django.db.models import Q

    return Q(**{f"{stamp}__lte": at})


def test_a_renamed_person_is_found_by_the_new_name(client, orgs, alice):
    # Every save of a person (the services' edits, the admin) updates the copies.
    case = CaseFactory(owner_org=orgs["samarinda"], beneficiary__full_name="Siti Aminah")
    other = CaseFactory(owner_org=orgs["samarinda"], beneficiary=case.beneficiary)
    person = case.beneficiary
    person.full_name = "Siti Aminah Rahayu"
    person.save()
    assert set(Case.objects.values_list("beneficiary_name", flat=True)) == {"Siti Aminah Rahayu"}
    client.force_login(alice)
    found = client.get(reverse("cases:case_list"), {"q": "rahayu"}).context["page"].rows
    assert {c.pk for c in found} == {case.pk, other.pk}
    assert client.get(reverse("cases:case_list"), {"q": "aminah r"}).context["page"].rows


@pytest.mark.postgres
def test_a_name_search_reads_the_cases_index_alone_or_the_trigram_index(orgs, alice):
    # C7: the ids of a page come from an index that holds the name (at 1M, an
    # index-only walk for a common fragment such as "Mila"); a rare name can use the
    # trigram index on the case's copy instead. Neither reads cases_beneficiary.
    for name in ("Mila Sari", "Kamila", "Budi Santoso", "Siti Aminah") * 5:
        CaseFactory(owner_org=orgs["samarinda"], beneficiary__full_name=name)
    case_filter = CaseFilter({"q": "Mila"}, queryset=Case.objects.none(), user=alice)
    owned = selectors.case_list_walks(alice, case_filter)[0]
    ids = owned.queryset.order_by("-opened_at", "-pk").values("pk")[:26]
    sql, params = ids.query.sql_with_params()
    assert "cases_beneficiary" not in sql
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases_case'")
        definitions = dict(cursor.fetchall())
    for walked in ("case_org_opened_idx", "case_regency_opened_idx", "case_opened_idx"):
        assert "INCLUDE (beneficiary_name)" in definitions[walked], definitions[walked]
    # The trigram index is on the expression Django writes for icontains.
    sql, params = (
        Case.objects.filter(beneficiary_name__icontains="Mila").values("pk").query.sql_with_params()
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "case_name_upper_trgm_idx" in plan, plan
