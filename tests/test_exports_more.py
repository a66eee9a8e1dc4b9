"""Exports of households and of the import history (issue 16), and the two ways of
writing a CSV (Postgres's COPY, the ORM's iterator) giving the same rows."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cases.factories import BeneficiaryFactory, CaseFactory
from exports import datasets, writers
from households.models import Household, HouseholdMember
from imports.models import ImportJob

pytestmark = pytest.mark.django_db

KK_OURS = "6472010101010001"
KK_THEIRS = "6471010101010002"


def _rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def _household(org, no_kk, head):  # type: ignore[no-untyped-def]
    household = Household.objects.create(
        no_kk=no_kk,
        regency=org.region,
        registered_by_org=org,
        registered_regency=org.region,
        head=head,
        in_dtsen=True,
        desil=2,
        aid=["pkh", "blt"],
    )
    HouseholdMember.objects.create(household=household, beneficiary=head, relationship="kepala")
    return household


def test_households_come_out_scoped_with_no_kk_as_text(client, orgs, alice):  # type: ignore[no-untyped-def]
    ours = CaseFactory(owner_org=orgs["samarinda"]).beneficiary
    theirs = CaseFactory(owner_org=orgs["balikpapan"]).beneficiary
    _household(orgs["samarinda"], KK_OURS, ours)
    _household(orgs["balikpapan"], KK_THEIRS, theirs)
    client.force_login(alice)
    header, *rows = _rows(client.get(reverse("exports:start", args=["households", "csv"])))
    assert [row[0] for row in rows] == [KK_OURS]
    shown = dict(zip(header, rows[0], strict=True))
    assert shown["Kepala keluarga"] == ours.full_name
    assert shown["Terdaftar di DTSEN"] == "Ya" and shown["Desil DTSEN"] == "2"
    assert shown["PKH (Program Keluarga Harapan)"] == "Ya" and shown["BPNT/Sembako"] == "Tidak"
    response = client.get(reverse("exports:start", args=["households", "xlsx"]))
    kk = load_workbook(io.BytesIO(response.content)).active["A2"]
    assert kk.value == KK_OURS and kk.number_format == "@"


def test_the_import_history_is_its_people_only(client, orgs, alice, amir, sari):  # type: ignore[no-untyped-def]
    ImportJob.objects.create(
        organization=orgs["samarinda"],
        regency=orgs["samarinda"].region,
        created_by=alice,
        file_name="=cmd.xlsx",
        sha256="a" * 64,
        total_rows=10,
        count_new=7,
    )
    client.force_login(amir)
    assert len(_rows(client.get(reverse("exports:start", args=["imports", "csv"])))) == 1
    for user in (alice, sari):
        client.force_login(user)
        rows = _rows(client.get(reverse("exports:start", args=["imports", "csv"])))
        assert len(rows) == 2 and rows[1][1] == "'=cmd.xlsx" and rows[1][6] == "7"


@pytest.mark.parametrize("name", ["cases", "beneficiaries", "referrals", "services"])
def test_the_file_writer_and_the_stream_give_the_same_rows(prov, orgs, name):  # type: ignore[no-untyped-def]
    """On Postgres write_csv is COPY; the stream is the iterator: same cells."""
    person = BeneficiaryFactory(
        registered_by_org=orgs["samarinda"],
        full_name='-1+1 "kutip", koma\nbaris baru',
        address="@SUM(A1)",
        birth_place="\tTab",
    )
    CaseFactory(owner_org=orgs["samarinda"], beneficiary=person, beneficiary_name=person.full_name)
    CaseFactory(owner_org=orgs["balikpapan"])
    dataset = datasets.build(name, prov, {"box": "all"} if name == "referrals" else {})
    out = io.BytesIO()
    count = writers.write_csv(dataset, out)
    from_file = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8").removeprefix("\ufeff"))))
    streamed = "".join(writers.stream_csv(dataset)).removeprefix("\ufeff")
    assert from_file == list(csv.reader(io.StringIO(streamed)))
    assert count == len(from_file) - 1
    if name == "beneficiaries":
        cells = {value for row in from_file[1:] for value in row}
        assert {'\'-1+1 "kutip", koma\nbaris baru', "'@SUM(A1)", "'\tTab"} <= cells


def test_an_xlsx_past_a_sheet_s_rows_goes_on_in_the_next_sheet(prov, orgs):  # type: ignore[no-untyped-def]
    """Excel's 1,048,576 rows a sheet, here 2: five cases on three sheets."""
    CaseFactory.create_batch(5, owner_org=orgs["samarinda"])
    out = io.BytesIO()
    assert writers.write_xlsx(datasets.build("cases", prov, {}), out, rows_per_sheet=2) == 5
    workbook = load_workbook(out)
    assert workbook.sheetnames == ["Kasus", "Kasus (2)", "Kasus (3)", "Keterangan"]
    assert [workbook[name].max_row for name in workbook.sheetnames[:3]] == [3, 3, 2]
    assert workbook["Kasus (3)"]["A1"].value == "Nomor kasus"
    assert workbook["Keterangan"]["B2"].value == 5


def test_the_import_history_page_offers_its_export(client, alice):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    page = client.get(reverse("imports:list")).content.decode()
    assert reverse("exports:start", args=["imports", "xlsx"]) + "?" in page
