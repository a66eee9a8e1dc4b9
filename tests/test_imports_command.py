"""manage.py import_beneficiaries FILE --org CODE [--dry-run]."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from cases.models import Beneficiary
from imports.models import ImportJob, JobStatus
from imports.testing import person_row, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_dry_run_writes_nothing_and_a_run_imports(alice, tmp_path, capsys):
    path = tmp_path / "register.xlsx"
    path.write_bytes(xlsx_bytes([person_row(1), person_row(2, NIK="6472015705900001.0")]))
    call_command("import_beneficiaries", str(path), "--org", "dinsos-samarinda", "--dry-run")
    out = capsys.readouterr().out
    assert "new 1" in out and "refused 1" in out and "row 3" in out and "Dry run" in out
    assert ImportJob.objects.count() == 0 and Beneficiary.objects.count() == 0
    call_command("import_beneficiaries", str(path), "--org", "dinsos-samarinda")
    job = ImportJob.objects.get()
    assert job.status == JobStatus.COMPLETED and job.created_by == alice
    assert Beneficiary.objects.count() == 1
    assert "completed" in capsys.readouterr().out
    with pytest.raises(CommandError, match="sudah diimpor"):
        call_command("import_beneficiaries", str(path), "--org", "dinsos-samarinda")


def test_bad_files_and_unknown_offices_stop_with_a_message(alice, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="kosong"):
        call_command("import_beneficiaries", str(path), "--org", "dinsos-samarinda")
    with pytest.raises(CommandError, match="No organization"):
        call_command("import_beneficiaries", str(path), "--org", "nope")
