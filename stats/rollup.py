"""Rebuild the summary tables (stats/models.py) from the live tables.

How it works:
- DELETE every summary table, then one INSERT ... SELECT ... GROUP BY per table
  (the dashboard tables are folded from the cube just written), all in ONE
  transaction. No Python loop over rows: the database does the counting.
- Readers keep seeing the previous figures until the transaction commits, so a
  rebuild that fails or is killed at any point leaves the old figures in place
  (the RebuildRun row is written in the same transaction: it always describes
  the visible figures).
- Idempotent: a rebuild from the same live data writes the same rows.
- Never two at once: on Postgres a session advisory lock taken *before* the
  transaction starts (so the REPEATABLE READ snapshot every table is built from
  is taken after the previous rebuild committed); elsewhere a cache lock.
- The rows both referral statements count (each referral with its case's
  category) are built once per rebuild into a temporary table; the median's two
  row sets (per category and for all categories) come from one sort with
  GROUPING SETS on Postgres, on integer keys (period, kind and status encoded).
- On Postgres the statements over the large live tables run their SELECT through
  a parallel CREATE TABLE AS (an INSERT ... SELECT never gets parallel workers).
- On Postgres the summary tables are ANALYZEd before the commit and VACUUMed
  after it: the DELETE leaves a whole copy of them as dead rows, which autovacuum
  (when it runs at all) reclaims late.
- Portable SQL where possible. Where not (month of a timestamp in WITA, hours
  between two timestamps, a JSON key, the median), `_Dialect` gives the Postgres
  and the SQLite spelling; both are covered by the test suite.

The median response time uses Postgres' percentile_cont(0.5); on SQLite the
middle row (or the mean of the two middle rows) found with ROW_NUMBER() over
the same groups, which is the same number.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import Organization
from cases.models import Beneficiary, Case, CaseEvent, PmksCategory, ServiceDelivery
from households.models import Household, HouseholdMember
from referrals.models import Referral, ReferralKind, ReferralStatus
from regions.models import Region
from stats.models import (
    BeneficiaryFact,
    CaseAgeSex,
    CaseCount,
    CaseFact,
    CaseFlowPeriod,
    DailySnapshot,
    HouseholdReach,
    MonthlyCaseFlow,
    Period,
    RebuildRun,
    ReferralFlow,
    ReferralOrgStat,
    ServiceFact,
)

logger = logging.getLogger(__name__)

# pg_advisory_lock key of the statistics rebuild (any constant unique to this use).
ADVISORY_LOCK_ID = 0x504D4B53  # "PMKS"
CACHE_LOCK_KEY = "stats:rebuild-lock"
LOCK_TTL = 15 * 60  # the task time limit: a cache lock outlives no rebuild
KEEP_RUNS = 200
REBUILD_WORK_MEM = "256MB"
DECIDED_STATUSES = ("accepted", "declined", "completed")

TABLES: dict[str, str] = {
    "case": Case._meta.db_table,
    "beneficiary": Beneficiary._meta.db_table,
    "event": CaseEvent._meta.db_table,
    "service": ServiceDelivery._meta.db_table,
    "referral": Referral._meta.db_table,
    "region": Region._meta.db_table,
    "organization": Organization._meta.db_table,
    "category": PmksCategory._meta.db_table,
    "case_fact": CaseFact._meta.db_table,
    "case_count": CaseCount._meta.db_table,
    "case_age_sex": CaseAgeSex._meta.db_table,
    "beneficiary_fact": BeneficiaryFact._meta.db_table,
    "monthly_flow": MonthlyCaseFlow._meta.db_table,
    "flow_period": CaseFlowPeriod._meta.db_table,
    "referral_flow": ReferralFlow._meta.db_table,
    "referral_org": ReferralOrgStat._meta.db_table,
    "service_fact": ServiceFact._meta.db_table,
    "snapshot": DailySnapshot._meta.db_table,
    "household": Household._meta.db_table,
    "household_member": HouseholdMember._meta.db_table,
    "household_reach": HouseholdReach._meta.db_table,
}


@dataclass(frozen=True)
class RebuildResult:
    run_id: int
    computed_at: dt.datetime
    duration_ms: int
    row_counts: dict[str, int]
    trigger: str
    timings_ms: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())


# --- time helpers shared with the selectors ------------------------------------------


def period_starts(now: dt.datetime) -> dict[str, dt.datetime]:
    """Start of each dashboard period (Period) for data as of `now`, in local time."""
    month = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return {
        Period.MONTH: month,
        Period.QUARTER: add_months(month, -2),
        Period.TWELVE_MONTHS: add_months(month, -11),
        Period.YEAR: month.replace(month=1),
        Period.ALL: month.replace(year=1900, month=1),
    }


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The first day of the month `months` away from `moment`'s month (same clock)."""
    index = moment.year * 12 + moment.month - 1 + months
    return moment.replace(year=index // 12, month=index % 12 + 1, day=1)


def years_before(day: dt.date, years: int) -> dt.date:
    """Same day `years` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# --- SQL -------------------------------------------------------------------------------


class _Dialect:
    """The few expressions that differ between Postgres and SQLite."""

    def __init__(self, vendor: str) -> None:
        self.postgres = vendor == "postgresql"

    def month(self, column: str) -> str:
        """First day of the local (WITA) calendar month of a timestamp, as a date."""
        if self.postgres:
            return f"CAST(date_trunc('month', {column} AT TIME ZONE %(tz)s) AS date)"
        # SQLite stores UTC text; WITA has no daylight saving, a fixed shift is exact.
        return f"strftime('%%Y-%%m-01', {column}, %(tz_shift)s)"

    def hours_between(self, start: str, end: str) -> str:
        if self.postgres:
            return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS double precision) / 3600.0"
        return f"(julianday({end}) - julianday({start})) * 24.0"

    def is_reopen(self, data: str) -> str:
        if self.postgres:
            return f"({data} ->> 'reopen') = 'true'"
        return f"json_extract({data}, '$.reopen') = 1"

    def binary(self, text: str) -> str:
        """`text` compared byte by byte: grouping on it is cheaper than through the
        database's default collation (about 10% of the case cube at 1M cases). SQLite
        compares bytes anyway."""
        return f'{text} COLLATE "C"' if self.postgres else text

    def grouped_with_median(
        self,
        *,
        base: str,
        groups: list[tuple[str, str]],
        aggregates: list[str],
        value: str,
    ) -> str:
        """SELECT outputs, category_id, aggregates, median(value) FROM base, grouped
        by the group columns and category_id, and also by the group columns alone
        (category_id NULL: the rows for all categories; a median of the whole cannot
        be summed from its parts).

        `groups`: (column of base, output expression over the grouped columns), e.g.
        a code column and its decoding; `base` is a CTE body with a NOT NULL
        `category_id`; `value` may be NULL on a row (not counted in the median).
        """
        group_list = ", ".join(column for column, _output in groups)
        output_list = ", ".join(output for _column, output in groups)
        if self.postgres:
            # One sort serves both grouping sets (the second is a prefix of the first).
            return (
                f"WITH base AS ({base}) "
                f"SELECT {output_list}, category_id, {', '.join(aggregates)}, "
                f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {value}), %(now)s "
                f"FROM base GROUP BY GROUPING SETS (({group_list}, category_id), ({group_list}))"
            )
        # SQLite has no GROUPING SETS: every row twice, once without its category
        # (`grouped_category`), then the groups and their medians found by ROW_NUMBER().
        base = (
            f"SELECT b.*, CASE WHEN m.by_category = 1 THEN b.category_id END "
            f"AS grouped_category FROM ({base}) b "
            f"CROSS JOIN (SELECT 1 AS by_category UNION ALL SELECT 0) m"
        )
        keys = [column for column, _output in groups] + ["grouped_category"]
        key_list = ", ".join(keys)
        join = " AND ".join(f"k.{key} IS m.{key}" for key in keys)  # IS: NULL-safe equality
        named = ", ".join(f"{aggregate} AS aggregate_{i}" for i, aggregate in enumerate(aggregates))
        named_list = ", ".join(f"aggregate_{i}" for i in range(len(aggregates)))
        return (
            f"WITH base AS ({base}), "
            f"ranked AS (SELECT {key_list}, {value} AS value, "
            f"ROW_NUMBER() OVER (PARTITION BY {key_list} ORDER BY {value}) AS rn, "
            f"COUNT(*) OVER (PARTITION BY {key_list}) AS n "
            f"FROM base WHERE {value} IS NOT NULL), "
            f"medians AS (SELECT {key_list}, AVG(value) AS median FROM ranked "
            f"WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY {key_list}), "
            f"counted AS (SELECT {key_list}, {named} FROM base GROUP BY {key_list}) "
            f"SELECT {output_list}, grouped_category, {named_list}, median, %(now)s "
            f"FROM (SELECT k.*, m.median FROM counted k LEFT JOIN medians m ON {join}) j"
        )

    def encode(self, column: str, values: list[str]) -> str:
        """`column` as the 1-based position of its value in `values` (NULL for any
        other value): integers sort several times faster than text."""
        whens = " ".join(f"WHEN {_literal(v)} THEN {i}" for i, v in enumerate(values, 1))
        return f"CASE {column} {whens} END"

    def decode(self, column: str, values: list[str]) -> str:
        """The value back from encode()'s position."""
        whens = " ".join(f"WHEN {i} THEN {_literal(v)}" for i, v in enumerate(values, 1))
        return f"CASE {column} {whens} END"


def _literal(value: str) -> str:
    """An SQL string literal for one of our own choice values."""
    if not re.fullmatch(r"[0-9A-Za-z_-]+", value):
        raise ValueError(f"not a plain choice value: {value!r}")
    return f"'{value}'"


def _age_band(birth_date: str) -> str:
    return (
        f"(CASE WHEN {birth_date} IS NULL THEN 'unknown' "
        f"WHEN {birth_date} > %(born_5)s THEN '0-4' "
        f"WHEN {birth_date} > %(born_18)s THEN '5-17' "
        f"WHEN {birth_date} > %(born_60)s THEN '18-59' "
        f"ELSE '60+' END)"
    )


# The beneficiary's kecamatan when it lies in the case's (owning) regency, else NULL.
CASE_DISTRICT = "CASE WHEN d.parent_id = c.regency_id THEN c.district_id END"
HIGH_PRIORITY_SUM = "SUM(CASE WHEN priority IN ('high', 'urgent') THEN total ELSE 0 END)"


# Statements over the large live tables, which the rebuild runs through a parallel
# CREATE TABLE AS on Postgres (see _insert_in_parallel); the referral statements read
# the temporary table (never scanned in parallel), the others the small summaries.
PARALLEL_STEPS = frozenset({"case_fact", "beneficiary_fact", "monthly_flow", "service_fact"})
SCRATCH_TABLE = "stats_rebuild_scratch"

# The temporary table both referral statements read in a rebuild (see _referral_base).
REFERRAL_BASE_TABLE = "stats_referral_base"
KINDS: list[str] = list(ReferralKind.values)
STATUSES: list[str] = list(ReferralStatus.values)


def _plain(*columns: str) -> list[tuple[str, str]]:
    """Group columns output as they are (see _Dialect.grouped_with_median)."""
    return [(column, column) for column in columns]


def _referral_base(sql: _Dialect) -> str:
    """One row per referral with what the referral statements count: its ends, kind,
    status and the case's category, the derived flags and the response time. Kind and
    status are encoded as integers (the statements sort ~0.7M rows by them at 1M
    beneficiaries; a value outside the model's choices would fail the insert).

    A rebuild writes it once into REFERRAL_BASE_TABLE (dropped at the end), so the
    join with the cases runs once for both statements."""
    t = TABLES
    decided = (
        "r.decided_at IS NOT NULL AND r.status IN ("
        + ", ".join(f"'{status}'" for status in DECIDED_STATUSES)
        + ")"
    )
    return (
        f"SELECT r.created_at, r.from_regency_id, r.to_regency_id, r.to_org_id, "
        f"{sql.encode('r.kind', KINDS)} AS kind, {sql.encode('r.status', STATUSES)} AS status, "
        f"c.primary_category_id AS category_id, "
        f"CASE WHEN r.status = 'pending' THEN 1 ELSE 0 END AS pending, "
        f"CASE WHEN r.status = 'pending' AND (r.is_overdue = %(yes)s OR r.due_at < %(now)s) "
        f"THEN 1 ELSE 0 END AS overdue, "
        f"CASE WHEN r.status = 'cancelled' THEN 1 ELSE 0 END AS cancelled, "
        f"CASE WHEN {decided} THEN 1 ELSE 0 END AS decided, "
        f"CASE WHEN {decided} AND r.decided_at <= r.due_at THEN 1 ELSE 0 END AS on_time, "
        f"CASE WHEN {decided} THEN {sql.hours_between('r.created_at', 'r.decided_at')} "
        f"END AS hours "
        f"FROM {t['referral']} r "
        f"JOIN {t['case']} c ON c.id = r.case_id"
    )


HOUSEHOLD_FLAGS = ("active", "dtsen", "pkh", "bpnt", "pbi_jk", "blt")


def _household_reach() -> tuple[str, str, str]:
    """Households reached at each level: distinct households with a case there.

    One pass over the cases (the CTE `reach`: each household once per
    kabupaten/kota and kecamatan where it has a case, with its flags) serves the
    three levels; Postgres materializes it once. The aid codes are matched in the
    JSON list's text (`"pkh"` …: no code is a substring of another, quoted)."""
    t = TABLES
    aid = "".join(
        f"MAX(CASE WHEN CAST(h.aid AS TEXT) LIKE '%%\"{code}\"%%' THEN 1 ELSE 0 END) AS {code}, "
        for code in ("pkh", "bpnt", "pbi_jk", "blt")
    )
    sums = ", ".join(f"COALESCE(SUM({flag}), 0)" for flag in HOUSEHOLD_FLAGS)
    flags = ", ".join(f"MAX({flag}) AS {flag}" for flag in HOUSEHOLD_FLAGS)

    def per_household(keys: str) -> str:
        return f"(SELECT household_id{keys}, {flags} FROM reach GROUP BY household_id{keys}) r"

    return (
        "household_reach",
        t["household_reach"],
        f"INSERT INTO {t['household_reach']} (level, regency_id, district_id, reached_total, "
        f"open_total, in_dtsen_total, pkh_total, bpnt_total, pbi_jk_total, blt_total, "
        f"computed_at) "
        f"WITH reach AS ("
        f"SELECT m.household_id AS household_id, c.regency_id AS regency_id, "
        f"{CASE_DISTRICT} AS district_id, "
        f"MAX(CASE WHEN c.status <> 'closed' THEN 1 ELSE 0 END) AS active, "
        f"MAX(CASE WHEN h.in_dtsen = %(yes)s THEN 1 ELSE 0 END) AS dtsen, {aid[:-2]} "
        f"FROM {t['case']} c "
        f"JOIN {t['household_member']} m ON m.beneficiary_id = c.beneficiary_id "
        f"JOIN {t['household']} h ON h.id = m.household_id "
        f"LEFT JOIN {t['region']} d ON d.id = c.district_id "
        f"GROUP BY m.household_id, c.regency_id, {CASE_DISTRICT}) "
        f"SELECT 'district', regency_id, district_id, COUNT(*), {sums}, %(now)s "
        f"FROM reach GROUP BY regency_id, district_id "
        f"UNION ALL SELECT 'regency', regency_id, NULL, COUNT(*), {sums}, %(now)s "
        f"FROM {per_household(', regency_id')} GROUP BY regency_id "
        f"UNION ALL SELECT 'province', NULL, NULL, COUNT(*), {sums}, %(now)s "
        f"FROM {per_household('')}",
    )


def _statements(sql: _Dialect, *, referral_base: str | None = None) -> list[tuple[str, str, str]]:
    """(name, summary table, INSERT ... SELECT) in the order they run: a later
    statement may read what an earlier one wrote (CaseCount folds CaseFact).

    The referral statements read `referral_base`, a table holding _referral_base's
    rows (the rebuild's temporary table); without it each computes them itself, so
    every statement stands alone over the live tables (what bench/run.py times as
    the raw aggregate)."""
    t = TABLES
    age = _age_band("b.birth_date")
    windows = " UNION ALL ".join(
        f"SELECT {i} AS period, %(start_{key})s AS start" for i, key in enumerate(Period.values, 1)
    )
    month_windows = " UNION ALL ".join(
        f"SELECT %(period_{key})s AS period, %(first_month_{key})s AS first_month"
        for key in Period.values
    )
    source = referral_base or f"({_referral_base(sql)})"
    # Each referral once per period window it was sent in (the period encoded too).
    referral_rows = (
        f"SELECT w.period, b.* FROM {source} b JOIN ({windows}) w ON b.created_at >= w.start"
    )
    period = ("period", sql.decode("period", Period.values))
    kind = ("kind", sql.decode("kind", KINDS))
    status = ("status", sql.decode("status", STATUSES))
    return [
        (
            "case_fact",
            t["case_fact"],
            f"INSERT INTO {t['case_fact']} (regency_id, district_id, category_id, status, "
            f"priority, sex, age_band, total, computed_at) "
            f"SELECT c.regency_id, {CASE_DISTRICT}, c.primary_category_id, "
            f"{sql.binary('c.status')}, {sql.binary('c.priority')}, {sql.binary('b.sex')}, "
            f"{sql.binary(age)}, COUNT(*), %(now)s "
            f"FROM {t['case']} c "
            f"JOIN {t['beneficiary']} b ON b.id = c.beneficiary_id "
            f"LEFT JOIN {t['region']} d ON d.id = c.district_id "
            f"GROUP BY 1, 2, 3, 4, 5, 6, 7",
        ),
        (
            "case_count",
            t["case_count"],
            f"INSERT INTO {t['case_count']} (level, regency_id, district_id, category_id, status, "
            f"total, high_priority_total, computed_at) "
            f"SELECT 'district', regency_id, district_id, category_id, status, SUM(total), "
            f"{HIGH_PRIORITY_SUM}, %(now)s FROM {t['case_fact']} "
            f"GROUP BY regency_id, district_id, category_id, status "
            f"UNION ALL "
            f"SELECT 'regency', regency_id, NULL, category_id, status, SUM(total), "
            f"{HIGH_PRIORITY_SUM}, %(now)s FROM {t['case_fact']} "
            f"GROUP BY regency_id, category_id, status",
        ),
        (
            "case_age_sex",
            t["case_age_sex"],
            f"INSERT INTO {t['case_age_sex']} (regency_id, category_id, sex, age_band, "
            f"open_total, total, computed_at) "
            f"SELECT regency_id, category_id, sex, age_band, "
            f"SUM(CASE WHEN status <> 'closed' THEN total ELSE 0 END), SUM(total), %(now)s "
            f"FROM {t['case_fact']} GROUP BY regency_id, category_id, sex, age_band",
        ),
        (
            "beneficiary_fact",
            t["beneficiary_fact"],
            f"INSERT INTO {t['beneficiary_fact']} (regency_id, district_id, sex, age_band, "
            f"total, computed_at) "
            f"SELECT b.regency_id, CASE WHEN d.parent_id = b.regency_id THEN b.district_id END, "
            f"b.sex, {age}, COUNT(*), %(now)s "
            f"FROM {t['beneficiary']} b "
            f"LEFT JOIN {t['region']} d ON d.id = b.district_id "
            f"GROUP BY 1, 2, 3, 4",
        ),
        (
            "monthly_flow",
            t["monthly_flow"],
            f"INSERT INTO {t['monthly_flow']} (level, month, regency_id, district_id, "
            f"category_id, new_total, closed_total, reopened_total, computed_at) "
            f"SELECT 'district', month, regency_id, district_id, category_id, "
            f"SUM(new_n), SUM(closed_n), SUM(reopened_n), %(now)s FROM ("
            f"SELECT {sql.month('c.opened_at')} AS month, c.regency_id, "
            f"{CASE_DISTRICT} AS district_id, c.primary_category_id AS category_id, "
            f"1 AS new_n, 0 AS closed_n, 0 AS reopened_n "
            f"FROM {t['case']} c LEFT JOIN {t['region']} d ON d.id = c.district_id "
            f"UNION ALL "
            f"SELECT {sql.month('c.closed_at')}, c.regency_id, {CASE_DISTRICT}, "
            f"c.primary_category_id, 0, 1, 0 "
            f"FROM {t['case']} c LEFT JOIN {t['region']} d ON d.id = c.district_id "
            f"WHERE c.status = 'closed' AND c.closed_at IS NOT NULL "
            f"UNION ALL "
            f"SELECT {sql.month('e.created_at')}, c.regency_id, {CASE_DISTRICT}, "
            f"c.primary_category_id, 0, 0, 1 "
            f"FROM {t['event']} e JOIN {t['case']} c ON c.id = e.case_id "
            f"LEFT JOIN {t['region']} d ON d.id = c.district_id "
            f"WHERE e.kind = 'status' AND {sql.is_reopen('e.data')}"
            f") flows GROUP BY month, regency_id, district_id, category_id",
        ),
        (
            "monthly_flow_regency",
            t["monthly_flow"],
            f"INSERT INTO {t['monthly_flow']} (level, month, regency_id, district_id, "
            f"category_id, new_total, closed_total, reopened_total, computed_at) "
            f"SELECT 'regency', month, regency_id, NULL, category_id, SUM(new_total), "
            f"SUM(closed_total), SUM(reopened_total), %(now)s FROM {t['monthly_flow']} "
            f"WHERE level = 'district' GROUP BY month, regency_id, category_id",
        ),
        (
            "case_flow_period",
            t["flow_period"],
            f"INSERT INTO {t['flow_period']} (period, level, regency_id, district_id, "
            f"category_id, new_total, closed_total, reopened_total, computed_at) "
            f"SELECT w.period, f.level, f.regency_id, f.district_id, f.category_id, "
            f"SUM(f.new_total), SUM(f.closed_total), SUM(f.reopened_total), %(now)s "
            f"FROM {t['monthly_flow']} f JOIN ({month_windows}) w ON f.month >= w.first_month "
            f"GROUP BY w.period, f.level, f.regency_id, f.district_id, f.category_id",
        ),
        (
            "referral_flow",
            t["referral_flow"],
            f"INSERT INTO {t['referral_flow']} (period, from_regency_id, to_regency_id, kind, "
            f"status, category_id, total, overdue_total, decided_total, on_time_total, "
            f"median_response_hours, computed_at) "
            + sql.grouped_with_median(
                base=referral_rows,
                groups=[period, *_plain("from_regency_id", "to_regency_id"), kind, status],
                aggregates=["COUNT(*)", "SUM(overdue)", "SUM(decided)", "SUM(on_time)"],
                value="hours",
            ),
        ),
        (
            "referral_org",
            t["referral_org"],
            f"INSERT INTO {t['referral_org']} (period, organization_id, regency_id, category_id, "
            f"received_total, pending_total, overdue_total, cancelled_total, decided_total, "
            f"on_time_total, median_response_hours, computed_at) "
            + sql.grouped_with_median(
                base=referral_rows,
                groups=[period, *_plain("to_org_id", "to_regency_id")],
                aggregates=[
                    "COUNT(*)",
                    "SUM(pending)",
                    "SUM(overdue)",
                    "SUM(cancelled)",
                    "SUM(decided)",
                    "SUM(on_time)",
                ],
                value="hours",
            ),
        ),
        (
            "service_fact",
            t["service_fact"],
            f"INSERT INTO {t['service_fact']} (regency_id, category_id, service_type_id, "
            f"status, total, computed_at) "
            f"SELECT c.regency_id, c.primary_category_id, s.service_type_id, s.status, "
            f"COUNT(*), %(now)s "
            f"FROM {t['service']} s JOIN {t['case']} c ON c.id = s.case_id "
            f"GROUP BY 1, 2, 3, 4",
        ),
        _household_reach(),
    ]


def _params(now: dt.datetime) -> dict[str, Any]:
    ops = connection.ops
    today = timezone.localtime(now).date()
    shift = timezone.localtime(now).utcoffset() or dt.timedelta()
    params: dict[str, Any] = {
        "now": ops.adapt_datetimefield_value(now),
        "tz": settings.TIME_ZONE,
        "tz_shift": f"{int(shift.total_seconds() // 60):+d} minutes",
        "yes": True,
        "born_5": ops.adapt_datefield_value(years_before(today, 5)),
        "born_18": ops.adapt_datefield_value(years_before(today, 18)),
        "born_60": ops.adapt_datefield_value(years_before(today, 60)),
    }
    for key, start in period_starts(now).items():
        params[f"period_{key}"] = str(key)
        params[f"start_{key}"] = ops.adapt_datetimefield_value(start)
        params[f"first_month_{key}"] = ops.adapt_datefield_value(start.date())
    return params


def source_signature() -> str:
    """A fingerprint of the live tables: changes whenever a row is written.

    Used by the inline (no worker) refresh to skip rebuilding for figures that
    are already current, e.g. several hooks fired by one commit. It counts the
    live tables (0.5–2 s at 1M beneficiaries), so only that refresh takes it.
    """
    t = TABLES
    parts = []
    for table in ("case", "beneficiary", "service", "referral"):
        parts.append(f"(SELECT COUNT(*) FROM {t[table]})")
        parts.append(f"(SELECT MAX(updated_at) FROM {t[table]})")
    parts.append(f"(SELECT MAX(id) FROM {t['event']})")
    # DTSEN, desil and aid change on the household row alone (an import sets them)
    parts.append(f"(SELECT COUNT(*) FROM {t['household_member']})")
    parts.append(f"(SELECT MAX(updated_at) FROM {t['household']})")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        row = cursor.fetchone()
    return "|".join("" if value is None else str(value) for value in row)[:300]


# --- lock --------------------------------------------------------------------------


@contextmanager
def rebuild_lock(*, wait: bool, wait_seconds: float | None = None) -> Iterator[bool]:
    """Hold the one statistics lock. Yields False when someone else holds it and
    `wait` is False, or it stayed taken for `wait_seconds` (None: wait as long as it
    takes). The lock dies with its holder: the Postgres session lock with the
    connection, the cache lock after LOCK_TTL, so a killed rebuild never wedges it."""
    deadline = None if wait_seconds is None else time.monotonic() + wait_seconds
    postgres = connection.vendor == "postgresql"
    token = uuid.uuid4().hex

    def attempt() -> bool:
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_ID])
                return bool(cursor.fetchone()[0])
        return bool(cache.add(CACHE_LOCK_KEY, token, timeout=LOCK_TTL))

    acquired = attempt()
    while not acquired and wait and (deadline is None or time.monotonic() < deadline):
        time.sleep(0.1)
        acquired = attempt()
    try:
        yield acquired
    finally:
        if acquired and postgres:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_ID])
            except DatabaseError:  # connection gone: the lock went with it
                logger.warning("could not release the statistics lock", exc_info=True)
        elif acquired and cache.get(CACHE_LOCK_KEY) == token:
            cache.delete(CACHE_LOCK_KEY)


