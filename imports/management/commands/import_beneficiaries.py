"""manage.py import_beneficiaries FILE --org CODE [--dry-run]: the same import as the
page (same rules, same job, same history and report), run to the end here."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import Organization, User
from imports import preview, runner, services, source
from imports.columns import BY_KEY, missing_required
from imports.models import ImportJob, JobStatus
from imports.reading import BadFile
from pmks.errors import DomainError


class Command(BaseCommand):
    help = "Import beneficiaries (and households) from an XLSX or CSV file for an office."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--org", required=True, help="the importing office's code")
        parser.add_argument("--user", help="username acting (default: the office's first staff)")
        parser.add_argument("--dry-run", action="store_true", help="preview only: write nothing")
        parser.add_argument("--skip-existing", action="store_true", help="skip a registered NIK")
        parser.add_argument("--create-similar", action="store_true")
        parser.add_argument("--confirm-age-warnings", action="store_true")
        parser.add_argument("--legal-basis", default="public_task")

    def _actor(self, org_code: str, username: str | None) -> User:
        organization = Organization.objects.filter(code=org_code).first()
        if organization is None:
            raise CommandError(f"No organization with code {org_code!r}.")
        users = User.objects.filter(organization=organization, is_active=True, is_integration=False)
        if username:
            users = users.filter(username=username)
        for user in users.order_by("pk"):
            if services.may_import(user):
                return user
        raise CommandError(f"No active office staff of {org_code} may import.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options["org"], options["user"])
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        choices = services.Choices(
            existing_action="skip" if options["skip_existing"] else "link",
            create_similar=options["create_similar"],
            confirm_age_warnings=options["confirm_age_warnings"],
            legal_basis=options["legal_basis"],
        )
        if options["dry_run"]:
            with transaction.atomic():  # the job and its file are not kept
                job = self._upload(actor, path, choices)
                job.file.storage.delete(source.rows_copy_name(job))
                job.file.delete(save=False)
                transaction.set_rollback(True)
            self.stdout.write("Dry run: nothing written.")
            return
        job = self._upload(actor, path, choices)
        services.import_confirm(actor=actor, job=job)
        runner.import_run(job_id=job.pk)  # a no-op if the inline task or a worker has it
        job.refresh_from_db()
        while job.is_active:  # a worker took it first: wait for its end
            time.sleep(1)
            job.refresh_from_db()
        self.stdout.write(
            f"Import #{job.pk} {job.status}: new {job.count_new}, linked {job.count_linked}, "
            f"skipped {job.count_skipped}, refused {job.count_refused}, flagged "
            f"{job.count_flagged}, cases {job.count_cases}. Report: {job.report.name}"
        )

    def _upload(self, actor: User, path: Path, choices: services.Choices) -> ImportJob:
        try:
            job = services.import_upload(
                actor=actor, data=path.read_bytes(), filename=path.name, choices=choices
            )
        except BadFile as exc:
            raise CommandError(exc.message) from None
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        if job.status == JobStatus.MAPPING:
            missing = ", ".join(BY_KEY[key].header for key in missing_required(job.mapping))
            raise CommandError(
                f"Columns not recognised (missing: {missing}); headers: {job.headers}. "
                "Map them once on the import page (kept for the office) or use the template."
            )
        if job.status == JobStatus.PREVIEWING:  # a big file: previewed here, not by a worker
            job = preview.import_preview(job=job)
        self._print_preview(job)
        return job

    def _print_preview(self, job: ImportJob) -> None:
        counts = job.preview.get("counts", {})
        self.stdout.write(
            f"Import #{job.pk} of {job.file_name} ({job.total_rows} rows, sha256 {job.sha256}): "
            + ", ".join(f"{k} {v}" for k, v in counts.items())
        )
        for error in job.preview.get("errors", []):
            self.stdout.write(f"  row {error['row']}: {' '.join(error['messages'])}")
