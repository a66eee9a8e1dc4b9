"""The password hasher: Django's PBKDF2 at Django's default strength, a few at a time.

One login costs about 0.6 s of a core (PBKDF2-SHA256, 1,000,000 iterations in Django
5.2), and hashlib runs it outside the GIL, so a burst of logins takes every core the
machine has: `make load` (issue 13) found 39% of the web workers' time in PBKDF2
while 200 people logged in, and every page waited behind it. The strength stays;
what changes is how many hashes run at once on this machine: at most
PASSWORD_HASH_CONCURRENCY (default 1, so a 2-core server keeps a core for the pages).
A hash waits up to PASSWORD_HASH_WAIT_SECONDS for a slot; past that it raises
`HashBusy`, which the login throttle (accounts/login_throttle.py) answers with
503 + Retry-After and a message in Indonesian, before the password was checked.

The slots are lock files (fcntl.flock) in PASSWORD_HASH_LOCK_DIR (default the
system's temporary folder): shared by every gunicorn process and thread of one
machine or container, freed by the kernel when a process dies. Without fcntl
(Windows) the gate is off.

The algorithm name is Django's own ("pbkdf2_sha256"), so stored hashes are the same
and need no migration; settings.PASSWORD_HASHERS lists this class in place of
Django's PBKDF2PasswordHasher (two classes with one algorithm name would shadow
each other).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

POLL_SECONDS = 0.02


class HashBusy(Exception):
    """Every password-hash slot stayed taken for PASSWORD_HASH_WAIT_SECONDS."""


def _slot_paths() -> list[str]:
    folder = settings.PASSWORD_HASH_LOCK_DIR or tempfile.gettempdir()
    count = max(int(settings.PASSWORD_HASH_CONCURRENCY), 1)
    return [os.path.join(folder, f"pmks-password-hash-{n}.lock") for n in range(count)]


def _try_slots(paths: list[str]) -> IO[bytes] | None:
    for path in paths:
        handle = open(path, "ab")  # noqa: SIM115 - held until the hash is done
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        return handle
    return None


@contextmanager
def hash_slot() -> Iterator[None]:
    """Hold one of the machine's password-hash slots while the block runs."""
    if fcntl is None or int(settings.PASSWORD_HASH_CONCURRENCY) <= 0:
        yield
        return
    paths = _slot_paths()
    deadline = time.monotonic() + float(settings.PASSWORD_HASH_WAIT_SECONDS)
    handle = _try_slots(paths)
    while handle is None:
        if time.monotonic() >= deadline:
            raise HashBusy
        time.sleep(POLL_SECONDS)
        handle = _try_slots(paths)
    try:
        yield
    finally:
        handle.close()  # closing the file releases the lock


class GatedPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2PasswordHasher whose hash waits for a slot (checking a password is a hash too)."""

    def encode(self, password: str, salt: str, iterations: int | None = None) -> str:
        with hash_slot():
            return super().encode(password, salt, iterations)
