"""Measurement and statistics: one Result per measurement (its timings in ms and
queries per request), the nearest-rank percentile, and Bench, which times a step
through the full Django stack."""

from __future__ import annotations

import math
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Result:
    name: str
    kind: str  # a key of BUDGETS
    timings: list[float] = field(default_factory=list)  # milliseconds
    queries: int | None = None
    note: str = ""
    error: str = ""

    @property
    def p50(self) -> float | None:
        return percentile(self.timings, 50)

    @property
    def p95(self) -> float | None:
        return percentile(self.timings, 95)


def percentile(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = max(0, math.ceil(pct / 100 * len(ordered)) - 1)
    return ordered[index]


class NotAvailable(Exception):
    """What is measured does not exist (yet) in this code base."""


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MB."""
    current = 0.0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    return current, peak


def url_for(name: str, *args: Any, **kwargs: Any) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        raise NotAvailable(f"URL {name} does not exist") from None


class Bench:
    def __init__(self, repeat: int, warmup: int, only: str | None, explain: str | None = None):
        self.repeat = repeat
        self.warmup = warmup
        self.only = only
        self.explain = Path(explain) if explain else None
        self.results: list[Result] = []

    def measure(
        self,
        name: str,
        kind: str,
        make: Callable[[], Callable[[int], Any]],
        *,
        repeat: int | None = None,
        warmup: int | None = None,
        count_queries: bool = True,
    ) -> None:
        """`make` prepares (untimed) and returns one timed step; a step gets the
        iteration number so it can vary its input."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        if self.only and self.only.lower() not in name.lower():
            return
        result = Result(name, kind)
        self.results.append(result)
        try:
            step = make()
            for i in range(self.warmup if warmup is None else warmup):
                step(i)
            for i in range(self.repeat if repeat is None else repeat):
                started = time.perf_counter()
                step(i)
                result.timings.append((time.perf_counter() - started) * 1000)
            if count_queries:
                with CaptureQueriesContext(connection) as captured:
                    step(0)
                result.queries = len(captured.captured_queries)
                if self.explain:
                    self.write_plans(name, captured.captured_queries)
        except NotAvailable as exc:
            result.error = f"not available: {exc}"
        except Exception as exc:  # noqa: BLE001  (reported in the table, the run goes on)
            result.error = f"error: {type(exc).__name__}: {str(exc)[:160]}"
        status = result.error or f"p50 {result.p50:.1f} ms, p95 {result.p95:.1f} ms"
        print(f"  {name}: {status}", flush=True)

    def write_plans(self, name: str, queries: list[dict[str, str]], top: int = 3) -> None:
        """EXPLAIN ANALYZE of the slowest SELECTs of one request, appended to a file."""
        from django.db import connection, transaction

        assert self.explain is not None
        slowest = sorted(
            (q for q in queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))),
            key=lambda q: float(q["time"]),
            reverse=True,
        )[:top]
        with self.explain.open("a") as out:
            out.write(f"\n\n===== {name} ({len(queries)} queries)\n")
            for query in slowest:
                out.write(f"\n--- {float(query['time']) * 1000:.1f} ms\n{query['sql']}\n")
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
                    out.write("\n".join(row[0] for row in cursor.fetchall()) + "\n")
                    transaction.set_rollback(True)


def check(response: Any) -> Any:
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code} for {response.request['PATH_INFO']}")
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    else:
        response.content  # noqa: B018  (rendered already; read like a server would)
    return response


def main_sql(client: Any, path: str, table: str) -> str:
    """The slowest query on `table` with a LIMIT among those a page runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        check(client.get(path))
    candidates = [
        q
        for q in captured.captured_queries
        if f'FROM "{table}"' in q["sql"] and "LIMIT" in q["sql"]
    ]
    if not candidates:
        raise NotAvailable(f"no query on {table} with a LIMIT in {path}")
    return max(candidates, key=lambda q: float(q["time"]))["sql"]


def get(client: Any, path: str, params: Callable[[int], dict[str, Any]] | None = None):  # type: ignore[no-untyped-def]
    """A step that GETs `path` (with the step's query parameters)."""

    def step(i: int) -> Any:
        return check(client.get(path, params(i) if params else None))

    return step


def get_each(client: Any, path_of: Callable[[int], str]) -> Callable[[int], Any]:
    def step(i: int) -> Any:
        return check(client.get(path_of(i)))

    return step
