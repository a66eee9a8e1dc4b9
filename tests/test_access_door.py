"""The access door: every decision of who may see or do what lives in
accounts/scoping.py (who sees) and accounts/policy.py (who does).

Two guards read the source: nothing outside the door tests a user's role, and
nothing builds a bare `Q()` (an "everything" that vanishes inside an OR). The
rest pins the rules whose mutants survived before (issue 12): a regency
supervisor's reach, decisions that belong to the addressee, a former owner's
reach after a transfer, assignees.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.test import Client

from accounts import policy
from accounts.factories import OrganizationFactory, UserFactory
from accounts.models import OrganizationKind, Role
from accounts.scoping import (
    EVERY_ROW,
    NO_ROW,
    Reach,
    Scope,
    acting_organization,
    in_reach,
    is_office_supervisor_of,
    is_provincial_supervisor,
    may_see_owner,
    owned_q,
    scope_of,
)
from cases.factories import BeneficiaryFactory, CaseFactory
from cases.models import Beneficiary, Case, CaseFormerOwner
from cases.selectors import assignable_caseworkers
from pmks.errors import NotAllowed
from referrals.models import Referral, ReferralMessage, ReferralStatus
from referrals.services import conversation as referral_conversation
from referrals.services import decisions as referral_decisions
from referrals.services import transitions as referral_transitions
from referrals.testing import send

ROOT = Path(__file__).resolve().parents[1]
APPS = (
    "accounts",
    "api",
    "cases",
    "pmks",
    "referrals",
    "regions",
    "stats",
    "demo",
    "bench",
    "offline",
)
# The door itself, and the model that validates a user's role against its organization.
DOOR = {"accounts/scoping.py", "accounts/policy.py", "accounts/models.py"}


def _project_modules() -> list[Path]:
    paths = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or "/tests/" in relative:
                continue
            if path.name in ("factories.py", "testing.py"):
                continue  # test support builds personas by role
            paths.append(path)
    return paths


def _role_decisions(tree: ast.AST) -> list[int]:
    """Lines that test a role: `x.role == …`, `x.role in …`, `Role.X == x`, and
    lookups keyed by a user's role (`TABLE[user.role]`, `TABLE.get(user.role)`)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(isinstance(o, ast.Attribute) and o.attr == "role" for o in operands):
                lines.append(node.lineno)
        elif isinstance(node, ast.Subscript):
            if isinstance(node.slice, ast.Attribute) and node.slice.attr == "role":
                lines.append(node.lineno)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and any(isinstance(arg, ast.Attribute) and arg.attr == "role" for arg in node.args)
        ):
            lines.append(node.lineno)
    return lines


def test_no_module_outside_the_door_decides_by_role():
    offenders = []
    for path in _project_modules():
        relative = path.relative_to(ROOT).as_posix()
        if relative in DOOR:
            continue
        for line in _role_decisions(ast.parse(path.read_text(), filename=relative)):
            offenders.append(f"{relative}:{line}")
    assert offenders == [], "ask accounts.policy instead of testing user.role: " + ", ".join(
        offenders
    )


def test_the_role_guard_catches_the_shapes_it_looks_for():
    source = (
        "a = user.role == Role.SUPERVISOR\n"
        "b = request.user.role in (Role.CASEWORKER,)\n"
        "c = TEMPLATES[user.role]\n"
        "d = TEMPLATES.get(user.role, 'x')\n"
        "e = user.organization_id == 3\n"
    )
    assert _role_decisions(ast.parse(source)) == [1, 2, 3, 4]


def test_nothing_builds_a_bare_q():
    offenders = []
    for path in _project_modules():
        relative = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(), filename=relative)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Q"
                and not node.args
                and not node.keywords
            ):
                offenders.append(f"{relative}:{node.lineno}")
    assert offenders == [], "use accounts.scoping.EVERY_ROW / NO_ROW: " + ", ".join(offenders)


# --- reach: "everything" and "nothing" keep their meaning in an OR ------------------

pytestmark = pytest.mark.django_db


