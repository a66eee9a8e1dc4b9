"""The rollup: summary tables equal a direct count over the live tables, for
generated data and the awkward cases; idempotent; all-or-nothing."""

import datetime as dt
import statistics
from collections import Counter, defaultdict

import pytest
import time_machine
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.utils import timezone

from cases.models import Case, CaseEvent, ServiceDelivery
from referrals.models import Referral
from stats.factories import edge_cases, ensure_districts, make_case
from stats.generate import generate
from stats.models import (
    BeneficiaryFact,
    CaseAgeSex,
    CaseCount,
    CaseFact,
    CaseFlowPeriod,
    DailySnapshot,
    MonthlyCaseFlow,
    Period,
    RebuildRun,
    ReferralFlow,
    ReferralOrgStat,
    ServiceFact,
)
from stats.rollup import period_starts, rebuild, take_snapshot

pytestmark = pytest.mark.django_db


DECIDED = ("accepted", "declined", "completed")


@pytest.fixture
def data(orgs, alice):
    """Generated load plus the edge cases, then one rebuild."""
    ensure_districts()
    generate(cases=150, seed=7, batch_size=60)
    made = edge_cases(orgs, alice)
    result = rebuild(trigger="test")
    return {"made": made, "result": result, "now": result.computed_at}


# The edge cases send referrals 10 days back and expect them in "this month": the
# clock stands mid-month (WITA), so the test holds on any calendar day.
MID_MONTH = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def edge(orgs, alice):
    """Only the edge cases, so each can be found by its own figures."""
    with time_machine.travel(MID_MONTH, tick=True):
        made = edge_cases(orgs, alice)
        result = rebuild(trigger="test")
        yield {"made": made, "result": result, "now": result.computed_at}


# --- the direct count: plain Python over the live rows ---------------------------------


def age_band(birth: dt.date | None, today: dt.date) -> str:
    if birth is None:
        return "unknown"
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return "0-4" if age < 5 else "5-17" if age < 18 else "18-59" if age < 60 else "60+"


