"""The performance benchmark: p50/p95 of the pages, API calls and jobs that must
hold their budgets at province scale, through the full Django stack, at two
scales in one run. Writes docs/PERFORMANCE.md.

    make bench BENCH_ARGS="--large-db pmks_scale_1m --small-db pmks_scale_small"
    .venv/bin/python bench/run.py --large-url postgres://... --small-url postgres://...

The databases are filled with `manage.py seed_demo --scale N` (demo/scale/).
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
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.database import DEFAULT_SERVER, ROOT, database_url
from bench.report import report, write_note
from bench.scenarios import run_rebuild, run_web

# the script the workers are started with (bench/run.py --worker URL ...)
SCRIPT = ROOT / "bench" / "run.py"


def run_child(flag: str, url: str, args: argparse.Namespace, label: str) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    command = [
        sys.executable,
        str(SCRIPT),
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