# --- rebuild and snapshot ----------------------------------------------------------------


def rebuild(
    *,
    trigger: str = "manual",
    wait: bool = True,
    wait_seconds: float | None = None,
    only_if_changed: bool = False,
) -> RebuildResult | None:
    """Rebuild every summary table in one transaction.

    Returns None without doing anything when another rebuild holds the lock and
    `wait` is False (or it stayed taken `wait_seconds`): the caller decides whether
    to try again later. Also None when `only_if_changed` and the live tables are as
    the last rebuild saw them (the source signature, which costs a scan of the live
    tables, is only taken then: a rebuild asked for by hand, by the beat or by the
    debounced task just runs).
    """
    with rebuild_lock(wait=wait, wait_seconds=wait_seconds) as acquired:
        if not acquired:
            return None
        return _rebuild_locked(trigger, only_if_changed=only_if_changed)


@dataclass
class _Written:
    """What one rebuild wrote: the summary tables, and rows and milliseconds per step."""

    tables: list[str]
    row_counts: dict[str, int] = field(default_factory=dict)
    timings_ms: dict[str, int] = field(default_factory=dict)


def _rebuild_locked(trigger: str, *, only_if_changed: bool) -> RebuildResult | None:
    """The rebuild proper, under the lock: the summary tables and their RebuildRun
    row in one transaction, then (outermost transaction only) the VACUUM after it."""
    sql = _Dialect(connection.vendor)
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        started = time.monotonic()
        with connection.cursor() as cursor:
            if sql.postgres and outermost:
                # Every table from one snapshot: the figures agree with each other.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            signature = ""
            if only_if_changed:
                # Taken in the snapshot the tables are built from, so it describes them.
                signature = source_signature()
                if _last_run_signature() == signature:
                    return None
            if sql.postgres:
                # Group and sort in memory (the referral statements sort ~0.7M rows at
                # 1M beneficiaries; the default 4MB spills them to disk).
                cursor.execute("SET LOCAL work_mem = %s", [REBUILD_WORK_MEM])
            now = timezone.now()
            written = _write_summary_tables(cursor, sql, _params(now), started=started)
        duration_ms = _ms_since(started)
        run = RebuildRun.objects.create(
            trigger=trigger,
            computed_at=now,
            finished_at=timezone.now(),
            duration_ms=duration_ms,
            row_counts=written.row_counts,
            timings_ms=written.timings_ms,
            signature=signature,
        )
        _prune_runs()
    if sql.postgres and outermost:
        _vacuum(written.tables)
    return RebuildResult(
        run_id=run.pk,
        computed_at=now,
        duration_ms=duration_ms,
        row_counts=written.row_counts,
        trigger=trigger,
        timings_ms=written.timings_ms,
    )


