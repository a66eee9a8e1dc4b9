"""Query budgets: the case list and the case page cost the same number of queries
whatever the number of rows (3 or 30).

The totals are measured at 3 rows and asserted at 30 with django_assert_num_queries,
so a query that grows with the rows fails here; the queries of this app are also
counted exactly (the rest are the user with their organization and whatever the
site-wide header needs, which other apps own, and the session row)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.factories import BeneficiaryFactory, CaseFactory
from cases.models import PmksCategory
from cases.services import attachments, delivery, timeline
from cases.testing import (  # noqa: F401  (fixtures used by name)
    fast_password_hashing_fixture,
    shelter_fixture,
)

pytestmark = pytest.mark.django_db

OWN_TABLES = re.compile(r'"(cases_\w+|auditlog_logentry|referrals_referral)"')


def measure(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in context.captured_queries]


def own(queries):
    return [sql for sql in queries if OWN_TABLES.search(sql.split(" WHERE ")[0])]


def add_cases(orgs, user, count):
    for _ in range(count):
        person = BeneficiaryFactory(registered_by_org=orgs["samarinda"])
        CaseFactory(owner_org=orgs["samarinda"], beneficiary=person, assigned_to=user)


@pytest.mark.parametrize(("persona", "own_count"), [("alice", 3), ("sari", 3), ("prov", 2)])
def test_the_case_list_costs_the_same_for_3_and_30_rows(
    request, client, orgs, alice, persona, own_count, django_assert_num_queries
):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("cases:case_list")
    add_cases(orgs, alice, 3)
    client.get(url)  # warm the per-process caches (content types)
    at_3 = measure(client, url)
    # Queries of this app: the page of cases owned in reach (with beneficiary,
    # category, caseworker and kecamatan joined); for an office or a regency, the page
    # of cases it handed over (two walks merged: PERFORMANCE.md C6); the PMKS
    # categories of the filter. The others: the user with their organization (scope),
    # kecamatan and caseworker choices of the filter, the caseworkers a supervisor
    # may assign to.
    assert len(own(at_3)) == own_count
    add_cases(orgs, alice, 27)
    with django_assert_num_queries(len(at_3)):
        response = client.get(url)
    assert len(response.context["page"].rows) == 25


@pytest.mark.parametrize(("persona", "own_count"), [("alice", 9), ("sari", 10), ("prov", 9)])
def test_the_case_page_costs_the_same_for_3_and_30_rows(
    request,
    client,
    settings,
    tmp_path,
    orgs,
    alice,
    shelter,
    persona,
    own_count,
    django_assert_num_queries,
):
    settings.MEDIA_ROOT = tmp_path
    case = CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice)
    categories = list(PmksCategory.objects.exclude(pk=case.primary_category_id))

    def grow(count):
        case.other_categories.add(*categories[:count])
        for number in range(count):
            timeline.case_add_note(actor=alice, case=case, text=f"Catatan {number}")
            delivery.service_delivery_add(actor=alice, case=case, service_type=shelter)
            delivery.assessment_record(actor=alice, case=case, needs=["food"], risk_level="low")
            attachments.attachment_add(
                actor=alice,
                case=case,
                uploaded_file=SimpleUploadedFile(f"s{number}.pdf", b"%PDF-1.4 x"),
            )

    client.force_login(request.getfixturevalue(persona))
    url = reverse("cases:case_detail", args=[case.pk])
    grow(3)
    client.get(url)
    at_3 = measure(client, url)
    # Queries of this app: the case (beneficiary, category, office, caseworker,
    # regions joined), the access-log INSERT, referrals of the case, other
    # categories, assessments, services, timeline, attachments, service types of
    # the form; a supervisor also reads the change history (the read-only provincial
    # supervisor gets no service form, so no service types). The others: session,
    # user, organization (scope), provider organizations of the service form and,
    # for the office supervisor, the caseworkers to reassign to.
    assert len(own(at_3)) == own_count
    grow(27)
    with django_assert_num_queries(len(at_3)):
        response = client.get(url)
    assert len(response.context["services"]) == 30
    assert len(response.context["events"]) > 30
