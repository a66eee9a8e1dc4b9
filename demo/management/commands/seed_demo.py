from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from demo.cases import seed_cases
from demo.organizations import DEMO_PASSWORD, seed_organizations
from demo.referrals import seed_referrals
from stats.demo import seed_statistics


class Command(BaseCommand):
    help = "Create the demo organizations, users, beneficiaries, cases and referrals (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--quiet-logins", action="store_true", help="Do not print the demo logins."
        )
        parser.add_argument(
            "--scale",
            type=int,
            default=0,
            metavar="N",
            help="Instead of the small demo, generate N beneficiaries with cases and "
            "referrals into an empty database (demo/scale/).",
        )
        parser.add_argument(
            "--seed", type=int, default=1, metavar="S", help="Random seed for --scale."
        )
        parser.add_argument(
            "--i-know-this-is-not-production",
            action="store_true",
            help="Seed even though DEBUG is not True (a test or staging database).",
        )

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG and not options["i_know_this_is_not_production"]:
            # The demo users share one known password: they must never reach production.
            raise CommandError(
                "seed_demo menolak berjalan: DEBUG tidak True, jadi ini mungkin server produksi. "
                "Data demo membuat pengguna dengan kata sandi yang diketahui umum. Jalankan dengan "
                "DEBUG=True (make seed), atau tambahkan --i-know-this-is-not-production bila "
                "basis data ini memang bukan produksi.\n"
                "seed_demo refuses: DEBUG is not True, so this may be a production server. "
                "The demo creates users with a publicly known password. "
                "Run it with DEBUG=True (make seed), "
                "or add --i-know-this-is-not-production if this database is not production."
            )
        if options["scale"]:
            self.handle_scale(int(options["scale"]), int(options["seed"]))  # type: ignore[call-overload]
            return
        with transaction.atomic():
            logins = seed_organizations()
            seed_cases()
            referrals = seed_referrals()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(
            f"Referrals: {referrals.referrals} new ({referrals.by_status}), "
            f"{referrals.offers} directory offers, {referrals.overdue_marked} marked overdue."
        )
        if not options["quiet_logins"]:
            self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            for login in logins:
                self.stdout.write(f"  {login.username:<24} {login.role:<13} {login.organization}")
        self.stdout.write(seed_statistics())

    def handle_scale(self, beneficiaries: int, seed: int) -> None:
        from demo.scale import DataExists, generate_scale

        try:
            # statistics=False: seed_statistics() below rebuilds them (and takes the snapshot)
            result = generate_scale(beneficiaries=beneficiaries, seed=seed, statistics=False)
        except DataExists as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Scale data ready: {result.summary()}"))
        self.stdout.write(seed_statistics())
