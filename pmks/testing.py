"""Helpers for tests that start real processes (a Celery worker, a management
command) against this test run's Postgres database and Redis.

Only tests import this module; those tests are marked celery_worker + postgres
and use transactional databases, so the processes see what the test commits.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from pmks.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
# Every queue a worker must consume (settings: CELERY_TASK_DEFAULT_QUEUE, CELERY_TASK_ROUTES).
WORKER_QUEUES = ("default", "long")


def env_for_test_database(**extra: str) -> dict[str, str]:
    """Environment for a process that works on this test run's database and Redis."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": "test-only-not-secret",
        "DEBUG": "False",
        # the test's own choice (conftest allows the local webhook receivers)
        "OUTBOUND_ALLOW_PRIVATE": str(settings.OUTBOUND_ALLOW_PRIVATE),
        **extra,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    # REDIS_URL above is already this xdist worker's (pmks/settings.py): the process
    # must not shift it again.
    env.pop("PYTEST_XDIST_WORKER", None)
    return env


@contextmanager
def celery_worker_process(**extra_env: str) -> Iterator[list[str]]:
    """A real `celery -A pmks worker` on every queue (WORKER_QUEUES), with the test database's
    environment plus `extra_env`. Waits (up to 60 s) until the worker says it is
    ready and yields its output lines as they come, for failure reports; on exit
    stops it (SIGTERM, then SIGKILL after 15 s). The queue is purged before and
    after, so no task leaks between tests."""
    celery_app.control.purge()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "pmks", "worker", "-l", "info", "--pool", "solo"]
        + ["--without-heartbeat", "--without-gossip", "--without-mingle"]
        + ["-Q", ",".join(WORKER_QUEUES)],
        cwd=ROOT,
        env=env_for_test_database(**extra_env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if " ready." in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert ready.wait(60), "".join(lines[-30:])
        yield lines
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        celery_app.control.purge()
