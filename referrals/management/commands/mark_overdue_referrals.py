"""Run the overdue sweep once, as beat does, and say what it did and how long it took."""

import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import CaptureQueriesContext

from referrals.services.sla import mark_overdue_referrals


class Command(BaseCommand):
    help = "Mark pending referrals past their due date as overdue and notify both sides (once)."

    def handle(self, *args: object, **options: object) -> None:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            marked = mark_overdue_referrals()
            elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{marked} referrals marked overdue in {elapsed * 1000:.1f} ms "
            f"({len(queries)} queries)."
        )
