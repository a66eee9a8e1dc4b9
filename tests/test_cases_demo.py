"""The demo people and cases: every kabupaten/kota has some, in every status,
with valid NIKs; a second run adds nothing."""

import pytest

from cases.models import Beneficiary, Case, CaseEvent, CaseStatus
from cases.nik import parse_nik
from demo.cases import seed_cases
from demo.organizations import seed_organizations
from regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seeded once for the module (the seeding walks ~25 cases through the services)."""
    from django.db import transaction
    from django.test import override_settings

    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        seed_organizations()
        result = seed_cases()
        yield result
        transaction.set_rollback(True)


def test_every_regency_has_cases_in_many_statuses(seeded):
    assert 20 <= seeded.beneficiaries <= 30
    regencies = set(Region.objects.regencies().values_list("pk", flat=True))
    assert set(Case.objects.values_list("regency", flat=True)) == regencies
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses >= {
        CaseStatus.OPEN,
        CaseStatus.ASSESSMENT,
        CaseStatus.IN_SERVICE,
        CaseStatus.MONITORING,
        CaseStatus.CLOSURE_REQUESTED,
        CaseStatus.CLOSED,
    }
    assert Case.objects.filter(reopened_count__gt=0).exists()


def test_demo_niks_are_valid_and_tell_the_truth(seeded):
    people = Beneficiary.objects.all()
    with_nik = [p for p in people if p.nik]
    assert len(with_nik) < len(people)  # some without NIK, with a reason
    assert all(p.nik_absent_reason for p in people if not p.nik)
    for person in with_nik:
        info = parse_nik(person.nik)
        assert (info.sex, info.birth_date) == (person.sex, person.birth_date)


def test_the_demo_has_a_household_and_a_child(seeded):
    households = Beneficiary.objects.exclude(no_kk="").values_list("no_kk", flat=True)
    assert len(households) >= 3 and len(set(households)) == 1
    assert any(p.is_child for p in Beneficiary.objects.all())


def test_timelines_are_spread_over_past_weeks(seeded):
    case = Case.objects.filter(status=CaseStatus.CLOSED).first()
    events = list(CaseEvent.objects.filter(case=case).order_by("pk"))
    assert events[0].created_at == case.opened_at
    assert events[-1].created_at > events[0].created_at
    assert case.closed_at is not None


def test_seeding_twice_adds_nothing(seeded):
    before = (Beneficiary.objects.count(), Case.objects.count())
    assert seed_cases().skipped
    assert (Beneficiary.objects.count(), Case.objects.count()) == before
