"""The scenarios: what a web worker measures at one scale (pages, searches,
registration, dashboards, the API and the raw SQL beside them), and the
statistics rebuild a second worker measures."""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from bench.api_fixture import ApiFixture
from bench.database import setup_django
from bench.measure import (
    Bench,
    NotAvailable,
    Result,
    check,
    get,
    get_each,
    main_sql,
    rss_mb,
    url_for,
)

USERNAMES = ["pekerja.samarinda", "supervisor.samarinda", "supervisor.provinsi"]


@dataclass
class Web:
    """One web worker's run: its logged-in clients and the sample it draws from."""

    bench: Bench
    caseworker: Any
    clients: dict[str, Any]
    people: list[tuple[Any, ...]]  # (full name, NIK, birth date, regency id, sex)
    niks: list[tuple[Any, ...]]  # the people with a NIK
    case_ids: list[int]
    page_size: int
    meta: dict[str, Any]

    @property
    def cw(self) -> Any:
        return self.clients["pekerja.samarinda"]


def _clients() -> tuple[Any, dict[str, Any]]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    users = {u.username: u for u in get_user_model().objects.filter(username__in=USERNAMES)}
    missing = set(USERNAMES) - set(users)
    if missing:
        raise SystemExit(f"missing demo users {sorted(missing)}: run seed_demo --scale first")
    clients = {}
    for username, user in users.items():
        clients[username] = Client()
        clients[username].force_login(user)
    return users["pekerja.samarinda"], clients


def _web(args: argparse.Namespace) -> Web:
    """The clients, and a sample of the caseworker's cases and their people."""
    from django.db.models.functions import Mod

    from cases.models import Beneficiary, Case
    from referrals.models import Referral

    bench = Bench(args.repeat, args.warmup, args.only, args.explain)
    caseworker, clients = _clients()
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
    niks = [p for p in people if p[1]]
    case_ids = [pk for pk, _ in sample]
    return Web(bench, caseworker, clients, people, niks, case_ids, PAGE_SIZE, meta)


# --- caseworker case list


def deep_page(web: Web, filters: dict[str, Any]) -> dict[str, Any]:
    """The query of the page halfway down the caseworker's list: ?after= the
    cursor of the row before it when the list pages by cursor, else ?page=N."""
    from cases import selectors

    rows = selectors.case_list(user=web.caseworker, filters=filters)
    number = max(1, rows.count() // web.page_size // 2)
    if not hasattr(selectors, "case_cursor") or number == 1:
        return {**filters, "page": number}
    newest_first = rows.select_related(None).only("opened_at").order_by("-opened_at", "-pk")
    before = newest_first[(number - 1) * web.page_size - 1]
    return {**filters, "after": selectors.case_cursor(before)}


def measure_case_list(web: Web) -> None:
    from cases.models import PmksCategory

    bench, cw, people, niks = web.bench, web.cw, web.people, web.niks

    def case_list(filters: dict[str, Any], deep: bool) -> Callable[[int], Any]:
        path = url_for("cases:case_list")
        params = deep_page(web, filters) if deep else dict(filters)
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


def find_matches(web: Web) -> Callable[[int], Any]:
    try:
        from cases.selectors import beneficiary_find_matches
    except ImportError:
        raise NotAvailable("cases.selectors.beneficiary_find_matches") from None

    def step(i: int) -> Any:
        name, _, birth_date, regency_id, _ = web.people[i % len(web.people)]
        return beneficiary_find_matches(full_name=name, birth_date=birth_date, regency=regency_id)

    return step


def register(web: Web, with_nik: bool) -> Callable[[int], Any]:
    from django.db import transaction

    path = url_for("cases:beneficiary_register")
    rows = web.niks if with_nik else web.people

    def step(i: int) -> Any:
        name, nik, birth_date, regency_id, sex = rows[i % len(rows)]
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
            response = check(web.cw.post(path, data))
            transaction.set_rollback(True)
        return response

    return step


def measure_registration(web: Web) -> None:
    bench = web.bench
    bench.measure("duplicate check (selector find_matches)", "page", lambda: find_matches(web))
    bench.measure("registration, existing NIK (POST)", "page", lambda: register(web, True))
    bench.measure("registration, likely matches (POST)", "page", lambda: register(web, False))


# --- case page, referral inbox, dashboards, API


def measure_pages(web: Web) -> None:
    bench, cw, case_ids, clients = web.bench, web.cw, web.case_ids, web.clients
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


def measure_api(web: Web) -> None:
    bench = web.bench
    api = ApiFixture(web.caseworker)
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
    web.meta["api_auth"] = api.auth
    web.meta["api_referrals"] = api.rows


# --- raw SQL of the case list and the statistics, for reference


def raw(web: Web, path: str, params: dict[str, Any]) -> Callable[[int], Any]:
    from urllib.parse import urlencode

    from django.db import connection

    sql = main_sql(web.cw, f"{path}?{urlencode(params)}" if params else path, "cases_case")

    def step(i: int) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    return step


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


def measure_raw_sql(web: Web, args: argparse.Namespace) -> None:
    bench = web.bench
    bench.measure(
        "raw SQL: case list page 1",
        "reference",
        lambda: raw(web, url_for("cases:case_list"), {}),
        count_queries=False,
    )
    bench.measure(
        "raw SQL: case list deep page",
        "reference",
        lambda: raw(web, url_for("cases:case_list"), deep_page(web, {})),
        count_queries=False,
    )
    bench.measure(
        "raw SQL: search by NIK",
        "reference",
        lambda: raw(web, url_for("cases:case_list"), {"q": web.niks[0][1]}),
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


# --- the workers


def run_web(args: argparse.Namespace) -> dict[str, Any]:
    """Every web measurement at one scale, in the order the table lists them."""
    setup_django(args.worker)
    from django.db import connection

    web = _web(args)
    # --- reference: the framework's floor
    web.bench.measure(
        "empty Django view (floor)", "reference", lambda: get(web.cw, url_for("bench_empty"))
    )
    measure_case_list(web)
    measure_registration(web)
    measure_pages(web)
    measure_api(web)
    measure_raw_sql(web, args)
    current, peak = rss_mb()
    web.meta["web_rss_mb"] = round(current, 1)
    web.meta["web_peak_rss_mb"] = round(peak, 1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        web.meta["postgres"] = cursor.fetchone()[0].split(" on ")[0]
    return {"meta": web.meta, "results": [asdict(r) for r in web.bench.results]}


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
