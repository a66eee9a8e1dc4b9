"""The generator's state: the random source, the clock, the number counters, the
weighted choices and the tables the rows go to. The rows themselves are built by
demo/scale/people.py → cases.py → referrals.py (and services.py)."""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from collections import defaultdict

from django.conf import settings
from django.db import models
from django.utils import timezone

from demo.scale import distributions as d
from demo.scale.context import Context
from demo.scale.organizations import Office
from demo.scale.pools import Choice, Pools
from demo.scale.regions import Place
from demo.scale.writers import CopySink, InsertSink, Table


def _eligible(code: str, group: str, sex: str) -> bool:
    if code in d.FEMALE_ONLY and sex != "F":
        return False
    if group == "toddler":
        return code in d.TODDLER
    if group == "child":
        return code in d.CHILD and code != "PMKS01"
    if code in d.CHILD_ONLY:
        return False
    return group == "elderly" or code not in d.ELDERLY_ONLY


def category_choices(categories: dict[str, int]) -> dict[tuple[str, str], Choice]:
    """The weighted PMKS categories open to each (age group, sex)."""
    choices = {}
    for group in ("toddler", "child", "adult", "elderly"):
        for sex in ("M", "F"):
            codes = [c for c in d.CATEGORY_WEIGHTS if _eligible(c, group, sex)]
            codes = [c for c in codes if c in categories]
            choices[(group, sex)] = Choice(codes, [d.CATEGORY_WEIGHTS[c] for c in codes])
    return choices


class GeneratorBase:
    def __init__(self, ctx: Context, pools: Pools, rng: random.Random, now: dt.datetime):
        self.ctx = ctx
        self.pools = pools
        self.rng = rng
        self.now = int(now.timestamp())
        self.today = now.astimezone(timezone.get_default_timezone()).date()
        self.start = self.now - d.YEARS * 365 * d.DAY
        self.nik_serials: dict[str, int] = defaultdict(int)
        self.kk_serials: dict[str, int] = defaultdict(int)
        self.tz = timezone.get_default_timezone()
        # the numbering of cases/services._next_case_number and referrals/services._next_number
        self.case_numbers: dict[str, int] = defaultdict(int)  # "6472/2026" → last
        self.referral_numbers: dict[tuple[str, int], int] = defaultdict(int)
        self.pending_transfer_case = 0
        # (case, organization, service) of the last pending service referral
        # (ref_one_pending_per_case_org_service: at most one pending of each)
        self.pending_service: tuple[int, int, str] = (0, 0, "")
        self.tables: dict[type[models.Model], Table] = {}
        self.sink: CopySink | InsertSink | None = None
        self._make_choices()
        self.sla = {key: days * d.DAY for key, days in settings.REFERRAL_SLA_DAYS.items()}

    def _make_choices(self) -> None:
        self.household_size = Choice(*d.HOUSEHOLD_SIZES)
        self.cases_per_person = Choice(*d.CASES_PER_PERSON)
        self.nik_absent = Choice(*d.NIK_ABSENT_REASONS)
        self.member_nik_absent = Choice(*d.MEMBER_NIK_ABSENT_REASONS)
        self.legal_basis = Choice(*d.LEGAL_BASES)
        self.priority = Choice(*d.PRIORITIES)
        self.active_status = Choice(*d.ACTIVE_STATUSES)
        self.closure_reason = Choice(*d.CLOSURE_REASONS)
        self.risk = Choice(*d.RISK_LEVELS)
        self.urgency = Choice(*d.URGENCIES)
        self.decided_status = Choice(*d.DECIDED_STATUSES)
        self.regency = Choice(self.ctx.regency_codes, self.ctx.office_weights)
        self.category_choice = category_choices(self.ctx.categories)
        self.migrant_origin = Choice(d.MIGRANT_ORIGINS, [1.0] * len(d.MIGRANT_ORIGINS))

    def age_group(self, birth_date: dt.date | None) -> str:
        if birth_date is None:
            return "adult"
        age = (self.today - birth_date).days / 365.25
        if age < 5:
            return "toddler"
        if age < 18:
            return "child"
        return "elderly" if age >= 60 else "adult"

    def emit(self, model: type[models.Model], row: tuple) -> None:
        assert self.sink is not None
        self.sink.add(self.tables[model], row)

    def new_id(self, model: type[models.Model]) -> int:
        return self.tables[model].allocate()

    def at(self, ts: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(ts, d.UTC)

    def year(self, ts: int) -> int:
        return dt.datetime.fromtimestamp(ts, self.tz).year

    def date(self, ts: int) -> dt.date:
        return dt.date.fromtimestamp(ts)  # noqa: DTZ012  (calendar day of an instant, fine)

    def worker(self, office: Office) -> int:
        return office.workers[int(self.rng.random() * len(office.workers))]

    def place(self, regency_code: str) -> Place:
        places, cum = self.ctx.places_by_regency[regency_code]
        return places[bisect(cum, self.rng.random() * cum[-1])]
