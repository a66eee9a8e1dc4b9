"""`manage.py rebuild_stats`: rebuild the statistics now, by hand (waits for a
rebuild that is already running), and print what it wrote and how long it took."""

import time

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from stats.rollup import rebuild, take_snapshot


class Command(BaseCommand):
    help = "Rebuild the statistics summary tables from the live tables (one transaction)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--snapshot",
            action="store_true",
            help="Also record today's daily snapshot (cases by regency, category, status).",
        )

    def handle(self, *args: object, **options: object) -> None:
        started = time.monotonic()
        result = rebuild(trigger="command", wait=True)
        assert result is not None  # wait=True always gets the lock
        wall_ms = int((time.monotonic() - started) * 1000)
        for name, count in result.row_counts.items():
            ms = result.timings_ms.get(name, 0)
            self.stdout.write(f"  {name:<18} {count:>8} rows {ms:>7} ms")
        self.stdout.write(
            self.style.SUCCESS(
                f"Statistics rebuilt: {result.total_rows} rows in {result.duration_ms} ms "
                f"(transaction), {wall_ms} ms wall; data as of "
                f"{timezone.localtime(result.computed_at):%Y-%m-%d %H:%M:%S %Z}."
            )
        )
        if options["snapshot"]:
            rows = take_snapshot(timezone.localdate())
            self.stdout.write(f"Daily snapshot for {timezone.localdate()}: {rows} rows.")
