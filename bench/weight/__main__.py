"""`make weight`: what five key pages cost on a slow link (issue 15).

    .venv/bin/python -m bench.weight [--kbps 400] [--rtt-ms 400] [--host URL]

Starts `make serve` (gunicorn, DEBUG off, `collectstatic`: hashed, compressed,
long-cached static files) on a fresh SQLite database with the demo data (or
against --host, or DATABASE_URL's database when it holds the demo data), then opens
each page in Chromium (/usr/bin/chromium) with DevTools network emulation (400 kbps
down and up, 400 ms round trip): a first visit in a fresh browser context (empty
cache, no service worker) and a repeat visit in the same context. Per visit it
prints the bytes that crossed the network (encoded: after gzip/brotli), the requests
that went to the network, and the time until the page can be used
(DOMContentLoaded: the HTML parsed and every deferred script run).

Targets: the case list's first visit ≤ 60 kB; every repeat visit ≤ 15 kB; first
visit ≤ 2.5 s, repeat ≤ 1 s. Exit status 1 when one is missed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.faults.parts import ROOT, Service, free_port, http_ok
from bench.faults.stack import STATIC_ROOT

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "demo-pmks-2026"  # noqa: S105 - the documented demo password
# (label, login or None for anonymous, path)
PAGES = [
    ("login", None, "/akun/masuk/"),
    ("case list", "pekerja.samarinda", "/kasus/"),
    ("case detail", "pekerja.samarinda", "{case}"),
    ("registration form", "pekerja.samarinda", "/kasus/penerima/daftar/"),
    ("dashboard", "supervisor.samarinda", "/statistik/"),
]
FIRST_KB_CASE_LIST, REPEAT_KB = 60, 15
FIRST_S, REPEAT_S = 2.5, 1.0


@dataclass
class Visit:
    bytes: int
    requests: int
    usable_ms: float


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make weight", description=__doc__.split("\n")[0])
    parser.add_argument("--kbps", type=int, default=400)
    parser.add_argument("--rtt-ms", type=int, default=400)
    parser.add_argument("--host", help="a running server with the demo data")
    parser.add_argument("--only", help="measure only the page with this label")
    return parser.parse_args(argv)


def prepare_database(tmp: Path, env: dict[str, str]) -> None:
    """A fresh SQLite database with the regions and the demo data."""
    seed_env = {**env, "DEBUG": "True"}
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "-v0"], ["load_regions", "regions/data/regions_kaltim.csv"]):
        subprocess.run([*manage, *command], env=seed_env, cwd=ROOT, check=True)  # noqa: S603
    seed = [*manage, "seed_demo", "--quiet-logins"]
    subprocess.run(seed, env=seed_env, cwd=ROOT, check=True)  # noqa: S603


def server_env(tmp: Path, port: int) -> dict[str, str]:
    env = {
        **os.environ,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "weight-only-not-secret"),
        "DEBUG": "False",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "STATIC_ROOT": STATIC_ROOT,  # kept between runs: collectstatic copies what changed
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    if not env.get("DATABASE_URL"):
        env["SQLITE_PATH"] = str(tmp / "weight.sqlite3")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def emulate(page: Any, kbps: int, rtt_ms: int) -> tuple[Any, dict[str, Any]]:
    """DevTools network emulation on `page`; returns the session and its counters."""
    session = page.context.new_cdp_session(page)
    counters: dict[str, Any] = {"bytes": 0, "requests": 0, "urls": {}, "sizes": []}
    session.send("Network.enable")
    session.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": rtt_ms,
            "downloadThroughput": kbps * 1000 / 8,
            "uploadThroughput": kbps * 1000 / 8,
        },
    )
    # Network.setCacheDisabled is left alone: the repeat visit is about the cache.
    # Requests a service worker forwards are fetched in its own target, out of this
    # session's sight, so the page's requests bypass it: what is measured is the
    # HTTP cache (hashed static files, a year) and the no-store pages fetched fresh.
    session.send("Network.setBypassServiceWorker", {"bypass": True})

    def on_response(event: dict[str, Any]) -> None:
        counters["urls"][event["requestId"]] = event["response"]["url"]

    def on_finished(event: dict[str, Any]) -> None:
        size = int(event.get("encodedDataLength", 0))
        counters["bytes"] += size
        counters["requests"] += 1 if size else 0  # a cache hit moves no byte
        counters["sizes"].append((counters["urls"].get(event["requestId"], "?"), size))

    session.on("Network.responseReceived", on_response)
    session.on("Network.loadingFinished", on_finished)
    return session, counters


def visit(page: Any, url: str, counters: dict[str, Any]) -> Visit:
    counters["bytes"] = counters["requests"] = 0
    counters["sizes"] = []
    page.goto(url, wait_until="load", timeout=120_000)
    usable = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0];"
        " return n.domContentLoadedEventEnd - n.startTime; }"
    )
    page.wait_for_timeout(300)  # late responses (e.g. the service worker's) are counted
    if os.environ.get("WEIGHT_DETAIL"):
        for seen_url, size in counters["sizes"]:
            print(f"  {size / 1000:6.1f} kB  {seen_url}")
    return Visit(bytes=counters["bytes"], requests=counters["requests"], usable_ms=usable)


def log_in(context: Any, base: str, username: str) -> None:
    """A session for `username` without loading the login page in the measured page."""
    context.request.get(base + "/akun/masuk/")
    token = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
    answer = context.request.post(
        base + "/akun/masuk/",
        form={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": base + "/akun/masuk/"},
        max_redirects=0,
    )
    if answer.status != 302:
        raise SystemExit(f"login of {username} failed: {answer.status}")


def first_case(context: Any, base: str) -> str:
    """The path of the first case in the caseworker's list."""
    html = context.request.get(base + "/kasus/").text()
    match = re.search(r'href="(/kasus/\d+/)"', html)
    if not match:
        raise SystemExit("the case list shows no case: is the demo data loaded?")
    return match.group(1)