def _last_run_signature() -> str | None:
    """The source signature the latest rebuild recorded (None before the first)."""
    return RebuildRun.objects.order_by("-pk").values_list("signature", flat=True).first()


def _write_summary_tables(
    cursor: Any, sql: _Dialect, params: dict[str, Any], *, started: float
) -> _Written:
    """Empty every summary table and fill it again, in the caller's transaction;
    `started` (the transaction's start) is what the "delete" timing counts from."""
    statements = _statements(sql, referral_base=REFERRAL_BASE_TABLE)
    written = _Written(tables=list(dict.fromkeys(table for _name, table, _sql in statements)))
    for table in written.tables:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608  (table names are ours)
    written.timings_ms["delete"] = _ms_since(started)
    step = time.monotonic()
    _create_referral_base(cursor, sql, params)
    written.timings_ms["referral_base"] = _ms_since(step)
    for name, _table, statement in statements:
        _run_statement(cursor, sql, written, name, statement, params)
    cursor.execute(f"DROP TABLE {REFERRAL_BASE_TABLE}")
    if sql.postgres:
        # Fresh planner statistics with the new rows (autovacuum is not
        # guaranteed to run, and lags behind a whole-table rewrite anyway).
        step = time.monotonic()
        cursor.execute(f"ANALYZE {', '.join(written.tables)}")
        written.timings_ms["analyze"] = _ms_since(step)
    return written