def test_the_provinces_reach_stays_everything_inside_an_or(orgs, prov):
    CaseFactory(owner_org=orgs["samarinda"])
    CaseFactory(owner_org=orgs["balikpapan"])
    assert owned_q(prov, org_field="owner_org") == EVERY_ROW
    either = owned_q(prov, org_field="owner_org") | NO_ROW
    assert Case.objects.filter(either).count() == 2


def test_no_reach_stays_nothing_inside_an_or(orgs, agnes):
    CaseFactory(owner_org=orgs["samarinda"])
    assert owned_q(agnes, org_field="owner_org") == NO_ROW
    assert Case.objects.filter(owned_q(agnes, org_field="owner_org") | NO_ROW).count() == 0


@pytest.fixture
def balikpapan_uptd(orgs):
    return OrganizationFactory(
        code="uptd-balikpapan",
        name="UPTD Rumah Singgah Balikpapan",
        kind=OrganizationKind.UPTD,
        region=orgs["balikpapan"].region,
    )


def test_a_regency_supervisor_sees_no_referral_between_offices_of_another_regency(
    orgs, bob, sari, budi, balikpapan_uptd
):
    case = CaseFactory(owner_org=orgs["balikpapan"], assigned_to=bob)
    between = send(bob, case, balikpapan_uptd, service_type="shelter")
    assert Referral.objects.visible_to(budi).filter(pk=between.pk).exists()
    assert not Referral.objects.visible_to(sari).filter(pk=between.pk).exists()
    assert not policy.may_post_referral_message(sari, between)


def test_a_regency_supervisor_assigns_only_caseworkers_of_their_regency(orgs, alice, bob, sari):
    inactive = UserFactory(
        username="gone", organization=orgs["samarinda"], role=Role.CASEWORKER, is_active=False
    )
    assert set(assignable_caseworkers(sari)) == {alice}
    assert bob not in assignable_caseworkers(sari)
    assert inactive not in assignable_caseworkers(sari)
    # A caseworker opening a case chooses among their own office's caseworkers.
    assert set(assignable_caseworkers(alice)) == {alice}


# --- decisions belong to the addressee ---------------------------------------------


@pytest.fixture
def samarinda_uptd(orgs):
    return OrganizationFactory(
        code="uptd-samarinda",
        name="UPTD Panti Sosial Samarinda",
        kind=OrganizationKind.UPTD,
        region=orgs["samarinda"].region,
    )


def test_a_supervisor_does_not_decide_or_write_for_a_uptd_in_their_regency(
    orgs, alice, sari, samarinda_uptd, bob
):
    uptd_staff = UserFactory(username="uptd", organization=samarinda_uptd, role=Role.CASEWORKER)
    case = CaseFactory(owner_org=orgs["balikpapan"], assigned_to=bob)
    referral = send(bob, case, samarinda_uptd, service_type="shelter")
    assert referral_transitions.allowed_actions(sari, referral) == []
    assert referral_transitions.allowed_actions(uptd_staff, referral) == ["accept", "decline"]
    with pytest.raises(NotAllowed):
        referral_decisions.referral_accept(actor=sari, referral=referral)
    with pytest.raises(NotAllowed):
        referral_conversation.referral_message_post(actor=sari, referral=referral, body="Halo")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.PENDING
    assert referral.decided_by_id is None
    assert not ReferralMessage.objects.filter(referral=referral).exists()


def test_a_supervisor_cannot_accept_through_the_page_for_another_organization(
    orgs, sari, samarinda_uptd, bob
):
    case = CaseFactory(owner_org=orgs["balikpapan"], assigned_to=bob)
    referral = send(bob, case, samarinda_uptd, service_type="shelter")
    client = Client()
    client.force_login(sari)
    response = client.post(f"/rujukan/{referral.pk}/terima/", follow=True)
    assert "Hanya organisasi penerima" in response.content.decode()
    referral.refresh_from_db()
    assert (referral.status, referral.decided_by_id) == (ReferralStatus.PENDING, None)


# --- a former owner reads, never writes ---------------------------------------------


@pytest.fixture
def handed_over(orgs, alice):
    """A person registered in Samarinda whose only case now belongs to Balikpapan."""
    person = BeneficiaryFactory(registered_by_org=orgs["samarinda"], registered_by=alice)
    case = CaseFactory(beneficiary=person, owner_org=orgs["balikpapan"])
    CaseFormerOwner.objects.create(case=case, organization=orgs["samarinda"], until=case.opened_at)
    return person


