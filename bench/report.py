"""Reporting: the budgets and verdicts, the table that prints each figure beside
its small-scale baseline, the machine, and docs/PERFORMANCE.md between its markers."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from bench.database import ROOT
from bench.measure import Result

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
