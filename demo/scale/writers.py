"""Where the rows go: a Table per model (its columns and the fallback of each
column the generator does not know), streamed by COPY on PostgreSQL (CopySink)
or inserted with executemany (InsertSink)."""

from __future__ import annotations

import datetime as dt
import io
import json
import queue
import threading
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models

COPY_NULL = "\\N"


def _copy_text(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        value = value.replace("\r", "\\r")
    return value


def _copy_converter(model_field: models.Field) -> Callable[[Any], str]:
    """Python value → PostgreSQL COPY text for one column."""
    base: Callable[[Any], str]
    if isinstance(model_field, models.BooleanField):
        base = _copy_bool
    elif isinstance(model_field, models.DateField):  # and DateTimeField
        base = _copy_isoformat
    elif isinstance(model_field, models.JSONField):
        base = _copy_json
    elif isinstance(model_field, models.CharField | models.TextField):
        base = _copy_text
    else:
        base = str
    if not model_field.null:
        return base

    def nullable(value: Any) -> str:
        return COPY_NULL if value is None else base(value)

    return nullable


def _copy_bool(value: Any) -> str:
    return "t" if value else "f"


def _copy_isoformat(value: Any) -> str:
    return value.isoformat()


def _copy_json(value: Any) -> str:
    return _copy_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _fallback(model: type[models.Model], model_field: models.Field, now: dt.datetime) -> Any:
    """Value of a column this module does not know: its default, NULL, or ""."""
    if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
        return now
    if model_field.has_default():
        return model_field.get_default()
    if model_field.null:
        return None
    if model_field.blank and isinstance(model_field, models.CharField | models.TextField):
        return ""
    raise ImproperlyConfigured(
        f"demo/scale cannot fill {model._meta.label}.{model_field.name}: it has no "
        "default and is not nullable; teach the generator its value."
    )


class Table:
    """One model's destination: the generator supplies the row tuple's fields;
    every other concrete column gets its fallback value."""

    def __init__(self, model: type[models.Model], row_type: type[tuple], now: dt.datetime):
        self.model = model
        self.name = model._meta.db_table
        fields = list(model._meta.concrete_fields)
        self.columns: list[str] = [str(f.column) for f in fields]
        position = {name: i for i, name in enumerate(row_type._fields)}  # type: ignore[attr-defined]
        # (index in the row or None, model field, fallback value)
        self.plan: list[tuple[int | None, models.Field, Any]] = []
        for model_field in fields:
            if model_field.attname in position:
                self.plan.append((position[model_field.attname], model_field, None))
            else:
                self.plan.append((None, model_field, _fallback(model, model_field, now)))
        self.next_id = 1
        self.count = 0

    def allocate(self) -> int:
        pk = self.next_id
        self.next_id += 1
        return pk


class CopySink:
    """Buffers rows as COPY text per table and streams each buffer with copy_expert
    from a writer thread, so PostgreSQL stores one chunk while Python builds the
    next (psycopg2 releases the GIL while it waits on the server)."""

    def __init__(self, cursor: Any, flush_bytes: int = 8 << 20):
        self.raw_cursor = cursor.cursor  # the psycopg2 cursor under Django's wrapper
        self.flush_bytes = flush_bytes
        self.chunks: queue.Queue[tuple[str, io.StringIO] | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.writer = threading.Thread(target=self._write, name="scale-copy", daemon=True)
        self.writer.start()
        self.buffers: dict[str, list[str]] = {}
        self.sizes: dict[str, int] = {}
        self.formats: dict[str, list[tuple[int | None, Callable[[Any], str], str]]] = {}
        self.tables: dict[str, Table] = {}

    def register(self, table: Table) -> None:
        plan = []
        for index, model_field, fallback in table.plan:
            convert = _copy_converter(model_field)
            constant = "" if index is not None else convert(fallback)
            plan.append((index, convert, constant))
        self.formats[table.name] = plan
        self.buffers[table.name] = []
        self.sizes[table.name] = 0
        self.tables[table.name] = table

    def add(self, table: Table, row: tuple) -> None:
        line = "\t".join(
            [
                convert(row[index]) if index is not None else constant
                for index, convert, constant in self.formats[table.name]
            ]
        )
        self.buffers[table.name].append(line)
        self.sizes[table.name] += len(line) + 1
        table.count += 1

    def full(self) -> bool:
        return any(size >= self.flush_bytes for size in self.sizes.values())

    def flush(self) -> None:
        for name, lines in self.buffers.items():  # registration order: parents first
            if not lines:
                continue
            if self.error is not None:
                break
            columns = ", ".join(connection.ops.quote_name(c) for c in self.tables[name].columns)
            sql = f"COPY {connection.ops.quote_name(name)} ({columns}) FROM STDIN"
            self.chunks.put((sql, io.StringIO("\n".join(lines) + "\n")))
            lines.clear()
            self.sizes[name] = 0
        if self.error is not None:
            raise self.error

    def finish(self) -> None:
        """Write what is buffered and wait for the writer thread."""
        self.flush()
        self.chunks.put(None)
        self.writer.join()
        if self.error is not None:
            raise self.error

    def _write(self) -> None:
        while (chunk := self.chunks.get()) is not None:
            if self.error is not None:
                continue  # drain after a failure; the main thread raises it
            sql, data = chunk
            try:
                self.raw_cursor.copy_expert(sql, data, size=1 << 20)
            except BaseException as exc:  # noqa: BLE001  (re-raised in the main thread)
                self.error = exc


class InsertSink:
    """executemany INSERTs, for SQLite and small data sets."""

    def __init__(self, cursor: Any, flush_rows: int = 5_000):
        self.cursor = cursor
        self.flush_rows = flush_rows
        self.rows: dict[str, list[list[Any]]] = {}
        self.tables: dict[str, Table] = {}
        self.constants: dict[str, list[Any]] = {}

    def register(self, table: Table) -> None:
        self.tables[table.name] = table
        self.rows[table.name] = []
        self.constants[table.name] = [
            None if index is not None else model_field.get_db_prep_save(fallback, connection)
            for index, model_field, fallback in table.plan
        ]

    def add(self, table: Table, row: tuple) -> None:
        values = [
            model_field.get_db_prep_save(row[index], connection) if index is not None else constant
            for (index, model_field, _), constant in zip(
                table.plan, self.constants[table.name], strict=True
            )
        ]
        self.rows[table.name].append(values)
        table.count += 1

    def full(self) -> bool:
        return any(len(rows) >= self.flush_rows for rows in self.rows.values())

    def flush(self) -> None:
        quote = connection.ops.quote_name
        for name, rows in self.rows.items():
            if not rows:
                continue
            table = self.tables[name]
            columns = ", ".join(quote(c) for c in table.columns)
            marks = ", ".join(["%s"] * len(table.columns))
            self.cursor.executemany(f"INSERT INTO {quote(name)} ({columns}) VALUES ({marks})", rows)
            rows.clear()

    def finish(self) -> None:
        self.flush()


# --- Progress ------------------------------------------------------------------------------
