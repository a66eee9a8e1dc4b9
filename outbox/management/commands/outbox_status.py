"""`manage.py outbox_status`: counts per kind and state, and the lag."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from outbox.selectors import lag_seconds, status_counts

STATES = ["pending", "retrying", "sent", "dead"]


class Command(BaseCommand):
    help = "Jumlah efek tertunda per jenis dan keadaan, dan keterlambatannya."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = status_counts()
        kinds = sorted({kind for kind, _state in counts})
        self.stdout.write(f"{'kind':<12}" + "".join(f"{state:>10}" for state in STATES))
        for kind in kinds:
            cells = "".join(f"{counts.get((kind, state), 0):>10}" for state in STATES)
            self.stdout.write(f"{kind:<12}{cells}")
        lag = lag_seconds()
        self.stdout.write("lag: " + ("none due" if lag is None else f"{lag:.1f} s"))
