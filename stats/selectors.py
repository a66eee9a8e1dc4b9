"""Reads of the statistics, for the dashboards, their exports and the API.

Everything here reads the summary tables (stats/models.py) and the names of
regions, categories, organizations and service types, never the live case or
referral tables: the number of queries is fixed and their cost does not grow
with the number of cases.

`summary_for(user, ...)` returns plain data (dicts, lists, str, int, float, None)
that templates render, exports write and the API serializes as it is.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    BigIntegerField,
    CharField,
    DateField,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import dashboard_regency_ids
from cases.models import CaseStatus, PmksCategory, Sex
from referrals.models import ReferralKind, ReferralStatus
from regions.models import Level, Region
from stats.models import (
    DEFAULT_PERIOD,
    AgeBand,
    AreaLevel,
    BeneficiaryFact,
    CaseAgeSex,
    CaseCount,
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
from stats.rollup import add_months, period_starts

TREND_MONTHS = 12
DAILY_DAYS = 90
SERVICE_STATUSES = ("planned", "ongoing", "done", "cancelled")
# HouseholdReach columns, in the order of the households table
HOUSEHOLD_MEASURES = (
    "reached_total",
    "open_total",
    "in_dtsen_total",
    "pkh_total",
    "bpnt_total",
    "pbi_jk_total",
    "blt_total",
)


@dataclass(frozen=True)
class Scope:
    """What a summary covers: the province (regency None) or one kabupaten/kota."""

    regency: Region | None

    @property
    def is_province(self) -> bool:
        return self.regency is None


# --- access ------------------------------------------------------------------------------


def dashboard_scope_for(user: Any, regency_code: str | None = None) -> Scope:
    """The scope `user` may see: Http404 outside it (also for caseworkers and agency staff).

    Without a code: the province for a provincial supervisor, the own kabupaten/kota
    for an office supervisor.
    """
    allowed = dashboard_regency_ids(user)
    if regency_code is None:
        if allowed is None:
            return Scope(regency=None)
        if len(allowed) == 1:
            return Scope(regency=Region.objects.get(pk=next(iter(allowed))))
        raise Http404
    regency = Region.objects.filter(code=regency_code, level=Level.REGENCY).first()
    if regency is None or (allowed is not None and regency.pk not in allowed):
        raise Http404
    return Scope(regency=regency)


def latest_run() -> RebuildRun | None:
    return RebuildRun.objects.order_by("-computed_at", "-pk").first()


def latest_run_id() -> int | None:
    return RebuildRun.objects.order_by("-computed_at", "-pk").values_list("pk", flat=True).first()


# --- filters -------------------------------------------------------------------------------


def clean_period(period: str | None) -> str:
    if not period:
        return str(DEFAULT_PERIOD)
    if period not in Period.values:
        raise ValidationError({"period": _("Periode tidak dikenal.")})
    return period


def _clean_category(code: str | None, categories: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not code:
        return None
    for category in categories:
        if category["code"] == code:
            return category
    raise ValidationError({"category": _("Kategori PMKS tidak dikenal.")})


# --- the summary ---------------------------------------------------------------------------


def summary_for(
    user: Any,
    *,
    regency_code: str | None = None,
    period: str | None = None,
    category: str | None = None,
) -> dict[str, Any]:
    """Dashboard figures for what `user` may see (Http404 outside it).

    `period` is a Period value (default 12 months), `category` a PMKS category code.
    Raises ValidationError for an unknown period or category.
    """
    scope = dashboard_scope_for(user, regency_code)
    return build_summary(scope, period=period, category=category)


def build_summary(
    scope: Scope, *, period: str | None = None, category: str | None = None
) -> dict[str, Any]:
    period_key = clean_period(period)
    categories: list[dict[str, Any]] = [
        dict(row)
        for row in PmksCategory.objects.order_by("sort_order", "code").values("id", "code", "name")
    ]
    chosen = _clean_category(category, categories)
    run = latest_run()
    now = run.computed_at if run else timezone.now()
    builder = _Builder(scope, period_key, chosen, categories, now)
    return {
        "scope": builder.scope_data(),
        "run": _run_data(run),
        "period": builder.period_data(),
        "category": {"code": chosen["code"], "name": chosen["name"]} if chosen else None,
        "filters": {
            "periods": [{"key": key, "label": str(label)} for key, label in Period.choices],
            "categories": [{"code": c["code"], "name": c["name"]} for c in categories],
        },
        **builder.build(),
    }


def _run_data(run: RebuildRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "id": run.pk,
        "computed_at": timezone.localtime(run.computed_at).isoformat(),
        "duration_ms": run.duration_ms,
        "trigger": run.trigger,
    }


def _table(key: str, title: str, columns: list[tuple[str, str]], rows: list[list[Any]]) -> dict:
    return {
        "key": key,
        "title": title,
        "columns": [{"key": column, "label": label} for column, label in columns],
        "rows": rows,
    }


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# Typed NULLs (CAST(NULL AS ...): Postgres takes a bare NULL for text) for the keys
# a part of a union does not group by.
NO_ID = Cast(Value(None), BigIntegerField())
NO_TEXT = Cast(Value(None), CharField())
NO_DATE = Cast(Value(None), DateField())


def _part(queryset: QuerySet, part: str, keys: dict[str, Any], sums: dict[str, Any]) -> QuerySet:
    """One grouped read of a union: SELECT part, keys, sums GROUP BY keys.

    Every part of a union names the same keys and sums in the same order (a key it
    does not group by is a typed NULL), so one query answers several blocks."""
    return (
        queryset.annotate(part=Value(part, output_field=CharField()), **keys)
        .values("part", *keys)
        .annotate(**sums)
        .order_by()
    )


def _union(*parts: QuerySet) -> dict[str, list[dict[str, Any]]]:
    """Run the parts as one UNION ALL query; rows by part."""
    first, *rest = parts
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in first.union(*rest, all=True):
        rows[row["part"]].append(row)
    return rows


class _Builder:
    """Reads the summary tables for one scope, period and category."""

    def __init__(
        self,
        scope: Scope,
        period: str,
        category: dict[str, Any] | None,
        categories: list[dict[str, Any]],
        now: dt.datetime,
    ) -> None:
        self.scope = scope
        self.period = period
        self.category = category
        self.categories = categories
        self.now = now
        self.period_start = period_starts(now)[period]
        self.this_month = timezone.localtime(now).date().replace(day=1)
        regency = scope.regency
        region_filter = Q(level__in=(Level.PROVINCE, Level.REGENCY))
        if regency is not None:
            region_filter |= Q(parent=regency, level=Level.DISTRICT)
        self.regions: dict[int, dict[str, Any]] = {
            row["id"]: dict(row)
            for row in Region.objects.filter(region_filter)
            .order_by("code")
            .values("id", "code", "name", "level")
        }
        self.regencies = [r for r in self.regions.values() if r["level"] == Level.REGENCY]
        if regency is None:
            self.areas = self.regencies
        else:
            self.areas = [r for r in self.regions.values() if r["level"] == Level.DISTRICT]

    # filters shared by the tables

    @property
    def area_field(self) -> str:
        return "regency_id" if self.scope.is_province else "district_id"

    def _scoped(self, queryset: Any, regency_field: str = "regency") -> Any:
        if self.scope.regency is not None:
            queryset = queryset.filter(**{f"{regency_field}_id": self.scope.regency.pk})
        return queryset

    def _leveled(self, queryset: Any) -> Any:
        """Rows at the level of the page: per regency (province) or per kecamatan."""
        level = AreaLevel.REGENCY if self.scope.is_province else AreaLevel.DISTRICT
        return self._scoped(queryset.filter(level=level))

    def _by_category(self, queryset: Any) -> Any:
        if self.category is not None:
            return queryset.filter(category_id=self.category["id"])
        return queryset

    def _referral_category(self, queryset: Any) -> Any:
        """Referral tables hold one row set per category and one for all (NULL)."""
        if self.category is not None:
            return queryset.filter(category_id=self.category["id"])
        return queryset.filter(category__isnull=True)

    def _referral_scope(self, queryset: Any) -> Any:
        if self.scope.regency is not None:
            pk = self.scope.regency.pk
            return queryset.filter(Q(from_regency_id=pk) | Q(to_regency_id=pk))
        return queryset

    def _area_rows(self, values: dict[Any, Any]) -> list[tuple[str, str, Any]]:
        """(code, name, key) for every area of the scope, plus 'other' when it has data."""
        rows: list[tuple[str, str, Any]] = [
            (area["code"], area["name"], area["id"]) for area in self.areas
        ]
        if None in values:
            label = _("Kecamatan lain/tidak diketahui") if self.scope.regency else _("Lainnya")
            rows.append(("", label, None))
        return rows

    def _region_name(self, pk: int | None) -> str:
        region = self.regions.get(pk) if pk is not None else None
        return region["name"] if region else _("Lainnya")

    # descriptive parts

    def scope_data(self) -> dict[str, Any]:
        regency = self.scope.regency
        return {
            "level": "province" if regency is None else "regency",
            "regency": None if regency is None else {"code": regency.code, "name": regency.name},
            "area_label": _("Kabupaten/Kota") if regency is None else _("Kecamatan"),
        }

    def period_data(self) -> dict[str, Any]:
        return {
            "key": self.period,
            "label": str(Period(self.period).label),
            "start": self.period_start.date().isoformat(),
            "end": timezone.localtime(self.now).date().isoformat(),
        }

    # the figures

    def build(self) -> dict[str, Any]:
        cases = self._case_counts()
        flows_by_area, flows_by_category, trend = self._flows()
        referrals = self._referral_rows()
        people = self._people()
        beneficiaries = self._beneficiaries(people["beneficiaries"])
        households_reached, households = self._households(people)
        current = trend["rows"][-1]
        open_total = sum(v["open"] for v in cases["by_area"].values())
        headline = {
            "open_cases": open_total,
            "new_this_month": current[1],
            "closed_this_month": current[2],
            "reopened_this_month": current[3],
            "pending_referrals": referrals["pending"],
            "overdue_referrals": referrals["overdue"],
            "beneficiaries": sum(row[-1] for row in beneficiaries["rows"]),
            "households_reached": households_reached,
        }
        tables = [
            self._by_area_table(cases["by_area"], flows_by_area),
            self._by_category_table(cases["by_category"], flows_by_category),
            self._by_status_table(cases["by_status"]),
            self._age_sex_table(people["age_sex"]),
            trend,
            self._daily_table(),
            beneficiaries,
            households,
            self._flow_table(referrals["flows"]),
            self._referral_status_table(referrals["by_status"]),
            self._sla_table(),
            self._services_table(),
        ]
        return {"headline": headline, "tables": tables}

    def _case_counts(self) -> dict[str, Any]:
        """One query: cases by area × status and by category × status."""
        base = self._by_category(self._leveled(CaseCount.objects))
        sums = {"n": Sum("total"), "high": Sum("high_priority_total")}
        rows = _union(
            _part(
                base, "area", {"area": F(self.area_field), "cat": NO_ID, "st": F("status")}, sums
            ),
            _part(
                base, "category", {"area": NO_ID, "cat": F("category_id"), "st": F("status")}, sums
            ),
        )
        by_area: dict[Any, dict[str, int]] = defaultdict(lambda: {"open": 0, "total": 0, "high": 0})
        by_status: dict[str, int] = defaultdict(int)
        for row in rows["area"]:
            area = by_area[row["area"]]
            area["total"] += row["n"]
            by_status[row["st"]] += row["n"]
            if row["st"] != CaseStatus.CLOSED:
                area["open"] += row["n"]
                area["high"] += row["high"]
        by_category: dict[int, dict[str, int]] = defaultdict(lambda: {"open": 0, "total": 0})
        for row in rows["category"]:
            counts = by_category[row["cat"]]
            counts["total"] += row["n"]
            if row["st"] != CaseStatus.CLOSED:
                counts["open"] += row["n"]
        return {"by_area": by_area, "by_category": by_category, "by_status": by_status}

    def _flows(self) -> tuple[dict[Any, dict[str, int]], dict[Any, dict[str, int]], dict[str, Any]]:
        """One query: new/closed/reopened in the period by area and by category, and
        per month over the last 12 months (the trend table)."""
        localnow = timezone.localtime(self.now)
        months = [
            add_months(localnow, -offset).date() for offset in range(TREND_MONTHS - 1, -1, -1)
        ]
        in_period = self._by_category(
            self._leveled(CaseFlowPeriod.objects.filter(period=self.period))
        )
        # Per month: the regency rows (on a regency page, its own: its kecamatan summed).
        monthly = self._by_category(
            self._scoped(MonthlyCaseFlow.objects.filter(level=AreaLevel.REGENCY))
        ).filter(month__gte=months[0])
        sums = {
            "new": Sum("new_total"),
            "closed": Sum("closed_total"),
            "reopened": Sum("reopened_total"),
        }
        rows = _union(
            _part(in_period, "area", {"key": F(self.area_field), "mon": NO_DATE}, sums),
            _part(in_period, "category", {"key": F("category_id"), "mon": NO_DATE}, sums),
            _part(monthly, "trend", {"key": NO_ID, "mon": F("month")}, sums),
        )
        by_area = {row["key"]: row for row in rows["area"]}
        by_category = {row["key"]: row for row in rows["category"]}
        found = {_as_date(row["mon"]): row for row in rows["trend"]}
        trend_rows = []
        for month in months:
            row = found.get(month, {"new": 0, "closed": 0, "reopened": 0})
            trend_rows.append([month.strftime("%Y-%m"), row["new"], row["closed"], row["reopened"]])
        trend = _table(
            "trend",
            _("Tren bulanan (12 bulan terakhir)"),
            [
                ("month", _("Bulan")),
                ("new", _("Baru")),
                ("closed", _("Ditutup")),
                ("reopened", _("Dibuka kembali")),
            ],
            trend_rows,
        )
        return by_area, by_category, trend

    def _referral_rows(self) -> dict[str, Any]:
        """One query: the flow matrix and referrals by status × kind (sent in the
        period), and the pending and overdue ones now (the headline: every period)."""
        in_period = self._referral_scope(
            self._referral_category(ReferralFlow.objects.filter(period=self.period))
        )
        pending = self._referral_category(
            ReferralFlow.objects.filter(period=Period.ALL, status=ReferralStatus.PENDING)
        )
        if self.scope.regency is not None:
            pending = pending.filter(to_regency_id=self.scope.regency.pk)
        sums = {"n": Sum("total"), "overdue": Sum("overdue_total")}
        no_ends = {"origin": NO_ID, "end": NO_ID}
        no_kinds = {"st": NO_TEXT, "kd": NO_TEXT}
        rows = _union(
            _part(
                in_period,
                "flow",
                {"origin": F("from_regency_id"), "end": F("to_regency_id")} | no_kinds,
                sums,
            ),
            _part(in_period, "status", no_ends | {"st": F("status"), "kd": F("kind")}, sums),
            _part(pending, "pending", no_ends | no_kinds, sums),
        )
        headline = rows["pending"][0] if rows["pending"] else {}
        return {
            "flows": {(row["origin"], row["end"]): row["n"] for row in rows["flow"]},
            "by_status": {(row["st"], row["kd"]): row for row in rows["status"]},
            "pending": headline.get("n") or 0,
            "overdue": headline.get("overdue") or 0,
        }

    def _people(self) -> dict[str, Any]:
        """One query: open cases by age band × sex, registered beneficiaries by area × sex."""
        ages = self._by_category(self._scoped(CaseAgeSex.objects))
        persons = self._scoped(BeneficiaryFact.objects)
        rows = _union(
            _part(
                ages,
                "age_sex",
                {"area": NO_ID, "band": F("age_band"), "sx": F("sex")},
                {"n": Sum("open_total")},
            ),
            _part(
                persons,
                "beneficiaries",
                {"area": F(self.area_field), "band": NO_TEXT, "sx": F("sex")},
                {"n": Sum("total")},
            ),
            *self._household_parts(),
        )
        return rows

    def _household_levels(self) -> tuple[str, str]:
        """(level of the page's total, level of its rows) in HouseholdReach."""
        return ("province", "regency") if self.scope.is_province else ("regency", "district")

    def _household_parts(self) -> list[QuerySet]:
        """Households reached (stats.models.HouseholdReach), one union part per
        measure: the page's total (`band` = its level) and a row per area."""
        rows = HouseholdReach.objects.filter(level__in=self._household_levels())
        if self.scope.regency is not None:
            rows = rows.filter(regency_id=self.scope.regency.pk)
        return [
            _part(
                rows,
                f"households:{measure}",
                {"area": F(self.area_field), "band": F("level"), "sx": NO_TEXT},
                {"n": Sum(measure)},
            )
            for measure in HOUSEHOLD_MEASURES
        ]

    def _households(self, people: dict[str, list[dict[str, Any]]]) -> tuple[int, dict[str, Any]]:
        """The page's households reached, and the table of them per area."""
        top, _rows = self._household_levels()
        total = 0
        by_area: dict[Any, list[int]] = defaultdict(lambda: [0] * len(HOUSEHOLD_MEASURES))
        for index, measure in enumerate(HOUSEHOLD_MEASURES):
            for row in people.get(f"households:{measure}", ()):
                if row["band"] == top:
                    total += row["n"] if measure == "reached_total" else 0
                else:
                    by_area[row["area"]][index] = row["n"] or 0
        rows = [[code, name, *by_area[key]] for code, name, key in self._area_rows(dict(by_area))]
        area = self.scope_data()["area_label"]
        table = _table(
            "households",
            _("Keluarga terjangkau (No. KK dengan kasus) per %(area)s") % {"area": area.lower()},
            [
                ("code", _("Kode")),
                ("name", area),
                ("reached", _("Keluarga terjangkau")),
                ("open", _("Dengan kasus aktif")),
                ("dtsen", _("Terdaftar di DTSEN")),
                ("pkh", _("Menerima PKH")),
                ("bpnt", _("Menerima BPNT/Sembako")),
                ("pbi_jk", _("Menerima PBI-JK")),
                ("blt", _("Menerima BLT")),
            ],
            rows,
        )
        return total, table

    def _by_area_table(
        self, cases: dict[Any, dict[str, int]], flows: dict[Any, dict[str, int]]
    ) -> dict[str, Any]:
        empty = {"new": 0, "closed": 0, "reopened": 0}
        rows = []
        keys = set(cases) | set(flows)
        for code, name, key in self._area_rows(dict.fromkeys(keys)):
            counted = cases.get(key, {"open": 0, "total": 0, "high": 0})
            flow = flows.get(key, empty)
            rows.append(
                [
                    code,
                    name,
                    counted["open"],
                    counted["high"],
                    flow["new"] or 0,
                    flow["closed"] or 0,
                    flow["reopened"] or 0,
                    counted["total"],
                ]
            )
        area = self.scope_data()["area_label"]
        return _table(
            "by_area",
            _("Kasus per %(area)s") % {"area": area.lower()},
            [
                ("code", _("Kode")),
                ("name", area),
                ("open", _("Kasus aktif")),
                ("high", _("Aktif prioritas tinggi/darurat")),
                ("new", _("Baru (periode)")),
                ("closed", _("Ditutup (periode)")),
                ("reopened", _("Dibuka kembali (periode)")),
                ("total", _("Semua kasus")),
            ],
            rows,
        )

    def _by_category_table(
        self, cases: dict[int, dict[str, int]], flows: dict[Any, dict[str, int]]
    ) -> dict[str, Any]:
        shown = [self.category] if self.category else self.categories
        rows = []
        for category in shown:
            counted = cases.get(category["id"], {"open": 0, "total": 0})
            flow = flows.get(category["id"], {"new": 0, "closed": 0})
            rows.append(
                [
                    category["code"],
                    category["name"],
                    counted["open"],
                    flow["new"] or 0,
                    flow["closed"] or 0,
                    counted["total"],
                ]
            )
        return _table(
            "by_category",
            _("Kasus per kategori PMKS"),
            [
                ("code", _("Kode")),
                ("name", _("Kategori PMKS")),
                ("open", _("Kasus aktif")),
                ("new", _("Baru (periode)")),
                ("closed", _("Ditutup (periode)")),
                ("total", _("Semua kasus")),
            ],
            rows,
        )

    def _by_status_table(self, by_status: dict[str, int]) -> dict[str, Any]:
        rows = [[str(label), by_status.get(value, 0)] for value, label in CaseStatus.choices]
        return _table(
            "by_status",
            _("Kasus per status"),
            [("status", _("Status")), ("total", _("Jumlah kasus"))],
            rows,
        )

    def _age_sex_table(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for row in rows:
            counts[(row["band"], row["sx"])] += row["n"]
        table_rows = []
        for band, label in AgeBand.choices:
            male = counts[(band, Sex.MALE)]
            female = counts[(band, Sex.FEMALE)]
            table_rows.append([str(label), male, female, male + female])
        return _table(
            "age_sex",
            _("Kasus aktif per kelompok umur dan jenis kelamin"),
            [
                ("age_band", _("Kelompok umur")),
                ("male", _("Laki-laki")),
                ("female", _("Perempuan")),
                ("total", _("Jumlah")),
            ],
            table_rows,
        )

    def _daily_table(self) -> dict[str, Any]:
        since = timezone.localtime(self.now).date() - dt.timedelta(days=DAILY_DAYS)
        rows = (
            self._by_category(self._scoped(DailySnapshot.objects))
            .filter(date__gte=since)
            .values("date")
            .annotate(
                open=Sum("total", filter=~Q(status=CaseStatus.CLOSED)),
                all=Sum("total"),
            )
            .order_by("date")
        )
        return _table(
            "daily",
            _("Kasus aktif per hari (potret tengah malam, 90 hari)"),
            [("date", _("Tanggal")), ("open", _("Kasus aktif")), ("total", _("Semua kasus"))],
            [[row["date"].isoformat(), row["open"] or 0, row["all"] or 0] for row in rows],
        )

    def _beneficiaries(self, found: list[dict[str, Any]]) -> dict[str, Any]:
        counts: dict[Any, dict[str, int]] = defaultdict(lambda: {"M": 0, "F": 0})
        for row in found:
            counts[row["area"]][row["sx"]] += row["n"]
        rows = []
        for code, name, key in self._area_rows(dict(counts)):
            male, female = counts[key]["M"], counts[key]["F"]
            rows.append([code, name, male, female, male + female])
        area = self.scope_data()["area_label"]
        return _table(
            "beneficiaries",
            _("Penerima manfaat terdaftar per %(area)s (domisili)") % {"area": area.lower()},
            [
                ("code", _("Kode")),
                ("name", area),
                ("male", _("Laki-laki")),
                ("female", _("Perempuan")),
                ("total", _("Jumlah")),
            ],
            rows,
        )

    def _flow_table(self, flows: dict[tuple[int, int], int]) -> dict[str, Any]:
        if self.scope.regency is None:
            ends = [r for r in self.regions.values() if r["level"] == Level.REGENCY]
            known = {r["id"] for r in ends}
            extra = sorted(
                {pk for pair in flows for pk in pair if pk not in known},
                key=lambda pk: self.regions.get(pk, {}).get("code", "~"),
            )
            ends += [
                {"id": pk, "code": self.regions.get(pk, {}).get("code", ""), "name": ""}
                for pk in extra
            ]
            columns = [("origin", _("Asal / tujuan"))]
            columns += [(f"to_{end['code']}", self._region_name(end["id"])) for end in ends]
            columns.append(("total", _("Jumlah keluar")))
            rows = []
            for origin in ends:
                cells = [flows.get((origin["id"], end["id"]), 0) for end in ends]
                rows.append([self._region_name(origin["id"]), *cells, sum(cells)])
            totals = [sum(flows.get((o["id"], end["id"]), 0) for o in ends) for end in ends]
            rows.append([_("Jumlah masuk"), *totals, sum(totals)])
            return _table(
                "flow",
                _("Arus rujukan antarwilayah (dikirim dalam periode)"),
                columns,
                rows,
            )
        here = self.scope.regency.pk
        others = sorted(
            {pk for pair in flows for pk in pair} | {r["id"] for r in self.regencies},
            key=lambda pk: self.regions.get(pk, {}).get("code", "~"),
        )
        rows = []
        for other in others:
            outgoing = flows.get((here, other), 0)
            incoming = flows.get((other, here), 0) if other != here else 0
            code = self.regions.get(other, {}).get("code", "")
            rows.append([code, self._region_name(other), outgoing, incoming])
        return _table(
            "flow",
            _("Arus rujukan dengan wilayah lain (dikirim dalam periode)"),
            [
                ("code", _("Kode")),
                ("name", _("Wilayah mitra")),
                ("outgoing", _("Keluar ke wilayah ini")),
                ("incoming", _("Masuk dari wilayah ini")),
            ],
            rows,
        )

    def _referral_status_table(
        self, counts: dict[tuple[str, str], dict[str, Any]]
    ) -> dict[str, Any]:
        rows = []
        for status, label in ReferralStatus.choices:
            per_kind = [counts.get((status, kind), {}).get("n", 0) for kind in ReferralKind.values]
            overdue = sum(
                counts.get((status, kind), {}).get("overdue", 0) for kind in ReferralKind.values
            )
            rows.append([str(label), *per_kind, sum(per_kind), overdue])
        return _table(
            "referral_status",
            _("Rujukan per status dan jenis (dikirim dalam periode)"),
            [("status", _("Status"))]
            + [(kind, str(label)) for kind, label in ReferralKind.choices]
            + [("total", _("Jumlah")), ("overdue", _("Terlambat"))],
            rows,
        )

    def _sla_table(self) -> dict[str, Any]:
        queryset = self._referral_category(ReferralOrgStat.objects.filter(period=self.period))
        queryset = self._scoped(queryset)
        rows = []
        for row in queryset.values(
            "organization__name",
            "regency_id",
            "received_total",
            "pending_total",
            "overdue_total",
            "decided_total",
            "on_time_total",
            "median_response_hours",
        ).order_by("-received_total", "organization__name"):
            missed = row["decided_total"] - row["on_time_total"] + row["overdue_total"]
            rows.append(
                [
                    row["organization__name"],
                    self._region_name(row["regency_id"]),
                    row["received_total"],
                    row["pending_total"],
                    row["overdue_total"],
                    row["decided_total"],
                    row["on_time_total"],
                    _percent(row["on_time_total"], row["on_time_total"] + missed),
                    _hours(row["median_response_hours"]),
                ]
            )
        return _table(
            "sla",
            _("Waktu respons dan kepatuhan SLA per organisasi penerima"),
            [
                ("organization", _("Organisasi penerima")),
                ("region", _("Wilayah")),
                ("received", _("Rujukan diterima")),
                ("pending", _("Menunggu")),
                ("overdue", _("Terlambat (menunggu)")),
                ("decided", _("Diputuskan")),
                ("on_time", _("Tepat waktu")),
                ("compliance", _("Kepatuhan SLA (%)")),
                ("median_hours", _("Median waktu respons (jam)")),
            ],
            rows,
        )

    def _services_table(self) -> dict[str, Any]:
        counts: dict[tuple[str, str], int] = {}
        names: dict[str, tuple[int, str]] = {}
        for row in (
            self._by_category(self._scoped(ServiceFact.objects))
            .values(
                "service_type__code", "service_type__name", "service_type__sort_order", "status"
            )
            .annotate(n=Sum("total"))
            .order_by()
        ):
            code = row["service_type__code"]
            names[code] = (row["service_type__sort_order"], row["service_type__name"])
            counts[(code, row["status"])] = row["n"]
        rows = []
        for code in sorted(names, key=lambda c: names[c]):
            cells = [counts.get((code, status), 0) for status in SERVICE_STATUSES]
            rows.append([names[code][1], *cells, sum(cells)])
        return _table(
            "services",
            _("Layanan per jenis dan status"),
            [
                ("service_type", _("Jenis layanan")),
                ("planned", _("Direncanakan")),
                ("ongoing", _("Berjalan")),
                ("done", _("Selesai")),
                ("cancelled", _("Dibatalkan")),
                ("total", _("Jumlah")),
            ],
            rows,
        )


def _as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def table_by_key(summary: dict[str, Any], key: str) -> dict[str, Any] | None:
    for table in summary["tables"]:
        if table["key"] == key:
            return table
    return None
