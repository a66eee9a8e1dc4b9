"""The live parts of `make faults`, each a real process this run owns: a private
Postgres cluster under /tmp (never the shared one), its own redis-server, the
`make serve` / `make worker` / `make beat` entry points, and a webhook receiver."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for(predicate: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


class PrivatePostgres:
    """A throw-away cluster (initdb) on a free port; trust auth on loopback only.
    Run as the postgres user when this process is root (initdb refuses root)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="pmks-faults-pg-"))
        self.data = self.base / "data"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.base, "postgres", "postgres")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, *command: str) -> None:
        subprocess.run([*self.as_postgres, *command], check=True, capture_output=True)  # noqa: S603

    def init(self, database: str) -> None:
        self._run(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
            "--auth=trust", "-E", "UTF8", "--locale=C",
        )  # fmt: skip
        self.start()
        self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), database)

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
            "-c max_connections=200 -c fsync=off -c shared_buffers=128MB"
        )
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.base / "log"),
            "-o", options, "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


class RedisServer:
    """Our own redis-server on a free port, with the compose persistence (AOF)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tempfile.mkdtemp(prefix="pmks-faults-redis-")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir]
            + ["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: port_open(self.port), 10, "redis-server")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class Service:
    """One `make <target>` in its own process group, restarted when it exits on
    its own (as compose's `restart: unless-stopped` does); `restarts` counts those."""

    name: str
    target: list[str]
    env: dict[str, str]
    log: Path
    ready: Callable[[Service], bool]
    process: subprocess.Popen[bytes] | None = None
    wanted: bool = False
    restarts: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, wait: float = 90) -> None:
        with self._lock:
            self._spawn()
            self.wanted = True
        wait_for(lambda: self.ready(self), wait, f"{self.name} ready")

    def _spawn(self) -> None:
        self.mark = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603
                ["make", "-s", "-o", ".venv/.installed", *self.target],  # noqa: S607
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output_since_start(self) -> str:
        with self.log.open("rb") as log:
            log.seek(self.mark)
            return log.read().decode(errors="replace")

    def signal(self, signum: int) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signum)

    def kill9(self) -> None:
        with self._lock:
            self.wanted = False
            self.signal(signal.SIGKILL)
            if self.process is not None:
                self.process.wait(10)

    def stop(self) -> None:
        with self._lock:
            self.wanted = False
            self.signal(signal.SIGTERM)
            if self.process is None:
                return
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.process.wait(10)

    def supervise_once(self) -> None:
        with self._lock:
            if self.wanted and self.process is not None and self.process.poll() is not None:
                self.restarts += 1
                self._spawn()


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except OSError:
        return False


@dataclass
class Hit:
    event_id: str
    endpoint: str
    event: str
    referral: int


class Receiver:
    """A partner's webhook receiver: records every POST and processes each event id
    once (as docs/api.md asks receivers to). `delay` slows each answer."""

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self.processed: dict[str, Hit] = {}
        self.delay = 0.0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                hit = Hit(
                    event_id=self.headers["X-PMKS-Event-Id"],
                    endpoint=self.path.rsplit("/", 1)[-1],
                    event=body["event"],
                    referral=body["referral"]["id"],
                )
                receiver.record(hit, body)
                time.sleep(receiver.delay)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def record(self, hit: Hit, body: dict[str, Any]) -> None:
        if body.get("event_id") != hit.event_id:
            raise ValueError("event id differs between the header and the body")
        with self.lock:
            self.hits.append(hit)
            self.processed.setdefault(hit.event_id, hit)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
