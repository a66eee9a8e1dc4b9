#!/usr/bin/env python
"""p50/p95 of the API's referral list and detail on the database the environment
configures (the demo data, or a generated province), through the full Django
stack in-process (middleware, API key authentication, throttling, scoping,
serialization, the access log), with django.test.Client.

    SQLITE_PATH=/tmp/pmks_api.sqlite3 DEBUG=True .venv/bin/python manage.py seed_demo
    SQLITE_PATH=/tmp/pmks_api.sqlite3 DEBUG=True .venv/bin/python bench/api_latency.py
    DATABASE_URL=postgres://... DEBUG=True .venv/bin/python bench/api_latency.py -n 300

By default it measures the inbox of the organization that received the most
referrals. It creates an API key for the run (with the demo's admin) and deletes
it afterwards; reading a detail writes the personal-data access log, as in
production.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmks.settings")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[rank]


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--requests", type=int, default=200, help="per endpoint")
    parser.add_argument("--org", help="organization code (default: most referrals received)")
    parser.add_argument("--page-size", type=int, default=25)
    return parser.parse_args()


def target_organization(code: str | None) -> Any:
    """The organization named, else the one that received the most referrals (or None)."""
    from django.db.models import Count

    from accounts.models import Organization
    from referrals.models import Referral

    if code:
        return Organization.objects.get(code=code)
    top = Referral.objects.values("to_org").annotate(n=Count("pk")).order_by("-n", "to_org").first()
    return None if top is None else Organization.objects.get(pk=top["to_org"])


def key_admin() -> Any:
    from accounts.models import Role, User

    return (
        User.objects.filter(is_superuser=True).first()
        or User.objects.filter(role=Role.ADMIN).first()
    )


def measure(
    client: Any, requests: int, url_for_index: Callable[[int], str]
) -> tuple[list[float], int]:
    """Timings (ms) of `requests` GETs after ten warm-up ones, and the queries of one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings: list[float] = []
    for i in range(requests + 10):
        url = url_for_index(i)
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code, response.content)
        if i >= 10:  # the first ten warm the caches
            timings.append(elapsed)
    with CaptureQueriesContext(connection) as queries:
        client.get(url_for_index(0))
    return timings, len(queries.captured_queries)


def measure_endpoints(
    client: Any, args: argparse.Namespace, inbox: list[int]
) -> dict[str, tuple[list[float], int]]:
    import django
    from django.test import override_settings

    list_url = f"/api/v1/referrals/?page_size={args.page_size}"
    with override_settings(
        REST_FRAMEWORK={
            **django.conf.settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"api_key": "1000000/minute"},
        }
    ):
        return {
            "GET /api/v1/referrals/ (inbox, first page)": measure(
                client, args.requests, lambda i: list_url
            ),
            "GET /api/v1/referrals/{id}/": measure(
                client, args.requests, lambda i: f"/api/v1/referrals/{inbox[i % len(inbox)]}/"
            ),
        }


def print_results(
    organization: Any,
    rows: int,
    args: argparse.Namespace,
    results: dict[str, tuple[list[float], int]],
) -> None:
    from django.db import connection

    print(
        f"{organization.name} ({organization.code}): {rows} referrals received; "
        f"database {connection.vendor}; {args.requests} requests per endpoint, "
        f"page size {args.page_size}"
    )
    print(f"{'endpoint':48} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8} {'queries':>8}")
    for name, (timings, queries) in results.items():
        print(
            f"{name:48} {percentile(timings, 50):8.1f} {percentile(timings, 95):8.1f} "
            f"{statistics.fmean(timings):8.1f} {queries:8d}"
        )


def main() -> int:
    args = parse()
    import django

    django.setup()
    from django.test import Client

    from api.services import api_key_create
    from referrals.models import Referral

    organization = target_organization(args.org)
    if organization is None:
        print("No referrals: run `manage.py seed_demo` first.")
        return 1
    admin = key_admin()
    if admin is None:
        print("No admin user to create the key with: run `manage.py seed_demo` first.")
        return 1
    inbox = list(
        Referral.objects.filter(to_org=organization)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)[:500]
    )
    key, clear = api_key_create(actor=admin, organization=organization, name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {clear}", SERVER_NAME="localhost")
    try:
        results = measure_endpoints(client, args, inbox)
    finally:
        key.delete()
    print_results(organization, len(inbox), args, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
