"""`manage.py stats_generate --cases 100000`: bulk-create load for measuring the
statistics rebuild (uses existing offices, agencies and kecamatan; see
stats/generate.py). Never run it on a production database."""

import time

from django.core.management.base import BaseCommand, CommandParser

from stats.generate import generate


class Command(BaseCommand):
    help = "Bulk-create generated cases, events, services and referrals (load testing only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args: object, **options: object) -> None:
        started = time.monotonic()
        result = generate(
            cases=int(options["cases"]),  # type: ignore[call-overload]
            seed=int(options["seed"]),  # type: ignore[call-overload]
            batch_size=int(options["batch_size"]),  # type: ignore[call-overload]
        )
        seconds = time.monotonic() - started
        counts = ", ".join(f"{name} {count}" for name, count in result.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Generated {counts} in {seconds:.1f} s."))
