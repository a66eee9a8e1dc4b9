"""Bulk load: the indexes and foreign keys dropped around the COPY, recreated
after it, and the check of the schema against the migration state."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor


@dataclass(frozen=True)
class Schema:
    indexes: dict[str, tuple[str, str, bool]]  # name → (table, definition, rebuildable)
    foreign_keys: dict[str, tuple[str, str]]  # name → (table, definition)

    def rebuildable_indexes(self) -> list[tuple[str, str, str]]:
        return [(n, t, d) for n, (t, d, rebuild) in sorted(self.indexes.items()) if rebuild]


def schema_snapshot(cursor: Any, tables: list[str]) -> Schema:
    """Indexes (non-unique ones that back no constraint are rebuildable) and
    foreign keys of `tables`, with their full definitions."""
    cursor.execute(
        """
        SELECT t.relname, i.relname, pg_get_indexdef(i.oid),
               NOT (ix.indisunique OR ix.indisprimary OR con.oid IS NOT NULL)
        FROM pg_index ix
        JOIN pg_class i ON i.oid = ix.indexrelid
        JOIN pg_class t ON t.oid = ix.indrelid
        LEFT JOIN pg_constraint con ON con.conindid = ix.indexrelid
        WHERE t.oid = ANY(%s::regclass[])
        """,
        [tables],
    )
    indexes = {name: (table, definition, rebuild) for table, name, definition, rebuild in cursor}
    cursor.execute(
        """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
        FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])
        """,
        [tables],
    )
    foreign_keys = {name: (table, definition) for table, name, definition in cursor}
    return Schema(indexes, foreign_keys)


def drop_for_load(cursor: Any, schema: Schema, say: Callable[[str], None]) -> None:
    quote = connection.ops.quote_name
    # Check what is pending now (the users just created): ALTER TABLE refuses
    # tables with pending deferred trigger events.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for name, (table, _) in sorted(schema.foreign_keys.items()):
        cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    for name, _, _ in schema.rebuildable_indexes():
        cursor.execute(f"DROP INDEX {quote(name)}")
    say(
        f"dropped {len(schema.rebuildable_indexes())} non-unique indexes and "
        f"{len(schema.foreign_keys)} foreign keys for the load"
    )


def restore_after_load(cursor: Any, schema: Schema, say: Callable[[str], None]) -> None:
    """Recreate what drop_for_load removed; PostgreSQL validates every foreign key."""
    quote = connection.ops.quote_name
    indexes = schema.rebuildable_indexes()
    say(f"recreating {len(indexes)} indexes")
    all_started = time.monotonic()
    for number, (name, table, definition) in enumerate(indexes, start=1):
        started = time.monotonic()
        cursor.execute(definition)
        if time.monotonic() - started > 5:
            seconds = time.monotonic() - started
            say(f"index {number}/{len(indexes)} {name} on {table}: {seconds:.0f}s")
    say(f"{len(indexes)} indexes recreated: {time.monotonic() - all_started:.1f}s")
    started = time.monotonic()
    for name, (table, definition) in sorted(schema.foreign_keys.items()):
        cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
    say(
        f"{len(schema.foreign_keys)} foreign keys re-added and validated: "
        f"{time.monotonic() - started:.1f}s"
    )


def verify_schema(cursor: Any, models_: list[type[models.Model]], before: Schema | None) -> None:
    """Every index, unique constraint and foreign key of the migration state
    exists (and, after a bulk load, exactly what existed before it)."""
    tables = [m._meta.db_table for m in models_]
    if before is not None and connection.vendor == "postgresql":
        after = schema_snapshot(cursor, tables)
        if after != before:
            missing = set(before.indexes) - set(after.indexes)
            missing |= set(before.foreign_keys) - set(after.foreign_keys)
            raise RuntimeError(f"indexes or keys differ after the load: {sorted(missing)}")
    state = MigrationExecutor(connection).loader.project_state()
    problems = []
    for model in models_:
        historical = state.apps.get_model(model._meta.app_label, model._meta.model_name)
        table = historical._meta.db_table
        constraints = connection.introspection.get_constraints(cursor, table)
        for index in historical._meta.indexes:
            if index.name not in constraints:
                problems.append(f"{table}: index {index.name}")
        for constraint in historical._meta.constraints:
            if constraint.name not in constraints:
                problems.append(f"{table}: constraint {constraint.name}")
        for model_field in historical._meta.concrete_fields:
            column = model_field.column
            covering = [c for c in constraints.values() if c["columns"][:1] == [column]]
            unique = [c for c in covering if c["unique"] or c["primary_key"]]
            if model_field.unique and not any(c["columns"] == [column] for c in unique):
                problems.append(f"{table}.{column}: unique")
            elif model_field.db_index and not any(c["index"] or c in unique for c in covering):
                problems.append(f"{table}.{column}: index")
            if (
                model_field.is_relation
                and getattr(model_field, "db_constraint", False)
                and not any(c["foreign_key"] for c in covering)
            ):
                problems.append(f"{table}.{column}: foreign key")
    if problems:
        raise RuntimeError(f"missing after the load: {', '.join(problems)}")
