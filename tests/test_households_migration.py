"""households 0002: existing beneficiaries grouped by their No. KK become households
(the migration's functions called directly on the real database)."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection

from cases.factories import BeneficiaryFactory
from cases.testing import fast_password_hashing_fixture  # noqa: F401
from households.models import Household, HouseholdMember, Relationship

pytestmark = pytest.mark.django_db

migration = importlib.import_module("households.migrations.0002_households_from_no_kk")
EDITOR = SimpleNamespace(connection=connection)

FAMILY_KK = "6472011505200003"
ALONE_KK = "6472021201190001"


def test_people_sharing_a_kk_become_one_household_and_a_lone_person_heads_theirs(orgs):
    samarinda = orgs["samarinda"]
    first = BeneficiaryFactory(
        registered_by_org=samarinda, no_kk=FAMILY_KK, address="Jl. Pahlawan No. 3"
    )
    second = BeneficiaryFactory(registered_by_org=samarinda, no_kk=FAMILY_KK)
    third = BeneficiaryFactory(registered_by_org=samarinda, no_kk=FAMILY_KK)
    alone = BeneficiaryFactory(registered_by_org=orgs["balikpapan"], no_kk=ALONE_KK)
    BeneficiaryFactory(registered_by_org=samarinda, no_kk="")

    migration.forward(None, EDITOR)

    family = Household.objects.get(no_kk=FAMILY_KK)
    assert family.address == "Jl. Pahlawan No. 3"
    assert family.registered_by_org == samarinda
    assert family.regency == samarinda.region
    assert family.head is None
    assert family.aid == []
    assert sorted(family.members.values_list("beneficiary", "relationship")) == sorted(
        (person.pk, Relationship.OTHER) for person in (first, second, third)
    )
    single = Household.objects.get(no_kk=ALONE_KK)
    assert single.head == alone
    assert single.registered_by_org == orgs["balikpapan"]
    assert single.members.get().relationship == Relationship.HEAD
    assert Household.objects.count() == 2
    assert HouseholdMember.objects.count() == 4


def test_a_desa_of_the_first_member_becomes_the_households_desa(orgs):
    from regions.models import Region

    desa = Region.objects.filter(code__startswith="64.72.", level="village").first()
    BeneficiaryFactory(registered_by_org=orgs["samarinda"], no_kk=FAMILY_KK, region=desa)
    migration.forward(None, EDITOR)
    assert Household.objects.get().village == desa


def test_the_reverse_deletes_the_households_and_forward_again_rebuilds_them(orgs):
    for _ in range(3):
        BeneficiaryFactory(registered_by_org=orgs["samarinda"], no_kk=FAMILY_KK)
    migration.forward(None, EDITOR)
    assert Household.objects.count() == 1
    migration.backward(None, EDITOR)
    assert not Household.objects.exists()
    assert not HouseholdMember.objects.exists()
    migration.forward(None, EDITOR)
    assert Household.objects.get().members.count() == 3


def test_the_migration_runs_in_two_statements_whatever_the_number_of_people(orgs):
    from django.test.utils import CaptureQueriesContext

    for index in range(40):
        BeneficiaryFactory(registered_by_org=orgs["samarinda"], no_kk=f"64720115052{index:05d}")
    with CaptureQueriesContext(connection) as queries:
        migration.forward(None, EDITOR)
    assert len(queries) == 2  # INSERT … SELECT households, INSERT … SELECT members
    assert Household.objects.count() == 40


# --- the same grouping for rows written around the services (the scale generator) ---


def test_the_backfill_groups_only_the_ungrouped_and_keeps_existing_households(orgs, alice):
    from households.backfill import households_from_no_kk
    from households.services import join_household

    head = BeneficiaryFactory(registered_by_org=orgs["samarinda"])
    join_household(head, FAMILY_KK, Relationship.HEAD, actor=alice, dtsen=True, desil=4)
    later = BeneficiaryFactory(registered_by_org=orgs["samarinda"], no_kk=FAMILY_KK)
    alone = BeneficiaryFactory(registered_by_org=orgs["samarinda"], no_kk=ALONE_KK)
    assert households_from_no_kk() == (1, 2)
    family = Household.objects.get(no_kk=FAMILY_KK)
    assert (family.head, family.desil) == (head, 4)
    assert family.members.get(beneficiary=later).relationship == Relationship.OTHER
    assert Household.objects.get(no_kk=ALONE_KK).head == alone
    assert households_from_no_kk() == (0, 0)


def test_the_scale_generator_puts_its_people_in_households():
    import datetime as dt

    from demo import scale

    scale.generate_scale(
        beneficiaries=300,
        seed=3,
        now=dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC),
        write=lambda line: None,
        statistics=False,
    )
    from cases.models import Beneficiary

    with_kk = Beneficiary.objects.exclude(no_kk="")
    assert with_kk.exists()
    assert HouseholdMember.objects.count() == with_kk.count()
    assert Household.objects.count() == with_kk.values("no_kk").distinct().count()
