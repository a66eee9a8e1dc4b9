"""`make faults`: break one part of a live stack at a time and count what is lost.

    .venv/bin/python -m bench.faults [--quick] [--worker-outage S] [--redis-outage S]
                                     [--only NAME] [--sweep-seconds S] [--keep-logs]

Starts a private Postgres cluster under /tmp, its own redis-server, `make serve`,
`make worker` and `make beat` on them, with seed_demo's data and a real webhook
receiver; runs the scenarios of bench/faults/scenarios.py and prints one row each.
Exit status 1 when an effect was lost, a request answered 500, an effect was
processed twice, or a 5xx came outside the Postgres outage.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import time

from bench.faults.scenarios import FULL, QUICK, SCENARIOS, Row, run
from bench.faults.stack import build


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make faults", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short outages (CI, development)")
    parser.add_argument("--worker-outage", type=float, help="seconds the worker is stopped")
    parser.add_argument("--redis-outage", type=float, help="seconds Redis is stopped")
    parser.add_argument("--only", action="append", help="run only this scenario (repeatable)")
    parser.add_argument(
        "--sweep-seconds", type=int, help="beat's outbox sweep interval (60; 10 with --quick)"
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the services' logs")
    return parser.parse_args(argv)


def table(rows: list[Row]) -> str:
    head: tuple[str, ...] = ("scenario", "requests", "5xx", "500", "3xx/4xx", "expected")
    head += ("delivered", "redelivered", "duplicated", "lost", "restarts", "drain s", "")
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 2) + "|---|"]
    for r in rows:
        cells: tuple[object, ...] = (r.name, r.requests, r.errors, r.errors_500, r.unexpected)
        cells += (
            r.expected,
            r.delivered,
            r.redelivered,
            r.duplicated,
            r.lost,
            r.restarts,
            f"{r.drain_seconds:.0f}",
        )
        lines.append("| " + " | ".join(map(str, (*cells, "ok" if r.ok else "FAIL"))) + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = parse(argv)
    durations = QUICK if args.quick else FULL
    if args.worker_outage is not None:
        durations = dataclasses.replace(durations, worker=args.worker_outage)
    if args.redis_outage is not None:
        durations = dataclasses.replace(durations, redis=args.redis_outage)
    sweep = args.sweep_seconds or (10 if args.quick else 60)
    scenarios = [s for s in SCENARIOS if not args.only or s.name in args.only]
    started = time.monotonic()
    stack = build(sweep, 200 if args.quick else 2000, log)
    rows: list[Row] = []
    try:
        for scenario in scenarios:
            log(f"scenario: {scenario.name}")
            rows.append(run(stack, scenario, durations))
            log(table(rows[-1:]).splitlines()[-1])
    finally:
        stack.close()
        if not args.keep_logs:
            shutil.rmtree(stack.tmp, ignore_errors=True)
        else:
            log(f"logs in {stack.tmp}")
    total = time.monotonic() - started
    print(f"\nOutages: {durations}; beat sweep every {sweep} s; total {total:.0f} s\n")
    print(table(rows))
    for row in rows:
        for failure in row.failures[:10]:
            print(f"  {row.name}: {failure}")
    return 0 if all(row.ok for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