def _run_statement(
    cursor: Any,
    sql: _Dialect,
    written: _Written,
    name: str,
    statement: str,
    params: dict[str, Any],
) -> None:
    """Run one summary statement (in parallel where PARALLEL_STEPS allows) and add
    its rows and milliseconds to `written` under `name`."""
    step = time.monotonic()
    if sql.postgres and name in PARALLEL_STEPS:
        rows = _insert_in_parallel(cursor, statement, params)
    else:
        cursor.execute(statement, params)
        rows = cursor.rowcount
    written.row_counts[name] = written.row_counts.get(name, 0) + max(rows, 0)
    written.timings_ms[name] = written.timings_ms.get(name, 0) + _ms_since(step)


def _create_referral_base(cursor: Any, sql: _Dialect, params: dict[str, Any]) -> None:
    """REFERRAL_BASE_TABLE for this rebuild (temporary: no other session sees it, no
    WAL; on Postgres also dropped at commit should the rebuild fail before its DROP)."""
    on_commit = " ON COMMIT DROP" if sql.postgres else ""
    cursor.execute(
        f"CREATE TEMPORARY TABLE {REFERRAL_BASE_TABLE}{on_commit} AS {_referral_base(sql)}",
        params,
    )


def _insert_in_parallel(cursor: Any, statement: str, params: dict[str, Any]) -> int:
    """Run `statement` (INSERT INTO table (columns) SELECT ...) so that its SELECT may
    use parallel workers: Postgres never plans an INSERT ... SELECT in parallel, but
    does a CREATE TABLE ... AS. The rows go through an unlogged scratch table made
    and dropped in the rebuild's transaction (so never seen by anyone else). The
    SELECT must give every column a type (no bare NULL)."""
    match = re.fullmatch(r"(INSERT INTO \S+ (\([^)]*\)))\s*(SELECT .*)", statement, re.DOTALL)
    if match is None:
        raise ValueError(f"not an INSERT ... SELECT: {statement[:80]}")
    insert, columns, select = match.groups()
    cursor.execute(f"CREATE UNLOGGED TABLE {SCRATCH_TABLE} {columns} AS {select}", params)
    cursor.execute(f"{insert} SELECT * FROM {SCRATCH_TABLE}")  # noqa: S608
    written = int(cursor.rowcount)
    cursor.execute(f"DROP TABLE {SCRATCH_TABLE}")
    return written


