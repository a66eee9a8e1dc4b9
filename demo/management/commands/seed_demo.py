from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from demo.organizations import DEMO_PASSWORD, seed_organizations


class Command(BaseCommand):
    help = "Create the demo organizations, users, beneficiaries, cases and referrals (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--quiet-logins", action="store_true", help="Do not print the demo logins."
        )

    def handle(self, *args: object, **options: object) -> None:
        with transaction.atomic():
            logins = seed_organizations()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        if not options["quiet_logins"]:
            self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            for login in logins:
                self.stdout.write(f"  {login.username:<24} {login.role:<13} {login.organization}")
