"""Households (No. KK): the model's rules and join_household, the one write the
registration, the offline sync and the import share."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cases.factories import BeneficiaryFactory
from cases.testing import fast_password_hashing_fixture  # noqa: F401
from households.models import Aid, Household, HouseholdMember, Relationship
from households.services import join_household

pytestmark = pytest.mark.django_db

KK = "6472011505200003"  # Samarinda Ulu 64.72.01, issued 15-05-2020, serial 0003
OTHER_KK = "6471021201190001"


def _person(orgs, **kwargs):  # type: ignore[no-untyped-def]
    return BeneficiaryFactory(registered_by_org=orgs["samarinda"], **kwargs)


def _household(orgs, **kwargs):  # type: ignore[no-untyped-def]
    values = {
        "no_kk": KK,
        "regency": orgs["samarinda"].region,
        "registered_by_org": orgs["samarinda"],
        "registered_regency": orgs["samarinda"].region,
    }
    values.update(kwargs)
    return Household(**values)


@pytest.mark.parametrize(
    ("no_kk", "fragment"),
    [
        ("647201150520000", "16 digit"),
        ("64720115052000a3", "16 digit"),
        ("０４７２０１１５０５２０００３", "16 digit"),
        ("0972011505200003", "kode provinsi"),
        ("6400011505200003", "tidak boleh 00"),
        ("6472013213200003", "tanggal penerbitan"),
        ("6472011505200000", "nomor urut"),
    ],
)
def test_a_wrong_no_kk_is_refused_naming_the_digit_group(orgs, no_kk, fragment):
    with pytest.raises(ValidationError) as caught:
        _household(orgs, no_kk=no_kk).full_clean()
    assert fragment in " ".join(caught.value.message_dict["no_kk"])


def test_a_no_kk_typed_with_spaces_and_dots_is_kept_as_its_digits(orgs):
    household = _household(orgs, no_kk="6472 0115.0520-0003")
    household.full_clean()
    assert household.no_kk == KK


@pytest.mark.parametrize("desil", [0, 11])
def test_desil_outside_one_to_ten_is_refused(orgs, desil):
    with pytest.raises(ValidationError) as caught:
        _household(orgs, desil=desil, in_dtsen=True).full_clean()
    assert "desil" in caught.value.message_dict


def test_the_database_refuses_a_desil_outside_one_to_ten_too(orgs):
    with pytest.raises(IntegrityError), transaction.atomic():
        _household(orgs, desil=12).save()


def test_aid_is_a_list_of_known_programmes(orgs):
    household = _household(orgs, aid=["blt", "pkh", "pkh"])
    household.full_clean()
    assert household.aid == [Aid.PKH, Aid.BLT]
    with pytest.raises(ValidationError) as caught:
        _household(orgs, aid=["pkh", "kip"]).full_clean()
    assert "kip" in caught.value.message_dict["aid"][0]


def test_a_household_outside_dtsen_has_no_desil(orgs):
    with pytest.raises(ValidationError) as caught:
        _household(orgs, in_dtsen=False, desil=3).full_clean()
    assert "DTSEN" in caught.value.message_dict["desil"][0]


def test_the_first_person_creates_the_household_and_heads_it(orgs, alice):
    siti = _person(orgs, address="Jl. Pahlawan No. 3")
    member = join_household(siti, "6472 0115 0520 0003", actor=alice)
    assert member is not None
    household = member.household
    assert household.no_kk == KK
    assert household.address == "Jl. Pahlawan No. 3"
    assert household.registered_by_org == orgs["samarinda"]
    assert household.head == siti
    assert member.relationship == Relationship.HEAD
    siti.refresh_from_db()
    assert siti.no_kk == KK


def test_the_next_people_join_the_same_household(orgs, alice):
    siti, anak = _person(orgs), _person(orgs)
    join_household(siti, KK, actor=alice)
    member = join_household(anak, KK, actor=alice)
    assert member is not None
    assert member.relationship == Relationship.OTHER
    assert Household.objects.count() == 1
    assert member.household.members.count() == 2


def test_a_new_head_replaces_the_former_one(orgs, alice):
    siti, budi = _person(orgs), _person(orgs)
    join_household(siti, KK, actor=alice)
    join_household(budi, KK, Relationship.HEAD, actor=alice)
    household = Household.objects.get()
    assert household.head == budi
    assert HouseholdMember.objects.get(beneficiary=siti).relationship == Relationship.OTHER


def test_dtsen_desil_and_aid_are_set_and_kept_when_not_given(orgs, alice):
    siti, anak = _person(orgs), _person(orgs)
    join_household(siti, KK, actor=alice, dtsen=True, desil="2", aid=["bpnt", "pkh"])
    join_household(anak, KK, Relationship.CHILD, actor=alice)
    household = Household.objects.get()
    assert (household.in_dtsen, household.desil, household.aid) == (True, 2, ["pkh", "bpnt"])
    assert household.version == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"desil": "11"}, "desil"),
        ({"desil": "2,5"}, "desil"),
        ({"aid": ["raskin"]}, "aid"),
        ({"relationship": "sepupu"}, "relationship"),
    ],
)
def test_bad_household_values_change_nothing(orgs, alice, kwargs, field):
    siti = _person(orgs)
    with pytest.raises(ValidationError) as caught:
        join_household(siti, KK, actor=alice, **kwargs)
    assert field in caught.value.message_dict
    assert not Household.objects.exists()
    siti.refresh_from_db()
    assert siti.no_kk == ""


def test_a_wrong_no_kk_is_refused_by_the_service(orgs, alice):
    with pytest.raises(ValidationError) as caught:
        join_household(_person(orgs), "6472011505200000", actor=alice)
    assert "nomor urut" in caught.value.message_dict["no_kk"][0]


def test_moving_to_another_kk_leaves_the_old_household_which_goes_when_empty(orgs, alice):
    siti, anak = _person(orgs), _person(orgs)
    join_household(siti, KK, actor=alice)
    join_household(anak, KK, actor=alice)
    join_household(siti, OTHER_KK, Relationship.HEAD, actor=alice)
    old = Household.objects.get(no_kk=KK)
    assert old.head is None
    assert list(old.members.values_list("beneficiary", flat=True)) == [anak.pk]
    join_household(anak, "", actor=alice)
    assert not Household.objects.filter(no_kk=KK).exists()
    anak.refresh_from_db()
    assert anak.no_kk == ""


def test_new_dtsen_or_aid_tells_the_statistics_and_a_plain_join_does_not(settings, orgs, alice):
    from cases import testing
    from pmks import hooks

    settings.DATA_CHANGE_HANDLERS = ["cases.testing.record_change"]
    hooks._handlers.cache_clear()
    testing.CHANGES.clear()
    try:
        member = join_household(_person(orgs), KK, actor=alice)
        assert member is not None
        assert not testing.CHANGES
        join_household(_person(orgs), KK, actor=alice, aid=["blt"])
    finally:
        hooks._handlers.cache_clear()
    changes = list(testing.CHANGES)
    assert changes == [("household", member.household_id)]
