"""The run: checks, the transaction around the load, ids and counters, ANALYZE
and the statistics (generate_scale)."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import User
from cases.models import Beneficiary
from demo.organizations import seed_organizations
from demo.scale.context import load_context
from demo.scale.distributions import BULK_THRESHOLD, DEFAULT_REGIONS_CSV
from demo.scale.generator import Generator
from demo.scale.pools import make_pools
from demo.scale.progress import Progress, _duration, _stderr
from demo.scale.regions import ensure_regions
from demo.scale.rows import TABLE_ROWS
from demo.scale.schema import (
    Schema,
    drop_for_load,
    restore_after_load,
    schema_snapshot,
    verify_schema,
)
from demo.scale.writers import CopySink, InsertSink, Table
from households.backfill import households_from_no_kk
from households.models import Household, HouseholdMember
from regions.models import Region


class DataExists(Exception):
    """The database already holds beneficiaries: scale data goes into an empty one."""


@dataclass
class ScaleResult:
    beneficiaries: int
    seconds: float
    rows: dict[str, int]
    bulk: bool

    def summary(self) -> str:
        parts = ", ".join(f"{name} {count:,}" for name, count in self.rows.items())
        return f"{self.beneficiaries:,} beneficiaries in {_duration(self.seconds)}: {parts}"


def _assert_ready() -> None:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise ImproperlyConfigured(
            f"{len(plan)} migrations are not applied; run manage.py migrate first."
        )


def _assert_empty() -> None:
    existing = Beneficiary.objects.count()
    if existing:
        raise DataExists(
            f"the database already holds {existing:,} beneficiaries; scale data is generated "
            "into an empty database (create a fresh one, migrate, then run this again)"
        )


def _next_ids(cursor: Any, table: Table) -> int:
    pk = str(table.model._meta.pk.column)  # type: ignore[union-attr]
    quote = connection.ops.quote_name
    cursor.execute(f"SELECT COALESCE(MAX({quote(pk)}), 0) FROM {quote(table.name)}")
    highest = cursor.fetchone()[0]
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table.name, pk])
        sequence = cursor.fetchone()[0]
        if sequence:
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
            last_value, is_called = cursor.fetchone()
            highest = max(highest, last_value if is_called else last_value - 1)
    return highest + 1


def _reset_sequences(cursor: Any, models_: list[type[models.Model]]) -> None:
    from django.core.management.color import no_style

    for sql in connection.ops.sequence_reset_sql(no_style(), models_):
        cursor.execute(sql)


def save_number_counters(generator: Generator) -> None:
    """Move the case and referral number counters past the generated numbers, so
    cases and referrals created afterwards get the next free number."""
    import cases.models
    import referrals.models

    case_counter = getattr(cases.models, "CaseNumberCounter", None)
    if case_counter is not None:
        for prefix, last in generator.case_numbers.items():
            counter, _ = case_counter.objects.get_or_create(prefix=prefix)
            counter.last = max(counter.last, last)
            counter.save(update_fields=["last"])
    referral_sequence = getattr(referrals.models, "ReferralNumberSequence", None)
    if referral_sequence is not None:
        for (region_code, year), last in generator.referral_numbers.items():
            sequence, _ = referral_sequence.objects.get_or_create(
                region_code=region_code, year=year
            )
            sequence.last = max(sequence.last, last)
            sequence.save(update_fields=["last"])


def rebuild_statistics(say: Callable[[str], None]) -> None:
    """Run stats.rollup.rebuild() when the stats app provides it."""
    try:
        from stats import rollup  # type: ignore[attr-defined]
    except ImportError:
        say("statistics: stats.rollup not available, skipped")
        return
    rebuild = getattr(rollup, "rebuild", None)
    if rebuild is None:
        say("statistics: stats.rollup.rebuild not available, skipped")
        return
    started = time.monotonic()
    rebuild()
    say(f"statistics rebuilt: {time.monotonic() - started:.1f}s")


def _prepare_postgres(cursor: Any, names: list[str]) -> None:
    cursor.execute("SET LOCAL synchronous_commit = off")
    cursor.execute("SET LOCAL statement_timeout = 0")
    cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
    quoted = ", ".join(connection.ops.quote_name(n) for n in names)
    cursor.execute(f"LOCK TABLE {quoted} IN EXCLUSIVE MODE")


def _open_tables(cursor: Any, generator: Generator, now: dt.datetime) -> CopySink | InsertSink:
    """A Table per model, its ids after the existing ones, registered with the sink."""
    postgres = connection.vendor == "postgresql"
    sink: CopySink | InsertSink = CopySink(cursor) if postgres else InsertSink(cursor)
    for model, row_type in TABLE_ROWS:
        table = Table(model, row_type, now)
        table.next_id = _next_ids(cursor, table)
        generator.tables[model] = table
        sink.register(table)
    return sink


def _load(
    cursor: Any,
    generator: Generator,
    progress: Progress,
    *,
    now: dt.datetime,
    seed: int,
    bulk: bool,
) -> None:
    """Generate into the tables (inside the transaction), then restore and verify."""
    models_ = [model for model, _ in TABLE_ROWS]
    names = [model._meta.db_table for model in models_]
    postgres = connection.vendor == "postgresql"
    sink = _open_tables(cursor, generator, now)
    schema: Schema | None = None
    if postgres:
        schema = schema_snapshot(cursor, names)
        if bulk:
            drop_for_load(cursor, schema, progress.say)
    total = progress.total
    progress.say(f"generating {total:,} beneficiaries (seed {seed})")
    progress.generation_started = time.monotonic()
    generator.run(total, progress, sink)
    if bulk and schema is not None:
        restore_after_load(cursor, schema, progress.say)
    verify_schema(cursor, models_, schema)
    _reset_sequences(cursor, models_)
    save_number_counters(generator)
    started = time.monotonic()
    households, members = households_from_no_kk(cursor)
    progress.say(
        f"{households:,} households of {members:,} people grouped by No. KK: "
        f"{time.monotonic() - started:.1f}s"
    )
    progress.say("indexes and keys verified against the migration state; committing")


def _analyze(say: Callable[[str], None]) -> None:
    """Fresh planner statistics, also for the region tree and the users written above."""
    names = [model._meta.db_table for model, _ in TABLE_ROWS]
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        started = time.monotonic()
        households = [Household._meta.db_table, HouseholdMember._meta.db_table]
        for name in [*names, Region._meta.db_table, User._meta.db_table, *households]:
            quoted_name = connection.ops.quote_name(name)
            if postgres and not connection.in_atomic_block:
                cursor.execute(f"VACUUM (ANALYZE) {quoted_name}")
            else:
                cursor.execute(f"ANALYZE {quoted_name}")
        say(f"VACUUM/ANALYZE: {time.monotonic() - started:.1f}s")


def _generate(
    beneficiaries: int, seed: int, now: dt.datetime, progress: Progress, bulk: bool
) -> Generator:
    """The transaction: tables locked, context loaded, rows generated and checked."""
    rng = random.Random(seed)
    pools = make_pools(seed)
    names = [model._meta.db_table for model, _ in TABLE_ROWS]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _prepare_postgres(cursor, names)
        # the caseworkers draw from their own generator: they exist only once
        ctx = load_context(beneficiaries, random.Random(f"workers-{seed}"), pools)
        generator = Generator(ctx, pools, rng, now)
        _load(cursor, generator, progress, now=now, seed=seed, bulk=bulk)
    return generator


def generate_scale(
    *,
    beneficiaries: int,
    seed: int = 1,
    now: dt.datetime | None = None,
    regions_csv: Path | None = DEFAULT_REGIONS_CSV,
    write: Callable[[str], None] = _stderr,
    bulk: bool | None = None,
    statistics: bool = True,
) -> ScaleResult:
    """Generate `beneficiaries` persons and everything around them (see the package
    docstring). Refuses (DataExists) when beneficiaries exist already."""
    if beneficiaries < 1:
        raise ValueError("beneficiaries must be at least 1")
    started = time.monotonic()
    progress = Progress(beneficiaries, write)
    _assert_ready()
    _assert_empty()
    postgres = connection.vendor == "postgresql"
    bulk = postgres and beneficiaries >= BULK_THRESHOLD if bulk is None else bulk and postgres
    if now is None:
        now = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    ensure_regions(regions_csv, progress.say)
    seed_organizations()
    generator = _generate(beneficiaries, seed, now, progress, bulk)
    _analyze(progress.say)
    if statistics:
        rebuild_statistics(progress.say)
    result = ScaleResult(
        beneficiaries=beneficiaries,
        seconds=time.monotonic() - started,
        rows={t.model._meta.db_table: t.count for t in generator.tables.values()},
        bulk=bulk,
    )
    progress.say(f"done: {result.summary()}")
    return result
