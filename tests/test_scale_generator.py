"""The province-scale generator (demo/scale/) at small N, on both databases.

At 1M it is run by hand (`manage.py seed_demo --scale 1000000`, see docs/PERFORMANCE.md);
these tests check what it generates, not how fast.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any, NamedTuple

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from cases.models import (
    Beneficiary,
    Case,
    CaseEvent,
    CaseFormerOwner,
    CaseStatus,
    PmksCategory,
    ServiceDelivery,
)
from cases.nik import parse_nik, validate_no_kk
from demo import scale
from referrals.models import Referral, ReferralKind, ReferralStatus
from regions.models import Level, Region

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)


def generate(n: int, *, seed: int = 7, **options) -> scale.ScaleResult:  # type: ignore[no-untyped-def]
    options.setdefault("statistics", False)
    return scale.generate_scale(
        beneficiaries=n, seed=seed, now=NOW, write=lambda line: None, **options
    )


def wipe_generated_rows() -> None:
    for model, _ in reversed(scale.TABLE_ROWS):
        model.objects.all().delete()


@pytest.fixture
def small_world():  # type: ignore[no-untyped-def]
    """An 800-person data set (about 2 s)."""
    return generate(800)


def test_it_generates_the_people_their_cases_and_referrals(small_world):  # type: ignore[no-untyped-def]
    assert Beneficiary.objects.count() == 800
    assert small_world.rows["cases_beneficiary"] == 800
    cases = Case.objects.count()
    assert 1.1 * 800 <= cases <= 1.35 * 800  # about 1.2 cases per beneficiary
    assert not Beneficiary.objects.filter(cases__isnull=True).exists()
    referrals = Referral.objects.count()
    assert 0.18 * cases <= referrals <= 0.33 * cases  # about 0.25 per case
    services = ServiceDelivery.objects.count()
    assert 0.35 * cases <= services <= 0.7 * cases  # about 0.5 per case
    assert small_world.rows["cases_case"] == cases


def test_cases_cover_every_category_and_status(small_world):  # type: ignore[no-untyped-def]
    used = set(Case.objects.values_list("primary_category__code", flat=True))
    # 26 categories, some rare (weights 0.5–30): nearly all appear in 800 people
    assert used <= set(PmksCategory.objects.values_list("code", flat=True))
    assert len(used) >= 24
    assert {"PMKS01", "PMKS02", "PMKS08", "PMKS23", "PMKS24"} <= used
    assert not Case.objects.filter(
        primary_category__code="PMKS08", beneficiary__birth_date__gt=dt.date(1967, 6, 1)
    ).exists()  # lanjut usia are 60 or older
    assert not Case.objects.filter(primary_category__code="PMKS23", beneficiary__sex="M").exists()
    assert set(Case.objects.values_list("status", flat=True)) == set(CaseStatus.values)
    opened = Case.objects.order_by("opened_at").values_list("opened_at", flat=True)
    assert opened.first() >= NOW - dt.timedelta(days=3 * 365 + 1)
    assert opened.last() <= NOW
    assert not Case.objects.filter(status="closed", closed_at__isnull=True).exists()
    assert not Case.objects.exclude(status="closed").filter(closed_at__isnull=False).exists()


def test_reopened_cases_have_their_reopen_events(small_world):  # type: ignore[no-untyped-def]
    reopened = Case.objects.filter(reopened_count__gt=0)
    assert reopened.exists()
    for case in reopened:
        events = CaseEvent.objects.filter(case=case, kind="status", data__reopen=True)
        assert events.count() == case.reopened_count
        assert all(e.data == {"from": "closed", "to": "open", "reopen": True} for e in events)


def test_referrals_cover_every_state_and_accepted_transfers_move_the_case(small_world):  # type: ignore[no-untyped-def]
    pairs = set(Referral.objects.values_list("kind", "status"))
    for status in ReferralStatus.values:
        assert (ReferralKind.SERVICE, status) in pairs
    assert {s for k, s in pairs if k == ReferralKind.TRANSFER} >= {
        "pending",
        "accepted",
        "declined",
    }
    moved = Referral.objects.filter(kind="transfer", status__in=["accepted", "completed"])
    assert moved.exists()
    for referral in moved.select_related("case"):
        assert referral.from_regency_id != referral.to_regency_id
        assert CaseFormerOwner.objects.filter(
            case=referral.case,
            organization=referral.from_org,
            regency_id=referral.from_regency_id,
            case_opened_at=referral.case.opened_at,  # the copies the case list walks by
        ).exists()
    # a case ends with the office that accepted its last transfer
    last_transfer = {}
    for referral in moved.order_by("decided_at"):
        last_transfer[referral.case_id] = referral.to_org_id
    owners = dict(Case.objects.filter(pk__in=last_transfer).values_list("pk", "owner_org_id"))
    assert owners == last_transfer
    assert Referral.objects.filter(kind="service", to_org__kind="agency").exists()


def test_some_pending_referrals_are_overdue(small_world):  # type: ignore[no-untyped-def]
    late = Referral.objects.filter(status="pending", due_at__lt=NOW)
    assert late.filter(is_overdue=True).exists()
    assert not Referral.objects.exclude(status="pending").filter(is_overdue=True).exists()
    accepted_services = Referral.objects.filter(kind="service", status="completed")
    assert not accepted_services.filter(service_delivery__isnull=True).exists()


def test_niks_are_valid_and_agree_with_sex_birth_date_and_region(small_world):  # type: ignore[no-untyped-def]
    kecamatan = set(Region.objects.filter(level=Level.DISTRICT).values_list("code", flat=True))
    rows = list(Beneficiary.objects.values_list("nik", "sex", "birth_date", "district__code"))
    with_nik = [row for row in rows if row[0]]
    outside = same_kecamatan = 0
    for nik, sex, birth_date, district_code in with_nik:
        info = parse_nik(nik, today=NOW.date())
        assert (info.sex, info.birth_date) == (sex, birth_date)
        if info.province_code != "64":
            outside += 1
        else:
            assert info.region_code in kecamatan
            same_kecamatan += info.region_code == district_code
    assert 0.88 <= len(with_nik) / len(rows) <= 0.96  # about 8% without NIK
    assert 0.005 <= outside / len(with_nik) <= 0.07  # about 3% migrants
    assert same_kecamatan / len(with_nik) > 0.75
    assert not Beneficiary.objects.filter(nik__isnull=True, nik_absent_reason="").exists()
    assert not Beneficiary.objects.filter(nik__isnull=False).exclude(nik_absent_reason="").exists()


def test_households_share_a_kk_from_their_kecamatan(small_world):  # type: ignore[no-untyped-def]
    sizes = Counter(Beneficiary.objects.exclude(no_kk="").values_list("no_kk", flat=True)).values()
    assert max(sizes) <= 6
    assert any(size > 1 for size in sizes)
    for no_kk, district_code in Beneficiary.objects.exclude(no_kk="").values_list(
        "no_kk", "district__code"
    )[:200]:
        validate_no_kk(no_kk)
        assert no_kk[:6] == district_code.replace(".", "")


def test_people_spread_over_every_regency_most_in_the_big_three(small_world):  # type: ignore[no-untyped-def]
    per_regency = Counter(Beneficiary.objects.values_list("regency__code", flat=True))
    assert set(per_regency) == set(
        Region.objects.filter(level=Level.REGENCY).values_list("code", flat=True)
    )
    big_three = {code for code, _ in per_regency.most_common(3)}
    assert big_three == {"64.72", "64.71", "64.02"}
    assert Beneficiary.objects.filter(region__level=Level.VILLAGE).count() == 800


def test_case_owners_are_the_dinsos_offices_and_caseworkers_belong_to_them(small_world):  # type: ignore[no-untyped-def]
    assert set(Case.objects.values_list("owner_org__code", flat=True)) <= {
        f"dinsos-{slug}" for slug in scale.REGENCY_SLUGS.values()
    }
    assert not Case.objects.exclude(regency=models_f("owner_org__region")).exists()
    assigned = Case.objects.filter(assigned_to__isnull=False)
    assert not assigned.exclude(assigned_to__organization=models_f("owner_org")).exists()


def models_f(name: str):  # type: ignore[no-untyped-def]
    from django.db.models import F

    return F(name)


class ShortBeneficiaryRow(NamedTuple):
    """The required fields only (no default, not nullable)."""

    id: int
    full_name: str
    sex: str
    legal_basis: str
    region_id: int
    regency_id: int
    registered_by_org_id: int
    registered_regency_id: int


def test_columns_it_does_not_know_get_their_default_or_null():
    table = scale.Table(scale.Beneficiary, ShortBeneficiaryRow, NOW)
    fallback = {f.attname: value for index, f, value in table.plan if index is None}
    assert fallback["phone"] == ""
    assert fallback["version"] == 1
    assert fallback["district_id"] is None
    assert fallback["birth_date_estimated"] is False
    assert fallback["created_at"] == NOW  # auto_now_add


def test_it_names_a_required_column_it_cannot_fill() -> None:
    class NoNameRow(NamedTuple):
        id: int
        sex: str
        legal_basis: str
        region_id: int
        regency_id: int
        registered_by_org_id: int
        registered_regency_id: int

    with pytest.raises(ImproperlyConfigured, match="cases.Beneficiary.full_name"):
        scale.Table(scale.Beneficiary, NoNameRow, NOW)


def fingerprint() -> list[list[tuple[Any, ...]]]:
    people = list(
        Beneficiary.objects.order_by("nik", "full_name", "birth_date").values_list(
            "nik", "full_name", "sex", "birth_date", "no_kk", "address", "regency__code"
        )
    )
    cases = list(
        Case.objects.order_by("number").values_list(
            "number", "status", "opened_at", "primary_category__code", "owner_org__code"
        )
    )
    referrals = list(
        Referral.objects.order_by("number").values_list("number", "kind", "status", "due_at")
    )
    return [people, cases, referrals]


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    generate(150, seed=11)
    first = fingerprint()
    wipe_generated_rows()
    generate(150, seed=11)
    assert fingerprint() == first
    wipe_generated_rows()
    generate(150, seed=12)
    assert fingerprint()[0] != first[0]


def test_it_refuses_to_add_to_existing_data():
    generate(20)
    with pytest.raises(scale.DataExists, match="already holds 20 beneficiaries"):
        generate(20)
    with pytest.raises(CommandError, match="empty database"):
        call_command("seed_demo", scale=5, i_know_this_is_not_production=True)
    assert Beneficiary.objects.count() == 20


def test_without_kecamatan_it_places_people_at_regency_level():
    # children first: Region.parent is PROTECT, and the migrations now load the whole tree
    Region.objects.filter(level=Level.VILLAGE).delete()
    Region.objects.filter(level=Level.DISTRICT).delete()
    generate(60, regions_csv=None)
    assert not Region.objects.filter(level=Level.DISTRICT).exists()
    assert not Beneficiary.objects.filter(district__isnull=False).exists()
    assert not Beneficiary.objects.exclude(region=models_f("regency")).exists()
    for nik in Beneficiary.objects.exclude(nik=None).values_list("nik", flat=True):
        parse_nik(nik, today=NOW.date())


def test_the_command_generates_and_reports(capsys):  # type: ignore[no-untyped-def]
    call_command("seed_demo", scale=30, seed=3, i_know_this_is_not_production=True)
    assert Beneficiary.objects.count() == 30
    assert "Scale data ready: 30 beneficiaries" in capsys.readouterr().out


@pytest.mark.postgres
def test_a_bulk_load_keeps_every_index_and_foreign_key():
    tables = [model._meta.db_table for model, _ in scale.TABLE_ROWS]
    with connection.cursor() as cursor:
        before = scale.schema_snapshot(cursor, tables)
    assert before.rebuildable_indexes() and before.foreign_keys
    result = generate(120, bulk=True)
    assert result.bulk
    with connection.cursor() as cursor:
        assert scale.schema_snapshot(cursor, tables) == before
    # the sequences moved past the generated ids
    case = Case.objects.order_by("pk").last()
    copy = Case.objects.get(pk=case.pk)
    copy.pk = None
    copy.number = "test/copy"
    copy.save()
    assert copy.pk > case.pk