def _vacuum(tables: list[str]) -> None:
    """Give back the space of the rows the rebuild deleted (outside any transaction,
    after the commit): with autovacuum off or behind, every rebuild would otherwise
    leave a whole copy of the summary tables as dead rows, which the next DELETE and
    the dashboards' reads wade through."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {', '.join(tables)}")
    except DatabaseError:  # never fail a rebuild that committed
        logger.warning("could not vacuum the summary tables", exc_info=True)


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _prune_runs() -> None:
    oldest_kept = RebuildRun.objects.order_by("-pk").values_list("pk", flat=True)[
        KEEP_RUNS - 1 : KEEP_RUNS
    ]
    boundary = list(oldest_kept)
    if boundary:
        RebuildRun.objects.filter(pk__lt=boundary[0]).delete()


def take_snapshot(day: dt.date | None = None) -> int:
    """Record cases by regency × category × status for `day` (replacing that day's
    rows). Without `day`: the day that just ended, as the midnight beat job runs."""
    now = timezone.now()
    if day is None:
        day = timezone.localdate(now) - dt.timedelta(days=1)
    t = TABLES
    with rebuild_lock(wait=True), transaction.atomic(), connection.cursor() as cursor:
        DailySnapshot.objects.filter(date=day).delete()
        cursor.execute(
            f"INSERT INTO {t['snapshot']} (date, regency_id, category_id, status, total, "
            f"computed_at) "
            f"SELECT %(day)s, c.regency_id, c.primary_category_id, c.status, COUNT(*), %(now)s "
            f"FROM {t['case']} c GROUP BY c.regency_id, c.primary_category_id, c.status",
            {
                "day": connection.ops.adapt_datefield_value(day),
                "now": connection.ops.adapt_datetimefield_value(now),
            },
        )
        return max(cursor.rowcount, 0)