def measure(browser: Any, base: str, args: argparse.Namespace) -> list[tuple[str, Visit, Visit]]:
    rows = []
    for label, username, path in PAGES:
        if args.only and label != args.only:
            continue
        context = browser.new_context(locale="id-ID", timezone_id="Asia/Makassar")
        try:
            if username:
                log_in(context, base, username)
            if "{case}" in path:
                path = first_case(context, base)
            page = context.new_page()
            _session, counters = emulate(page, args.kbps, args.rtt_ms)
            first = visit(page, base + path, counters)
            page.wait_for_timeout(1500)  # the service worker installs and caches the shell
            repeat = visit(page, base + path, counters)
            rows.append((label, first, repeat))
        finally:
            context.close()
    return rows


def report(rows: list[tuple[str, Visit, Visit]], args: argparse.Namespace) -> bool:
    print(f"\n{args.kbps} kbps, {args.rtt_ms} ms round trip (Chromium DevTools emulation)\n")
    print("| page | first: kB | requests | usable | repeat: kB | requests | usable | targets |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    met = True
    for label, first, repeat in rows:
        failures = []
        if label == "case list" and first.bytes > FIRST_KB_CASE_LIST * 1000:
            failures.append(f"first > {FIRST_KB_CASE_LIST} kB")
        if repeat.bytes > REPEAT_KB * 1000:
            failures.append(f"repeat > {REPEAT_KB} kB")
        if first.usable_ms > FIRST_S * 1000:
            failures.append(f"first > {FIRST_S} s")
        if repeat.usable_ms > REPEAT_S * 1000:
            failures.append(f"repeat > {REPEAT_S} s")
        met = met and not failures
        verdict = "FAIL: " + ", ".join(failures) if failures else "ok"
        print(f"| {label} | {_cells(first)} | {_cells(repeat)} | {verdict} |")
    return met


def _cells(seen: Visit) -> str:
    return f"{seen.bytes / 1000:.1f} | {seen.requests} | {seen.usable_ms / 1000:.2f} s"


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    args = parse(argv)
    tmp = Path(tempfile.mkdtemp(prefix="pmks-weight-"))
    port = free_port()
    base = args.host or f"http://127.0.0.1:{port}"
    env = server_env(tmp, port)
    services: list[Service] = []
    try:
        if not args.host:
            if not os.environ.get("DATABASE_URL"):
                prepare_database(tmp, env)
            web = Service(
                "web", ["serve"], env, tmp / "web.log", lambda _s: http_ok(base + "/healthz/live")
            )
            services.append(web)
            web.start(wait=900)  # the first collectstatic compresses every file
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            started = time.monotonic()
            rows = measure(browser, base, args)
            browser.close()
    finally:
        for service in services:
            service.stop()
    met = report(rows, args)
    print(f"\nmeasured in {time.monotonic() - started:.0f} s; server log in {tmp}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
