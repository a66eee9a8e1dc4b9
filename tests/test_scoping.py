"""The access matrix: role × own/other region, on cases and beneficiaries.

Every later view relies on these querysets, so the matrix is walked here once,
at the source; view tests then only check that they use it (404 for foreign)."""

import pytest

from accounts.scoping import Reach, dashboard_regency_ids, may_change_owner, scope_of
from cases.factories import CaseFactory
from cases.models import Beneficiary, Case

pytestmark = pytest.mark.django_db


@pytest.fixture
def samarinda_case(orgs):
    return CaseFactory(owner_org=orgs["samarinda"])


@pytest.fixture
def balikpapan_case(orgs):
    return CaseFactory(owner_org=orgs["balikpapan"])


@pytest.mark.parametrize(
    ("persona", "sees_samarinda", "sees_balikpapan", "writes_samarinda"),
    [
        ("alice", True, False, True),  # caseworker, Samarinda
        ("bob", False, True, False),  # caseworker, Balikpapan
        ("sari", True, False, True),  # office supervisor, Samarinda
        ("budi", False, True, False),  # office supervisor, Balikpapan
        ("prov", True, True, False),  # provincial supervisor: all, read-only
        ("agnes", False, False, False),  # agency staff: only referrals addressed to them
    ],
)
def test_the_role_by_region_matrix(
    request,
    samarinda_case,
    balikpapan_case,
    persona,
    sees_samarinda,
    sees_balikpapan,
    writes_samarinda,
):
    user = request.getfixturevalue(persona)
    visible = set(Case.objects.visible_to(user).values_list("pk", flat=True))
    assert (samarinda_case.pk in visible) is sees_samarinda
    assert (balikpapan_case.pk in visible) is sees_balikpapan
    people = set(Beneficiary.objects.visible_to(user).values_list("pk", flat=True))
    assert (samarinda_case.beneficiary_id in people) is sees_samarinda
    assert (balikpapan_case.beneficiary_id in people) is sees_balikpapan
    assert may_change_owner(user, samarinda_case.owner_org) is writes_samarinda
    writable = set(Case.objects.writable_by(user).values_list("pk", flat=True))
    assert (samarinda_case.pk in writable) is writes_samarinda


def test_a_caseworker_does_not_see_another_office_of_the_same_regency(orgs, alice):
    from accounts.factories import OrganizationFactory

    uptd = OrganizationFactory(code="uptd-x", kind="uptd", region=orgs["samarinda"].region)
    case = CaseFactory(owner_org=uptd)
    assert not Case.objects.visible_to(alice).filter(pk=case.pk).exists()


def test_an_office_supervisor_sees_every_office_of_their_regency(orgs, sari):
    from accounts.factories import OrganizationFactory

    uptd = OrganizationFactory(code="uptd-x", kind="uptd", region=orgs["samarinda"].region)
    case = CaseFactory(owner_org=uptd)
    assert Case.objects.visible_to(sari).filter(pk=case.pk).exists()


def test_a_former_owner_keeps_read_access_but_not_write(orgs, alice, balikpapan_case):
    from django.utils import timezone

    from cases.models import CaseFormerOwner

    CaseFormerOwner.objects.create(
        case=balikpapan_case, organization=orgs["samarinda"], until=timezone.now()
    )
    assert Case.objects.visible_to(alice).filter(pk=balikpapan_case.pk).exists()
    assert not Case.objects.writable_by(alice).filter(pk=balikpapan_case.pk).exists()


def test_inactive_users_and_organizations_see_nothing(orgs, alice, samarinda_case):
    orgs["samarinda"].is_active = False
    orgs["samarinda"].save()
    alice.refresh_from_db()
    assert scope_of(alice).reach is Reach.NOTHING
    assert not Case.objects.visible_to(alice).exists()


def test_anonymous_sees_nothing(samarinda_case):
    from django.contrib.auth.models import AnonymousUser

    assert not Case.objects.visible_to(AnonymousUser()).exists()
    assert not Beneficiary.objects.visible_to(AnonymousUser()).exists()


def test_dashboards_are_for_supervisors_only(alice, sari, prov, agnes, orgs):
    assert dashboard_regency_ids(prov) is None
    assert dashboard_regency_ids(sari) == {orgs["samarinda"].region_id}
    assert dashboard_regency_ids(alice) == set()
    assert dashboard_regency_ids(agnes) == set()