def test_a_former_office_sees_the_person_but_may_not_change_or_open_a_case(handed_over, alice, bob):
    assert Beneficiary.objects.visible_to(alice).filter(pk=handed_over.pk).exists()
    assert not Beneficiary.objects.writable_by(alice).filter(pk=handed_over.pk).exists()
    assert Beneficiary.objects.writable_by(bob).filter(pk=handed_over.pk).exists()
    client = Client()
    client.force_login(alice)
    cases_before = Case.objects.filter(beneficiary=handed_over).count()
    assert client.get(f"/kasus/penerima/{handed_over.pk}/ubah/").status_code == 403
    assert client.get(f"/kasus/baru/{handed_over.pk}/").status_code == 403
    response = client.post(
        f"/kasus/baru/{handed_over.pk}/", {"primary_category": 1, "priority": "normal"}
    )
    assert response.status_code == 403
    assert Case.objects.filter(beneficiary=handed_over).count() == cases_before


def test_an_office_that_registered_a_person_without_cases_may_change_them(orgs, alice, bob):
    person = BeneficiaryFactory(registered_by_org=orgs["samarinda"], registered_by=alice)
    assert Beneficiary.objects.writable_by(alice).filter(pk=person.pk).exists()
    assert not Beneficiary.objects.writable_by(bob).filter(pk=person.pk).exists()


# --- roles in the policy ----------------------------------------------------------


def test_the_policy_names_who_does_what(orgs, alice, sari, prov, agnes):
    assert [policy.may_register(u) for u in (alice, sari, prov, agnes)] == [
        True,
        True,
        False,
        False,
    ]
    assert [policy.may_assign(u) for u in (alice, sari, prov, agnes)] == [
        False,
        True,
        False,
        False,
    ]
    assert policy.referral_boxes(alice) == ["inbox", "outbox"]
    assert policy.referral_boxes(sari) == ["inbox", "outbox", "all"]
    assert policy.referral_boxes(prov) == ["all"]
    assert policy.referral_boxes(agnes) == ["inbox"]
    assert policy.may_manage_keys(sari, orgs["samarinda"])
    assert not policy.may_manage_keys(sari, orgs["balikpapan"])
    assert not policy.may_manage_keys(alice, orgs["samarinda"])


def test_a_deactivated_user_or_organization_does_nothing(orgs, alice, sari):
    alice.is_active = False
    assert not policy.may_register(alice)
    assert policy.referral_boxes(alice) == []
    orgs["samarinda"].is_active = False
    sari.organization = orgs["samarinda"]
    assert not policy.may_assign(sari)
    assert not policy.may_manage_keys(sari, orgs["samarinda"])


def test_a_deactivated_partner_agency_user_has_no_referral_list(orgs, agnes):
    agnes.is_active = False
    assert policy.referral_boxes(agnes) == []
    assert not policy.has_referral_inbox_only(agnes)
    assert not policy.has_notifications(agnes)


def test_an_admin_has_no_referral_list_even_with_an_organization(orgs):
    admin = UserFactory(username="root", organization=orgs["province"], role=Role.ADMIN)
    assert policy.referral_boxes(admin) == []
    assert not policy.has_notifications(admin)
    assert policy.home_kind(admin) == "admin"
    assert not policy.works_cases(admin)


def test_only_partner_agency_staff_work_from_an_inbox_alone(alice, sari, prov, agnes):
    assert [policy.has_referral_inbox_only(u) for u in (alice, sari, prov, agnes)] == [
        False,
        False,
        False,
        True,
    ]


def test_only_the_provinces_supervisor_is_provincial(alice, sari, prov, agnes):
    assert [is_provincial_supervisor(u) for u in (alice, sari, prov, agnes)] == [
        False,
        False,
        True,
        False,
    ]


