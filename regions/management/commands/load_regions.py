from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from regions.loading import SHIPPED_CSV, RegionFileError, load_file


class Command(BaseCommand):
    help = (
        "Load a Kemendagri region tree from a CSV (code,name,level,parent_code); "
        "without a path, the shipped Kaltim tree."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            type=Path,
            nargs="?",
            default=SHIPPED_CSV,
            help="CSV to load; by default the tree that ships in regions/data/.",
        )

    def handle(self, *args: object, path: Path, **options: object) -> None:
        try:
            result = load_file(path)
        except RegionFileError as exc:
            raise CommandError(f"{path}: {exc}. Nothing was changed.") from None
        levels = ", ".join(f"{level} {count}" for level, count in sorted(result.by_level.items()))
        self.stdout.write(
            f"Regions: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged ({levels})."
        )