def month_of(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date().replace(day=1)


def own_district(case: Case) -> int | None:
    district = case.district
    return district.pk if district and district.parent_id == case.regency_id else None


def direct_case_facts(now):
    today = timezone.localdate(now)
    counts = Counter()
    for case in Case.objects.select_related("beneficiary", "district"):
        key = (
            case.regency_id,
            own_district(case),
            case.primary_category_id,
            case.status,
            case.priority,
            case.beneficiary.sex,
            age_band(case.beneficiary.birth_date, today),
        )
        counts[key] += 1
    return counts


def direct_monthly_flow():
    counts = defaultdict(lambda: [0, 0, 0])
    cases = {case.pk: case for case in Case.objects.select_related("district")}
    for case in cases.values():
        base = (case.regency_id, own_district(case), case.primary_category_id)
        counts[(month_of(case.opened_at), *base)][0] += 1
        if case.status == "closed" and case.closed_at:
            counts[(month_of(case.closed_at), *base)][1] += 1
    for event in CaseEvent.objects.filter(kind="status"):
        if event.data.get("reopen") is True:
            case = cases[event.case_id]
            base = (case.regency_id, own_district(case), case.primary_category_id)
            counts[(month_of(event.created_at), *base)][2] += 1
    return {key: tuple(value) for key, value in counts.items()}


def referral_rows(now):
    """Each referral with its derived flags, once per period it falls in."""
    starts = period_starts(now)
    rows = []
    for referral in Referral.objects.select_related("case"):
        decided = referral.status in DECIDED and referral.decided_at is not None
        row = {
            "from": referral.from_regency_id,
            "to": referral.to_regency_id,
            "org": referral.to_org_id,
            "kind": referral.kind,
            "status": referral.status,
            "category": referral.case.primary_category_id,
            "pending": referral.status == "pending",
            "overdue": referral.status == "pending"
            and (referral.is_overdue or referral.due_at < now),
            "cancelled": referral.status == "cancelled",
            "decided": decided,
            "on_time": decided and referral.decided_at <= referral.due_at,
            "hours": (referral.decided_at - referral.created_at).total_seconds() / 3600
            if decided
            else None,
        }
        for period, start in starts.items():
            if referral.created_at >= start:
                rows.append({**row, "period": str(period)})
    return rows


def grouped(rows, key):
    groups = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
        groups[key({**row, "category": None})].append(row)  # the all-categories rows
    return groups


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def approx_rows(rows):
    return {key: pytest.approx(value, abs=1e-3) for key, value in rows.items()}


# --- tests --------------------------------------------------------------------------------


def test_the_case_cube_equals_a_direct_count(data):
    rolled = Counter()
    for fact in CaseFact.objects.all():
        key = (
            fact.regency_id,
            fact.district_id,
            fact.category_id,
            fact.status,
            fact.priority,
            fact.sex,
            fact.age_band,
        )
        rolled[key] += fact.total
    assert rolled == direct_case_facts(data["now"])
    assert sum(rolled.values()) == Case.objects.count()


def test_beneficiaries_equal_a_direct_count(data):
    from cases.models import Beneficiary

    today = timezone.localdate(data["now"])
    direct = Counter()
    for person in Beneficiary.objects.select_related("district"):
        district = person.district
        inside = district.pk if district and district.parent_id == person.regency_id else None
        direct[(person.regency_id, inside, person.sex, age_band(person.birth_date, today))] += 1
    rolled = Counter(
        {
            (f.regency_id, f.district_id, f.sex, f.age_band): f.total
            for f in BeneficiaryFact.objects.all()
        }
    )
    assert rolled == direct


def test_monthly_flow_equals_a_direct_count(data):
    def rolled(level):
        return {
            (f.month, f.regency_id, f.district_id, f.category_id): (
                f.new_total,
                f.closed_total,
                f.reopened_total,
            )
            for f in MonthlyCaseFlow.objects.filter(level=level)
        }

    direct = direct_monthly_flow()
    assert rolled("district") == direct
    per_regency = defaultdict(lambda: [0, 0, 0])
    for (month, regency, _district, category), counts in direct.items():
        for index, count in enumerate(counts):
            per_regency[(month, regency, None, category)][index] += count
    assert rolled("regency") == {key: tuple(counts) for key, counts in per_regency.items()}


def test_flows_per_period_equal_a_direct_count(data):
    """CaseFlowPeriod: the monthly counts of each period's months, per kecamatan and
    per kabupaten/kota."""
    expected = defaultdict(lambda: [0, 0, 0])
    for (month, regency, district, category), counts in direct_monthly_flow().items():
        for period, start in period_starts(data["now"]).items():
            if month < start.date():
                continue
            for level, area in (("district", district), ("regency", None)):
                row = expected[(str(period), level, regency, area, category)]
                for index, count in enumerate(counts):
                    row[index] += count
    rolled = {
        (f.period, f.level, f.regency_id, f.district_id, f.category_id): [
            f.new_total,
            f.closed_total,
            f.reopened_total,
        ]
        for f in CaseFlowPeriod.objects.all()
    }
    assert rolled == dict(expected)
    assert {key[0] for key in rolled} == set(Period.values)


def test_the_dashboard_case_counts_fold_the_cube_exactly(data):
    """CaseCount (per regency and per kecamatan) and CaseAgeSex against the live rows."""
    today = timezone.localdate(data["now"])
    counts = defaultdict(lambda: [0, 0])
    ages = defaultdict(lambda: [0, 0])
    for case in Case.objects.select_related("beneficiary", "district"):
        high = case.priority in ("high", "urgent")
        for key in (
            ("district", case.regency_id, own_district(case)),
            ("regency", case.regency_id, None),
        ):
            row = counts[(*key, case.primary_category_id, case.status)]
            row[0] += 1
            row[1] += high
        band = age_band(case.beneficiary.birth_date, today)
        row = ages[(case.regency_id, case.primary_category_id, case.beneficiary.sex, band)]
        row[0] += case.status != "closed"
        row[1] += 1
    assert {
        (f.level, f.regency_id, f.district_id, f.category_id, f.status): [
            f.total,
            f.high_priority_total,
        ]
        for f in CaseCount.objects.all()
    } == counts
    assert {
        (f.regency_id, f.category_id, f.sex, f.age_band): [f.open_total, f.total]
        for f in CaseAgeSex.objects.all()
    } == ages


def test_referral_flows_equal_a_direct_count_with_exact_medians(data):
    def key(row):
        return (row["period"], row["from"], row["to"], row["kind"], row["status"], row["category"])

    expected = {}
    for group, rows in grouped(referral_rows(data["now"]), key).items():
        expected[group] = (
            len(rows),
            sum(r["overdue"] for r in rows),
            sum(r["decided"] for r in rows),
            sum(r["on_time"] for r in rows),
            median([r["hours"] for r in rows]),
        )
    rolled = {
        (f.period, f.from_regency_id, f.to_regency_id, f.kind, f.status, f.category_id): (
            f.total,
            f.overdue_total,
            f.decided_total,
            f.on_time_total,
            f.median_response_hours,
        )
        for f in ReferralFlow.objects.all()
    }
    assert rolled.keys() == expected.keys()
    assert rolled == approx_rows(expected)


def test_sla_by_organization_equals_a_direct_count(data):
    def key(row):
        return (row["period"], row["org"], row["to"], row["category"])

    expected = {}
    for group, rows in grouped(referral_rows(data["now"]), key).items():
        expected[group] = (
            len(rows),
            sum(r["pending"] for r in rows),
            sum(r["overdue"] for r in rows),
            sum(r["cancelled"] for r in rows),
            sum(r["decided"] for r in rows),
            sum(r["on_time"] for r in rows),
            median([r["hours"] for r in rows]),
        )
    rolled = {
        (f.period, f.organization_id, f.regency_id, f.category_id): (
            f.received_total,
            f.pending_total,
            f.overdue_total,
            f.cancelled_total,
            f.decided_total,
            f.on_time_total,
            f.median_response_hours,
        )
        for f in ReferralOrgStat.objects.all()
    }
    assert rolled.keys() == expected.keys()
    assert rolled == approx_rows(expected)


def test_services_equal_a_direct_count(data):
    direct = Counter()
    for service in ServiceDelivery.objects.select_related("case"):
        case = service.case
        key = (case.regency_id, case.primary_category_id, service.service_type_id, service.status)
        direct[key] += 1
    rolled = Counter(
        {
            (f.regency_id, f.category_id, f.service_type_id, f.status): f.total
            for f in ServiceFact.objects.all()
        }
    )
    assert rolled == direct


def test_the_edge_cases_are_counted_where_they_belong(edge, orgs):
    made, now = edge["made"], edge["now"]
    this_month = month_of(now)
    samarinda, balikpapan = orgs["samarinda"].region_id, orgs["balikpapan"].region_id

    # The transferred case counts in Balikpapan, outside any Balikpapan kecamatan.
    transferred = made["transferred"]
    fact = CaseFact.objects.get(category__code="PMKS19", regency_id=balikpapan)
    assert (fact.total, fact.district_id) == (1, None)
    assert not CaseFact.objects.filter(category__code="PMKS19", regency_id=samarinda).exists()
    assert ServiceFact.objects.get(category_id=transferred.primary_category_id).regency_id == (
        balikpapan
    )

    # The reopen counts this month; the case is open again, not closed.
    reopened = made["reopened"]
    flow = MonthlyCaseFlow.objects.get(
        level="district",
        month=this_month,
        district__code="64.72.01",
        category_id=reopened.primary_category_id,
    )
    assert flow.reopened_total == 1

    # Opened 00:30 WITA on the 1st is this month, although UTC still says last month.
    assert month_of(made["month_edge"].opened_at) == this_month
    edge_month = MonthlyCaseFlow.objects.get(
        level="district", month=this_month, district__code="64.71.01"
    )
    assert edge_month.new_total == 1

    # Age bands at their edges.
    assert set(
        CaseFact.objects.filter(category__code="PMKS01").values_list("age_band", flat=True)
    ) == {"0-4", "5-17"}
    assert CaseFact.objects.get(category__code="PMKS08").age_band == "60+"
    assert CaseFact.objects.filter(age_band="unknown", status="closed").exists()

    # Cancelled: received, never decided. Pending past due: overdue without the flag.
    rsud = ReferralOrgStat.objects.get(
        period=Period.MONTH, organization=orgs["rsud"], category__isnull=True
    )
    assert (rsud.received_total, rsud.cancelled_total, rsud.decided_total) == (2, 1, 0)
    assert (rsud.pending_total, rsud.overdue_total) == (1, 1)
    # Decided exactly at the due time is on time; eight days for seven is late.
    on_due = ReferralOrgStat.objects.get(
        period=Period.MONTH, organization=orgs["samarinda"], category__isnull=True
    )
    assert (on_due.decided_total, on_due.on_time_total) == (1, 1)
    assert on_due.median_response_hours == pytest.approx(72.0)
    late = ReferralOrgStat.objects.get(
        period=Period.MONTH, organization=orgs["ppa"], category__isnull=True
    )
    assert (late.decided_total, late.on_time_total) == (1, 0)
    # The 500-day-old referral is in "all" only.
    assert not ReferralOrgStat.objects.filter(
        organization=orgs["rsud"], period=Period.YEAR, decided_total__gt=0
    ).exists()
    assert ReferralOrgStat.objects.get(
        period=Period.ALL, organization=orgs["rsud"], category__isnull=True
    ).decided_total == (Referral.objects.filter(to_org=orgs["rsud"], status__in=DECIDED).count())


def table_contents():
    """Every summary row, without ids and computation times."""
    contents = {}
    for model in (
        CaseFact,
        CaseCount,
        CaseAgeSex,
        BeneficiaryFact,
        MonthlyCaseFlow,
        ReferralFlow,
        ReferralOrgStat,
        ServiceFact,
    ):
        fields = [f.attname for f in model._meta.concrete_fields if f.name not in ("id",)]
        fields.remove("computed_at")
        contents[model.__name__] = sorted(
            model.objects.values_list(*fields), key=lambda row: [str(v) for v in row]
        )
    return contents


def test_a_second_rebuild_writes_the_same_rows(data):
    before = table_contents()
    second = rebuild(trigger="test")
    assert table_contents() == before
    assert second.row_counts == data["result"].row_counts
    assert RebuildRun.objects.count() == 2
    assert RebuildRun.objects.latest().pk == second.run_id


def test_every_row_records_when_it_was_computed(data):
    for model in (CaseFact, MonthlyCaseFlow, ReferralFlow, ReferralOrgStat, ServiceFact):
        assert set(model.objects.values_list("computed_at", flat=True)) == {data["now"]}
    run = RebuildRun.objects.latest()
    assert run.computed_at == data["now"]
    assert run.row_counts == data["result"].row_counts


def test_a_rebuild_that_fails_midway_leaves_the_previous_figures(data, orgs):
    before = table_contents()
    runs = RebuildRun.objects.count()
    make_case(orgs["samarinda"], category="PMKS24")
    # A real failure at the last step: the services table cannot be read.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE cases_servicedelivery RENAME TO cases_servicedelivery_away")
    try:
        with pytest.raises(DatabaseError):
            rebuild(trigger="test")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE cases_servicedelivery_away RENAME TO cases_servicedelivery")
    # Every other summary was already emptied and rewritten in that transaction: rolled back.
    assert table_contents() == before
    assert RebuildRun.objects.count() == runs
    rebuild(trigger="test")
    assert CaseFact.objects.filter(category__code="PMKS24").exists()


def test_old_runs_are_pruned(orgs, monkeypatch):
    monkeypatch.setattr("stats.rollup.KEEP_RUNS", 3)
    for _ in range(5):
        last = rebuild(trigger="test")
    assert list(RebuildRun.objects.order_by("pk").values_list("pk", flat=True))[-1] == last.run_id
    assert RebuildRun.objects.count() == 3


def test_the_daily_snapshot_replaces_its_day(orgs):
    make_case(orgs["samarinda"])
    make_case(orgs["samarinda"], status="closed", closed_at=timezone.now())
    day = timezone.localdate()
    assert take_snapshot(day) == 2
    make_case(orgs["balikpapan"])
    assert take_snapshot(day) == 3
    assert DailySnapshot.objects.filter(date=day).count() == 3
    assert sum(DailySnapshot.objects.values_list("total", flat=True)) == Case.objects.count()
    # Without a date: the day that just ended (the midnight run).
    take_snapshot()
    assert DailySnapshot.objects.filter(date=day - dt.timedelta(days=1)).count() == 3


def test_the_command_prints_counts_and_duration(orgs, capsys):
    make_case(orgs["samarinda"])
    call_command("rebuild_stats", "--snapshot")
    out = capsys.readouterr().out
    assert "case_fact" in out and "rows" in out
    assert "Statistics rebuilt:" in out and " ms " in out
    assert "Daily snapshot" in out
    assert RebuildRun.objects.get().trigger == "command"
