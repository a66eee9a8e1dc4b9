"""Progress lines on stderr, with an estimate of the time left."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable


def _stderr(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    """Prints what is happening every few seconds, with an estimate of the time left."""

    def __init__(self, total: int, write: Callable[[str], None], every: float = 3.0):
        self.total = total
        self.write = write
        self.every = every
        self.started = time.monotonic()
        self.generation_started = self.started
        self.last = 0.0

    def say(self, text: str) -> None:
        self.write(f"[scale {_duration(time.monotonic() - self.started)}] {text}")

    def update(self, done: int, rows: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.every:
            return
        self.last = now
        elapsed = now - self.generation_started
        rate = done / elapsed if elapsed else 0.0
        left = (self.total - done) / rate if rate else 0.0
        # Indexes, keys, VACUUM and the statistics take roughly 40% of the generation again.
        after = 0.4 * self.total / rate if rate else 0.0
        self.say(
            f"{done:,}/{self.total:,} beneficiaries ({100 * done / self.total:.0f}%), "
            f"{rows:,} rows, {rate:,.0f} beneficiaries/s, about {_duration(left + after)} left"
        )


# --- What exists already -------------------------------------------------------------------