def test_each_role_lands_on_its_own_home_page(alice, sari, prov, agnes):
    assert [policy.home_kind(u) for u in (alice, sari, prov, agnes)] == [
        "caseworker",
        "supervisor",
        "supervisor",
        "agency",
    ]
    assert [policy.works_cases(u) for u in (alice, sari, prov, agnes)] == [True, True, True, False]
    # A role the door does not know (a row edited by hand) gets the admin page, which
    # shows nothing, rather than a template that does not exist.
    assert policy.home_kind(UserFactory.build(role="pensiun")) == "admin"


def test_who_sees_an_office_and_who_supervises_it(orgs, alice, bob, sari, budi, prov, agnes):
    samarinda = orgs["samarinda"]
    people = (alice, bob, sari, budi, prov, agnes)
    assert [may_see_owner(u, samarinda) for u in people] == [True, False, True, False, True, False]
    assert [is_office_supervisor_of(u, samarinda) for u in people] == [
        False,
        False,
        True,
        False,
        False,
        False,
    ]
    assert [policy.may_see_change_history(u) for u in people] == [
        False,
        False,
        True,
        True,
        True,
        False,
    ]


def test_an_organizations_integration_user_manages_its_webhooks_only(orgs, alice, sari):
    samarinda, balikpapan = orgs["samarinda"], orgs["balikpapan"]
    robot = UserFactory(
        username="kunci-samarinda",
        organization=samarinda,
        role=Role.CASEWORKER,
        is_integration=True,
    )
    assert policy.may_manage_webhooks(robot, samarinda)
    assert not policy.may_manage_webhooks(robot, balikpapan)
    assert policy.may_manage_webhooks(sari, samarinda)  # its supervisor manages keys too
    assert not policy.may_manage_webhooks(sari, balikpapan)
    assert not policy.may_manage_webhooks(alice, samarinda)  # a person, not the integration
    robot.is_active = False
    assert not policy.may_manage_webhooks(robot, samarinda)


def test_the_reach_prologue_gives_the_province_every_row_and_within_its_scope(orgs, prov, sari):
    CaseFactory(owner_org=orgs["samarinda"])
    CaseFactory(owner_org=orgs["balikpapan"])
    assert in_reach(Case.objects.all(), prov, lambda scope: NO_ROW).count() == 2
    assert in_reach(Case.objects.all(), prov, lambda scope: NO_ROW, province=False).count() == 0
    seen = []
    in_reach(Case.objects.all(), sari, lambda scope: seen.append(scope) or EVERY_ROW).count()
    assert seen == [scope_of(sari)]


def test_the_menu_and_the_badge_follow_the_role(alice, agnes):
    from django.contrib.auth.models import AnonymousUser

    from accounts.navigation import NAVIGATION

    assert policy.menu_for(alice) == NAVIGATION[Role.CASEWORKER]
    assert policy.menu_for(agnes) == NAVIGATION[Role.AGENCY_STAFF]
    assert policy.menu_for(AnonymousUser()) == []
    assert policy.menu_for(None) == []  # no user object at all: no menu, no error
    assert policy.menu_for(UserFactory.build(role="pensiun")) == []
    assert policy.has_notifications(alice) and policy.has_notifications(agnes)


def test_each_scope_names_the_organization_acting(orgs, alice, sari, prov):
    samarinda = orgs["samarinda"]
    assert scope_of(alice) == Scope(
        Reach.ORGANIZATION, organization_id=samarinda.pk, can_write=True
    )
    assert scope_of(sari) == Scope(
        Reach.REGENCY, organization_id=samarinda.pk, regency_id=samarinda.region_id, can_write=True
    )
    assert scope_of(prov) == Scope(Reach.PROVINCE, organization_id=orgs["province"].pk)


def test_admins_are_superusers_staff_or_the_admin_role(orgs):
    def person(name, **flags):
        return UserFactory(username=name, organization=orgs["province"], **flags)

    assert policy.is_admin(person("staf-django", role=Role.CASEWORKER, is_staff=True))
    assert policy.is_admin(person("super", role=Role.CASEWORKER, is_superuser=True))
    assert policy.is_admin(person("admin", role=Role.ADMIN))
    assert not policy.is_admin(person("biasa", role=Role.SUPERVISOR))
    assert not policy.is_admin(None)  # no user object at all


def test_no_user_object_acts_for_no_organization():
    assert acting_organization(None) is None
