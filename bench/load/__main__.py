"""`make load`: many people at once against `make serve` (gthread) on Postgres.

    DATABASE_URL=postgres://… .venv/bin/python -m bench.load [--users 200]
        [--duration 5m] [--spawn-rate 1.5] [--host http://…]

The database must hold the demo data (`seed_demo`, or `seed_demo --scale N`).
Creates the load logins and keys (bench/load/setup.py), starts its own
redis-server, `make serve` and `make worker` on a free port (unless --host names
a running server), runs Locust headless (bench/load/locustfile.py) with the
production throttles, then prints p50/p95/p99 and errors per kind of request.
Exit status 1 when a request failed or a p95 target is missed (page 300 ms, API
150 ms). The spawn rate stays under the login throttle's 120 logins/min per IP:
every simulated person comes from 127.0.0.1.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.faults.parts import ROOT, RedisServer, Service, free_port, http_ok
from bench.faults.stack import STATIC_ROOT

PAGE_P95_MS, API_P95_MS = 300, 150


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make load", description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--duration", default="5m", help="Locust run time: 300s, 5m, 1h")
    parser.add_argument("--spawn-rate", type=float, default=1.5, help="people started per second")
    parser.add_argument("--host", help="a running server; default: start `make serve`")
    return parser.parse_args(argv)


def environment(tmp: Path, redis_url: str, port: int) -> dict[str, str]:
    env = {
        **os.environ,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "load-only-not-secret"),
        "DEBUG": "False",
        "REDIS_URL": redis_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "STATIC_ROOT": STATIC_ROOT,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def start_stack(tmp: Path, env: dict[str, str], base: str) -> list[Service]:
    def web_ready(service: Service) -> bool:
        return http_ok(base + "/healthz/live")

    def worker_ready(service: Service) -> bool:
        return " ready." in service.output_since_start()

    services = [
        Service("web", ["serve"], env, tmp / "web.log", web_ready),
        Service("worker", ["worker"], env, tmp / "worker.log", worker_ready),
    ]
    try:
        for service in services:
            service.start(wait=300)
    except BaseException:
        for service in services:
            service.stop()
        raise
    return services


def setup_users(env: dict[str, str], users: int, out: Path) -> None:
    os.environ.update({k: v for k, v in env.items() if k not in ("PORT", "HOST")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmks.settings")
    import django

    django.setup()
    from bench.load.setup import create_load_users

    create_load_users(users, max(users * 30 // 200 + 2, 2), out)


def locust(args: argparse.Namespace, base: str, users_file: Path, prefix: Path) -> int:
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench/load/locustfile.py")]
    command += ["--headless", "--users", str(args.users), "--spawn-rate", str(args.spawn_rate)]
    command += ["--run-time", args.duration, "--host", base, "--csv", str(prefix)]
    command += ["--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10"]
    env = {**os.environ, "PMKS_LOAD_USERS": str(users_file)}
    return subprocess.run(command, env=env, cwd=ROOT, check=False).returncode  # noqa: S603


def report(stats: Path) -> bool:
    """Print the table; True when every target is met."""
    met = True
    print("\n| request | count | errors | p50 ms | p95 ms | p99 ms | target p95 |")
    print("|---|---:|---:|---:|---:|---:|---|")
    with stats.open() as handle:
        for row in csv.DictReader(handle):
            name = row["Name"]
            target = API_P95_MS if name.startswith("api") else PAGE_P95_MS
            if name == "Aggregated":
                target = 0
            p95, errors = float(row["95%"]), int(row["Failure Count"])
            ok = errors == 0 and (not target or p95 <= target)
            met = met and ok
            verdict = "" if not target else f"≤ {target} {'ok' if ok else 'MISSED'}"
            print(
                f"| {name} | {row['Request Count']} | {errors} | {row['50%']} | {row['95%']} "
                f"| {row['99%']} | {verdict} |"
            )
    return met


def main(argv: list[str]) -> int:
    args = parse(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("make load needs DATABASE_URL=postgres://… with the demo data.")
    tmp = Path(tempfile.mkdtemp(prefix="pmks-load-"))
    redis = RedisServer()
    redis.start()
    port = free_port()
    base = args.host or f"http://127.0.0.1:{port}"
    env = environment(tmp, redis.url, port)
    services: list[Service] = []
    try:
        setup_users(env, args.users, tmp / "users.json")
        services = [] if args.host else start_stack(tmp, env, base)
        started = time.monotonic()
        locust(args, base, tmp / "users.json", tmp / "locust")
    finally:
        for service in services:
            service.stop()
        redis.destroy()
    print(f"\n{args.users} users, {args.duration}, spawn rate {args.spawn_rate}/s, {base}")
    print(f"wall time {time.monotonic() - started:.0f} s; logs in {tmp}")
    return 0 if report(tmp / "locust_stats.csv") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
