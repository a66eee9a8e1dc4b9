"""A burst of logins cannot take every core (issue 13): the password hash runs at
most PASSWORD_HASH_CONCURRENCY at a time on the machine (accounts/hashers.py), and
a login that finds no slot in time gets 503 + Retry-After at once, in Indonesian,
without counting as a failed attempt.

The slots are shared between processes: the holder here is a real second process
holding the slot's lock file, as another gunicorn worker would while it hashes.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import hashers as django_hashers
from django.contrib.auth.hashers import check_password, make_password

from accounts.hashers import _slot_paths
from pmks import settings as production

pytestmark = pytest.mark.django_db

PASSWORD = "kata-sandi-uji-2026"  # noqa: S105
HOLDER = """
import fcntl, sys, time
handle = open(sys.argv[1], "ab")
fcntl.flock(handle, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.readline()
"""


@pytest.fixture
def slots(settings, tmp_path: Path) -> Any:
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS  # the suite's default is MD5
    settings.PASSWORD_HASH_LOCK_DIR = str(tmp_path)
    settings.PASSWORD_HASH_CONCURRENCY = 1
    settings.PASSWORD_HASH_WAIT_SECONDS = 1
    return settings


@contextmanager
def slot_held_by_another_process(path: str) -> Iterator[None]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait(timeout=10)


def test_a_login_with_every_slot_taken_is_refused_quickly_and_not_counted(client, alice, slots):
    alice.set_password(PASSWORD)
    alice.save()
    with slot_held_by_another_process(_slot_paths()[0]):
        started = time.monotonic()
        answer = client.post("/akun/masuk/", {"username": alice.username, "password": PASSWORD})
        waited = time.monotonic() - started
    assert answer.status_code == 503
    assert answer["Retry-After"].isdigit()
    assert "Banyak orang sedang masuk bersamaan" in answer.content.decode()
    assert 0.9 < waited < 3  # waited for a slot (1 s), then refused: no queue of minutes
    assert not AccessAttempt.objects.exists()  # the server was busy; not her failure
    # The other process is done hashing: the same login goes through.
    answer = client.post("/akun/masuk/", {"username": alice.username, "password": PASSWORD})
    assert answer.status_code == 302


def _record_concurrency(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of PBKDF2 computations running, seen by each as it runs."""
    running: list[int] = [0]
    seen: list[int] = []
    lock = threading.Lock()
    real = django_hashers.pbkdf2  # type: ignore[attr-defined]

    def counting(*args: Any, **kwargs: Any) -> bytes:
        with lock:
            running[0] += 1
            seen.append(running[0])
        try:
            time.sleep(0.05)  # widen the window: overlapping hashes would be seen
            return real(*args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(django_hashers, "pbkdf2", counting)
    return seen


@pytest.mark.parametrize("concurrency", [1, 2])
def test_parallel_hashes_never_exceed_the_slots(slots, monkeypatch, concurrency):
    slots.PASSWORD_HASH_CONCURRENCY = concurrency
    slots.PASSWORD_HASH_WAIT_SECONDS = 30
    seen = _record_concurrency(monkeypatch)
    encoded = make_password(PASSWORD)
    seen.clear()
    results: list[bool] = []

    def check() -> None:
        results.append(check_password(PASSWORD, encoded))

    threads = [threading.Thread(target=check) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [True] * 6
    assert len(seen) == 6
    assert max(seen) == concurrency


def test_the_hash_keeps_djangos_algorithm_and_strength(slots):
    from django.contrib.auth.hashers import PBKDF2PasswordHasher, identify_hasher

    encoded = make_password(PASSWORD)
    hasher = identify_hasher(encoded)
    assert encoded.startswith("pbkdf2_sha256$")
    assert hasher.iterations == PBKDF2PasswordHasher.iterations  # Django's default
    assert check_password(PASSWORD, encoded)
