"""A beneficiary export imported back unchanged creates nothing new (issue 16): the
import reads the export's headers and strips the neutralising `'` it added."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import Beneficiary
from cases.services import registration
from cases.testing import make_nik, person_data
from imports.services import Choices, import_upload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_exported_file_imported_back_creates_nothing_new(client, regions, alice, fmt):  # type: ignore[no-untyped-def]
    registration.beneficiary_register(
        actor=alice,
        data=person_data(regions, nik=make_nik(female=True, serial=5), address="=SUM(A1)"),
    )
    client.force_login(alice)
    response = client.get(reverse("exports:start", args=["beneficiaries", fmt]))
    data = b"".join(response.streaming_content) if response.streaming else response.content
    job = import_upload(
        actor=alice, data=data, filename=f"ekspor.{fmt}", choices=Choices(legal_basis="consent")
    )
    job.refresh_from_db()
    assert job.total_rows == 1
    counts = job.preview["counts"]
    assert counts["new"] == 0 and counts["refused"] == 0, job.preview
    assert counts["linked"] == 1, job.preview
    assert Beneficiary.objects.count() == 1
