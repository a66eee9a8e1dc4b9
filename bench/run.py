#!/usr/bin/env python
"""The performance benchmark: p50/p95 of the pages, API calls and jobs that must
hold their budgets at province scale, through the full Django stack, at two
scales in one run. Writes docs/PERFORMANCE.md.

    make bench BENCH_ARGS="--large-db pmks_scale_1m --small-db pmks_scale_small"
    .venv/bin/python bench/run.py --large-url postgres://... --small-url postgres://...

The databases are filled with `manage.py seed_demo --scale N` (demo/scale.py).
Each scale is measured in its own process: a "web worker" that sends requests
with django.test.Client (real middleware, session login, API key), so its RSS is
a web process's. The statistics rebuild then runs in another process, like the
Celery task, for its duration and peak RSS. The parent prints one table and
rewrites the part of docs/PERFORMANCE.md between the bench markers (notes
written around them are kept).

Nothing is changed in the measured databases except what the stack itself writes
on reads (sessions, the access log), an API key created for the run and deleted
after it, and the summary tables the rebuild rewrites; the registration
duplicate check runs inside a transaction that is rolled back.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/"
MARK_START = "<!-- bench:start (written by bench/run.py; edit outside these markers) -->"
MARK_END = "<!-- bench:end -->"

# Budgets from the issue (p95, milliseconds) by kind of measurement.
BUDGETS = {
    "page": ("< 150 ms and ≤ 3× small", 150.0, 3.0),
    "api": ("< 150 ms and ≤ 3× small", 150.0, 3.0),
    "list": ("< 50 ms and ≤ 3× small", 50.0, 3.0),
    "name": ("< 200 ms and ≤ 3× small", 200.0, 3.0),
    "nik": ("< 20 ms and ≤ 3× small", 20.0, 3.0),
    "rebuild": ("< 15 s and ≤ 2× raw aggregate", 15_000.0, None),
    "reference": ("reference", None, None),
}
WEB_RSS_BUDGET_MB = 300
REBUILD_RSS_BUDGET_MB = 500


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


# --- the web worker (one process per scale) --------------------------------------------


class NotAvailable(Exception):
    """What is measured does not exist (yet) in this code base."""


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ["DEBUG"] = "False"  # measure as in production
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmks.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.ROOT_URLCONF = "bench.urls"
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise SystemExit(f"{url}: migrations not applied; run manage.py migrate on it first")


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


def run_web(args: argparse.Namespace) -> dict[str, Any]:
    setup_django(args.worker)
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.db.models.functions import Mod
    from django.test import Client

    from cases.models import Beneficiary, Case, PmksCategory
    from referrals.models import Referral

    User = get_user_model()
    bench = Bench(args.repeat, args.warmup, args.only, args.explain)
    users = {u.username: u for u in User.objects.filter(username__in=USERNAMES)}
    missing = set(USERNAMES) - set(users)
    if missing:
        raise SystemExit(f"missing demo users {sorted(missing)}: run seed_demo --scale first")
    caseworker = users["pekerja.samarinda"]
    clients = {}
    for username, user in users.items():
        clients[username] = Client()
        clients[username].force_login(user)
    cw = clients["pekerja.samarinda"]

    visible = Case.objects.visible_to(caseworker)
    total_visible = visible.count()
    sample = list(
        visible.annotate(m=Mod("pk", 101))
        .filter(m=7)
        .order_by("pk")
        .values_list("pk", "beneficiary_id")[: args.repeat + 10]
    )
    people = list(
        Beneficiary.objects.filter(pk__in=[b for _, b in sample]).values_list(
            "full_name", "nik", "birth_date", "regency_id", "sex"
        )
    )
    niks = [p for p in people if p[1]]
    case_ids = [pk for pk, _ in sample]
    try:
        from cases.views import PAGE_SIZE
    except ImportError:
        PAGE_SIZE = 25
    meta: dict[str, Any] = {
        "beneficiaries": Beneficiary.objects.count(),
        "cases": Case.objects.count(),
        "referrals": Referral.objects.count(),
        "caseworker_cases": total_visible,
    }

    def get(client: Any, path: str, params: Callable[[int], dict[str, Any]] | None = None):
        def step(i: int) -> Any:
            return check(client.get(path, params(i) if params else None))

        return step

    # --- reference: the framework's floor
    bench.measure("empty Django view (floor)", "reference", lambda: get(cw, url_for("bench_empty")))

    # --- caseworker case list
    def deep_page(filters: dict[str, Any]) -> dict[str, Any]:
        """The query of the page halfway down the caseworker's list: ?after= the
        cursor of the row before it when the list pages by cursor, else ?page=N."""
        from cases import selectors

        rows = selectors.case_list(user=caseworker, filters=filters)
        number = max(1, rows.count() // PAGE_SIZE // 2)
        if not hasattr(selectors, "case_cursor") or number == 1:
            return {**filters, "page": number}
        newest_first = rows.select_related(None).only("opened_at").order_by("-opened_at", "-pk")
        before = newest_first[(number - 1) * PAGE_SIZE - 1]
        return {**filters, "after": selectors.case_cursor(before)}

    def case_list(filters: dict[str, Any], deep: bool) -> Callable[[int], Any]:
        path = url_for("cases:case_list")
        params = deep_page(filters) if deep else dict(filters)
        return get(cw, path, lambda i: params)

    category = PmksCategory.objects.filter(code="PMKS24").values_list("pk", flat=True).first()
    filters = {"status": "active", "category": category}
    bench.measure("case list, page 1", "page", lambda: case_list({}, False))
    bench.measure("case list, page 1, filters", "page", lambda: case_list(filters, False))
    bench.measure("case list, deep page (50%)", "page", lambda: case_list({}, True))
    bench.measure("case list, deep page (50%), filters", "page", lambda: case_list(filters, True))
    bench.measure(
        "search by name (case list q=)",
        "name",
        lambda: get(
            cw,
            url_for("cases:case_list"),
            lambda i: {"q": people[i % len(people)][0]},
        ),
    )
    bench.measure(
        "search by NIK (case list q=)",
        "nik",
        lambda: get(cw, url_for("cases:case_list"), lambda i: {"q": niks[i % len(niks)][1]}),
    )

    # --- duplicate check of a registration
    def find_matches() -> Callable[[int], Any]:
        try:
            from cases.selectors import beneficiary_find_matches
        except ImportError:
            raise NotAvailable("cases.selectors.beneficiary_find_matches") from None

        def step(i: int) -> Any:
            name, _, birth_date, regency_id, _ = people[i % len(people)]
            return beneficiary_find_matches(
                full_name=name, birth_date=birth_date, regency=regency_id
            )

        return step

    def register(with_nik: bool) -> Callable[[int], Any]:
        path = url_for("cases:beneficiary_register")

        def step(i: int) -> Any:
            name, nik, birth_date, regency_id, sex = (niks if with_nik else people)[
                i % len(niks if with_nik else people)
            ]
            data = {
                "nik": nik if with_nik else "",
                "nik_absent_reason": "" if with_nik else "street",
                "full_name": name,
                "sex": sex,
                "birth_date": birth_date.isoformat() if birth_date else "",
                "regency": regency_id,
                "legal_basis": "public_task",
            }
            # Rolled back whatever happens; a 302 (registered: no duplicate found) fails.
            with transaction.atomic():
                response = check(cw.post(path, data))
                transaction.set_rollback(True)
            return response

        return step

    bench.measure("duplicate check (selector find_matches)", "page", find_matches)
    bench.measure("registration, existing NIK (POST)", "page", lambda: register(True))
    bench.measure("registration, likely matches (POST)", "page", lambda: register(False))

    # --- case page, referral inbox, dashboards
    bench.measure(
        "case page",
        "page",
        lambda: get_each(cw, lambda i: url_for("cases:case_detail", case_ids[i % len(case_ids)])),
    )
    bench.measure("referral inbox", "page", lambda: get(cw, url_for("referrals:inbox")))
    bench.measure(
        "province dashboard",
        "list",
        lambda: get(clients["supervisor.provinsi"], url_for("stats:province")),
    )
    bench.measure(
        "regency dashboard (Samarinda)",
        "list",
        lambda: get(clients["supervisor.samarinda"], url_for("stats:regency", code="64.72")),
    )

    # --- API
    api = ApiFixture(caseworker)
    try:
        bench.measure(
            "API referral list, first page", "list", lambda: get(api.client(), api.list_url())
        )
        bench.measure(
            "API referral list, deep cursor (50%)",
            "list",
            lambda: get(api.client(), api.deep_url()),
        )
        bench.measure(
            "API referral detail",
            "api",
            lambda: get_each(api.client(), lambda i: api.detail_url(i)),
        )
    finally:
        api.close()
    meta["api_auth"] = api.auth
    meta["api_referrals"] = api.rows

    # --- raw SQL of the case list, for reference
    def raw(path: str, params: dict[str, Any]) -> Callable[[int], Any]:
        from urllib.parse import urlencode

        sql = main_sql(cw, f"{path}?{urlencode(params)}" if params else path, "cases_case")

        def step(i: int) -> Any:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()

        return step

    bench.measure(
        "raw SQL: case list page 1",
        "reference",
        lambda: raw(url_for("cases:case_list"), {}),
        count_queries=False,
    )
    bench.measure(
        "raw SQL: case list deep page",
        "reference",
        lambda: raw(url_for("cases:case_list"), deep_page({})),
        count_queries=False,
    )
    bench.measure(
        "raw SQL: search by NIK",
        "reference",
        lambda: raw(url_for("cases:case_list"), {"q": niks[0][1]}),
        count_queries=False,
    )
    bench.measure(
        "raw SQL: statistics aggregate",
        "reference",
        stats_aggregate,
        repeat=args.rebuild_repeat,
        warmup=1,
        count_queries=False,
    )
    current, peak = rss_mb()
    meta["web_rss_mb"] = round(current, 1)
    meta["web_peak_rss_mb"] = round(peak, 1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        meta["postgres"] = cursor.fetchone()[0].split(" on ")[0]
    return {"meta": meta, "results": [asdict(r) for r in bench.results]}


USERNAMES = ["pekerja.samarinda", "supervisor.samarinda", "supervisor.provinsi"]


def get_each(client: Any, path_of: Callable[[int], str]) -> Callable[[int], Any]:
    def step(i: int) -> Any:
        return check(client.get(path_of(i)))

    return step


class ApiFixture:
    """An API key of the caseworker's office for the run (deleted after), or the
    session when the api app has no keys."""

    def __init__(self, caseworker: Any):
        self.caseworker = caseworker
        self.key: Any = None
        self.clear_key = ""
        self.auth = "session"
        self.rows = 0
        self._client: Any = None
        self._ids: list[int] = []
        self._box = "outbox"

    def client(self) -> Any:
        from django.test import Client

        if self._client is not None:
            return self._client
        try:
            import api.services as api_services
        except ImportError:
            api_services = None  # type: ignore[assignment]
        api_key_create: Callable[..., Any] | None = getattr(api_services, "api_key_create", None)
        if api_key_create is not None:
            from django.contrib.auth import get_user_model

            admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
            if admin is None:
                raise NotAvailable("no superuser to create an API key")
            self.key, self.clear_key = api_key_create(
                actor=admin,
                organization=self.caseworker.organization,
                name="bench",
                role="caseworker",
            )
            self._client = Client(HTTP_AUTHORIZATION=f"Api-Key {self.clear_key}")
            self.auth = "API key (dinsos-samarinda, caseworker role)"
        else:
            self._client = Client()
            self._client.force_login(self.caseworker)
        return self._client

    def list_url(self) -> str:
        return f"{url_for('api:referrals')}?box={self._box}"

    def _queryset(self) -> Any:
        from referrals.selectors import referral_list

        user = self.key.user if self.key is not None else self.caseworker
        return referral_list(user=user, box=self._box)

    def deep_url(self) -> str:
        """A cursor at half the list, built the way the paginator builds its own."""
        from rest_framework.pagination import Cursor

        from api.views.referrals import ReferralListView

        self.client()
        queryset = self._queryset()
        self.rows = queryset.count()
        middle = queryset[self.rows // 2 : self.rows // 2 + 1].first()
        if middle is None:
            raise NotAvailable("no referrals in the list")
        if ReferralListView.pagination_class is None:
            raise NotAvailable("the API referral list is not paginated")
        paginator: Any = ReferralListView.pagination_class()
        field_name = paginator.ordering[0].lstrip("-")
        paginator.base_url = f"http://testserver{self.list_url()}"
        position = str(getattr(middle, field_name))
        url = paginator.encode_cursor(Cursor(offset=0, reverse=False, position=position))  # type: ignore[arg-type]
        return url.removeprefix("http://testserver")

    def detail_url(self, i: int) -> str:
        if not self._ids:
            self._ids = list(self._queryset().values_list("pk", flat=True)[:50])
            if not self._ids:
                raise NotAvailable("no referrals in the list")
        return url_for("api:referral", pk=self._ids[i % len(self._ids)])

    def close(self) -> None:
        if self.key is not None:
            self.key.delete()


def stats_aggregate() -> Callable[[int], Any]:
    """The rebuild's SELECT ... GROUP BY statements without the writes, each run
    to the end (the rows are counted in the database, not sent)."""
    try:
        from stats import rollup
    except ImportError:
        raise NotAvailable("stats.rollup") from None
    from django.db import connection
    from django.utils import timezone

    statements = rollup._statements(rollup._Dialect(connection.vendor))
    params = rollup._params(timezone.now())
    selects = [re.sub(r"^INSERT INTO \S+ \([^)]*\)\s*", "", sql) for _, _, sql in statements]

    def step(i: int) -> Any:
        with connection.cursor() as cursor:
            for select in selects:
                # COUNT(q.*) needs every column, so no aggregate is optimised away
                cursor.execute(f"SELECT COUNT(q.*) FROM ({select}) AS q", params)
                cursor.fetchone()

    return step


def run_rebuild(args: argparse.Namespace) -> dict[str, Any]:
    """The full statistics rebuild, as the Celery task runs it."""
    setup_django(args.rebuild_worker)
    result = Result("full statistics rebuild", "rebuild")
    try:
        from stats.rollup import rebuild
    except ImportError:
        result.error = "not available: stats.rollup.rebuild"
    else:
        for _ in range(args.rebuild_repeat):
            started = time.perf_counter()
            rebuild(trigger="bench") if _accepts_trigger(rebuild) else rebuild()
            result.timings.append((time.perf_counter() - started) * 1000)
    current, peak = rss_mb()
    return {"result": asdict(result), "peak_rss_mb": round(peak, 1)}


def _accepts_trigger(function: Callable[..., Any]) -> bool:
    import inspect

    return "trigger" in inspect.signature(function).parameters


# --- the parent: run both scales, print, write the note ---------------------------------


def database_url(url: str | None, name: str | None, server: str) -> str | None:
    if url:
        return url
    if name:
        return server.rstrip("/") + "/" + name
    return None


def run_child(flag: str, url: str, args: argparse.Namespace, label: str) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        flag,
        url,
        "--json-out",
        out,
        "--repeat",
        str(args.repeat),
        "--warmup",
        str(args.warmup),
        "--rebuild-repeat",
        str(args.rebuild_repeat),
    ]
    if args.only:
        command += ["--only", args.only]
    if args.explain:
        command += ["--explain", str(Path(args.explain).with_suffix(f".{label}.txt"))]
    env = dict(os.environ)
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    # The workers log as the application does (access log lines): to a file, so
    # their cost is measured but the terminal shows progress only.
    log = Path(args.log)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as stderr:
        completed = subprocess.run(command, env=env, cwd=ROOT, stdout=sys.stderr, stderr=stderr)
    if completed.returncode:
        tail = "\n".join(log.read_text().splitlines()[-3:])
        raise SystemExit(f"{flag} {url} failed (exit {completed.returncode}):\n{tail}\n(see {log})")
    data = json.loads(Path(out).read_text())
    Path(out).unlink()
    return data


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "memory": memory,
        "cpu": cpu,
        "python": platform.python_version(),
        "commit": commit,
    }


def fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value / 1000:.2f} s" if value >= 10_000 else f"{value:.1f}"


def verdict(kind: str, small: Result | None, large: Result, raw_aggregate: Result | None) -> str:
    label, limit, ratio = BUDGETS[kind]
    if kind == "reference" or large.p95 is None:
        return ""
    problems = []
    if limit is not None and large.p95 > limit:
        problems.append(f"> {fmt(limit)}")
    if ratio and small is not None and small.p95 and large.p95 > ratio * small.p95:
        problems.append(f"> {ratio:g}× small")
    raw = raw_aggregate.p50 if raw_aggregate is not None else None
    if kind == "rebuild" and raw and large.p50 and large.p50 > 2 * raw:
        problems.append("> 2× raw aggregate")
    return "OVER: " + ", ".join(problems) if problems else "ok"


def table(small: dict[str, Any], large: dict[str, Any], names: tuple[str, str]) -> list[str]:
    small_results = {r["name"]: Result(**r) for r in small["results"]}
    large_results = {r["name"]: Result(**r) for r in large["results"]}
    small_results["full statistics rebuild"] = Result(**small["rebuild"]["result"])
    large_results["full statistics rebuild"] = Result(**large["rebuild"]["result"])
    raw_large = large_results.get("raw SQL: statistics aggregate")
    small_name, large_name = names
    lines = [
        f"| measurement | queries | {small_name} p50 | {small_name} p95 | {large_name} p50 "
        f"| {large_name} p95 | p95 ×small | budget (p95) | verdict |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for name, result in large_results.items():
        other = small_results.get(name)
        if result.error:
            lines.append(f"| {name} | | | | | | | | {result.error} |")
            continue
        ratio = (
            f"{result.p95 / other.p95:.1f}×"
            if other is not None and other.p95 and result.p95
            else "—"
        )
        queries = "" if result.queries is None else str(result.queries)
        if other is not None and other.queries is not None and other.queries != result.queries:
            queries = f"{other.queries} → {result.queries}"
        lines.append(
            f"| {name} | {queries} | {fmt(other.p50 if other else None)} "
            f"| {fmt(other.p95 if other else None)} | {fmt(result.p50)} | {fmt(result.p95)} "
            f"| {ratio} | {BUDGETS[result.kind][0]} | "
            f"{verdict(result.kind, other, result, raw_large)} |"
        )
    return lines


def scale_name(meta: dict[str, Any]) -> str:
    n = meta["beneficiaries"]
    return f"{n / 1_000_000:g}M" if n >= 1_000_000 else f"{n / 1000:g}k"


def report(small: dict[str, Any], large: dict[str, Any], args: argparse.Namespace) -> str:
    names = (scale_name(small["meta"]), scale_name(large["meta"]))
    info = machine()
    lines = [
        f"Run {dt.datetime.now(dt.UTC).astimezone().strftime('%Y-%m-%d %H:%M %Z')} "
        f"(commit {info['commit']}) by `bench/run.py --repeat {args.repeat}`.",
        "",
        f"Machine: {info['nproc']} cores ({info['cpu']}), {info['memory']} RAM; "
        f"{large['meta']['postgres']}; Python {info['python']}; DEBUG off, "
        f"{'Redis' if args.redis_url or os.environ.get('REDIS_URL') else 'local-memory'} cache.",
        "",
        "| scale | beneficiaries | cases | referrals | cases of pekerja.samarinda "
        "| web RSS now / peak | rebuild peak RSS |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, data in zip(names, (small, large), strict=True):
        meta = data["meta"]
        lines.append(
            f"| {name} | {meta['beneficiaries']:,} | {meta['cases']:,} | {meta['referrals']:,} "
            f"| {meta['caseworker_cases']:,} | {meta['web_rss_mb']:.0f} / "
            f"{meta['web_peak_rss_mb']:.0f} MB | {data['rebuild']['peak_rss_mb']:.0f} MB |"
        )
    lines += [
        "",
        f"Memory budgets: web worker < {WEB_RSS_BUDGET_MB} MB "
        f"({'ok' if large['meta']['web_peak_rss_mb'] < WEB_RSS_BUDGET_MB else 'OVER'}), "
        f"rebuild < {REBUILD_RSS_BUDGET_MB} MB "
        f"({'ok' if large['rebuild']['peak_rss_mb'] < REBUILD_RSS_BUDGET_MB else 'OVER'}).",
        "",
        f"Times in milliseconds unless marked; p50/p95 over {args.repeat} requests after "
        f"{args.warmup} warm-up requests (the statistics rebuild and the raw aggregate over "
        f"{args.rebuild_repeat}). Queries: per request, {names[0]} → {names[1]} when they differ. "
        f"API: {large['meta'].get('api_auth', '—')}, outbox of "
        f"{large['meta'].get('api_referrals', 0):,} referrals.",
        "",
        *table(small, large, names),
    ]
    return "\n".join(lines)


def write_note(path: Path, body: str) -> None:
    block = f"{MARK_START}\n{body}\n{MARK_END}"
    if path.exists():
        text = path.read_text()
        if MARK_START in text and MARK_END in text:
            before, rest = text.split(MARK_START, 1)
            after = rest.split(MARK_END, 1)[1]
            path.write_text(before + block + after)
            return
        path.write_text(text.rstrip() + "\n\n" + block + "\n")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Performance at province scale\n\n"
        "Produced by `make bench` (bench/run.py); data from `manage.py seed_demo --scale N`.\n\n"
        f"## Latest run\n\n{block}\n"
    )


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--large-url", help="database URL of the large scale (e.g. 1M)")
    parser.add_argument("--small-url", help="database URL of the small scale (10k)")
    parser.add_argument("--large-db", default="pmks_scale_1m", help="or its name on --server")
    parser.add_argument("--small-db", default="pmks_scale_small", help="or its name on --server")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="server URL for the names")
    # 100, not 30: the p95 of 30 requests is their second slowest, which the noise of
    # a shared virtual machine moves by a third from run to run (docs/PERFORMANCE.md).
    parser.add_argument("--repeat", type=int, default=100, help="timed requests per measurement")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rebuild-repeat", type=int, default=3)
    parser.add_argument("--only", help="only measurements whose name contains this")
    parser.add_argument("--redis-url", help="REDIS_URL for the workers (cache as in production)")
    parser.add_argument("--output", default=str(ROOT / "docs" / "PERFORMANCE.md"))
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--log", default=str(ROOT / "var" / "bench.log"), help="the workers' log output"
    )
    parser.add_argument(
        "--explain",
        metavar="FILE",
        help="also write EXPLAIN ANALYZE of each measurement's slowest queries "
        "(FILE.small.txt, FILE.large.txt)",
    )
    parser.add_argument("--worker", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--rebuild-worker", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--json-out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.worker or args.rebuild_worker:
        data = run_web(args) if args.worker else run_rebuild(args)
        Path(args.json_out).write_text(json.dumps(data))
        return 0
    small_url = database_url(args.small_url, args.small_db, args.server)
    large_url = database_url(args.large_url, args.large_db, args.server)
    if not small_url or not large_url:
        raise SystemExit("give --small-url/--small-db and --large-url/--large-db")
    runs = {}
    for label, url in (("small", small_url), ("large", large_url)):
        print(f"== {label}: {url}", file=sys.stderr, flush=True)
        # the rebuild first: the dashboards then show current figures
        print("  full statistics rebuild …", file=sys.stderr, flush=True)
        rebuild = run_child("--rebuild-worker", url, args, label)
        data = run_child("--worker", url, args, label)
        data["rebuild"] = rebuild
        runs[label] = data
    text = report(runs["small"], runs["large"], args)
    print(text)
    if not args.no_write:
        write_note(Path(args.output), text)
        print(f"\nwritten to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
