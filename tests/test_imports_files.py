"""Import, part 1 and 2: reading real files (openpyxl's XLSX, CSV in each encoding
and separator), bad files refused with a clear message, and the row rules."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl import Workbook

from cases.testing import make_nik
from imports.reading import BadFile, read_table
from imports.rows import Options, Reference, excel_number_problem, parse_date, parse_row
from imports.testing import HEADERS, csv_bytes, person_row, xlsx_bytes
from regions.models import Region

pytestmark = pytest.mark.django_db

# --- reading -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "delimiter", "bom"),
    [
        ("utf-8", ",", False),
        ("utf-8", ";", False),
        ("utf-8", ",", True),
        ("utf-8", ";", True),
        ("cp1252", ",", False),
        ("cp1252", ";", False),
    ],
)
def test_it_reads_csv_in_each_encoding_and_separator(encoding, delimiter, bom):
    rows = [person_row(1, **{"Nama lengkap": "Siti Zulaikhâ", "Alamat": "Jl. A, No. 3; RT 2"})]
    table = read_table(csv_bytes(rows, encoding=encoding, delimiter=delimiter, bom=bom), "a.csv")
    assert table.headers == HEADERS
    assert len(table.rows) == 1
    number, values = table.rows[0]
    assert number == 2
    assert values[1] == "Siti Zulaikhâ"
    assert values[7] == "Jl. A, No. 3; RT 2"


def test_it_reads_xlsx_values_never_formulas():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["NIK", "Nama lengkap", "Rumus"])
    sheet.append([make_nik(), "Budi", "=1+1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), "register.xlsx")
    # openpyxl wrote no cached value: data_only gives None, the formula is not run
    assert table.rows == [(2, [make_nik(), "Budi", None])]


def test_blank_rows_are_skipped_and_rows_keep_their_number():
    rows = [person_row(1), dict.fromkeys(HEADERS, ""), person_row(2)]
    table = read_table(xlsx_bytes(rows), "a.xlsx")
    assert [number for number, _v in table.rows] == [2, 4]


def _encrypted_xlsx() -> bytes:
    plain = io.BytesIO(xlsx_bytes([person_row()]))
    out = io.BytesIO()
    office = OOXMLFile(plain)
    office.encrypt("rahasia", out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"", "a.csv", "kosong"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "foto.png", "Jenis berkas tidak didukung"),
        (b"PK\x03\x04 this is not a workbook", "a.xlsx", "rusak"),
        (b"just text", "a.xlsx", "rusak"),
        (b"NIK,Nama lengkap\r\n", "a.csv", "tanpa baris data"),
        (b",,\r\n,,\r\n", "a.csv", "kosong"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "a.xls", "97-2003"),
    ],
)
def test_bad_files_get_a_clear_message(data, name, words):
    with pytest.raises(BadFile) as error:
        read_table(data, name)
    assert words in error.value.message


def test_a_password_protected_xlsx_is_refused():
    with pytest.raises(BadFile) as error:
        read_table(_encrypted_xlsx(), "register.xlsx")
    assert "kata sandi" in error.value.message


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 1000
    with pytest.raises(BadFile) as error:
        read_table(csv_bytes([person_row(n) for n in range(1, 20)]), "a.csv")
    assert "terlalu besar" in error.value.message


def test_more_rows_than_the_limit_are_refused(settings):
    settings.IMPORT_MAX_ROWS = 3
    read_table(csv_bytes([person_row(n) for n in range(1, 4)]), "a.csv")
    with pytest.raises(BadFile) as error:
        read_table(xlsx_bytes([person_row(n) for n in range(1, 5)]), "a.xlsx")
    assert "lebih dari 3 baris" in error.value.message


def test_a_sheet_without_a_header_is_refused():
    workbook = Workbook()
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(BadFile) as error:
        read_table(buffer.getvalue(), "a.xlsx")
    assert "kosong" in error.value.message


# --- cells ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["6.47201E+15", "6,47201E+15", "6472015705900001.0", 6472015705900001, 6.472015705900001e15],
)
def test_excel_mangled_niks_are_named_as_such(raw):
    message = excel_number_problem(raw, "NIK")
    assert message is not None
    assert "Excel" in message and "Teks" in message


def test_a_fifteen_digit_nik_says_the_leading_zero_may_be_lost():
    message = excel_number_problem("647201570590001", "NIK")
    assert message is not None and "15 digit" in message and "0 di depan" in message
    assert excel_number_problem(make_nik(), "NIK") is None
    assert excel_number_problem("'" + make_nik(), "NIK") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("17/05/1990", dt.date(1990, 5, 17)),
        ("7/5/1990", dt.date(1990, 5, 7)),
        ("17-05-1990", dt.date(1990, 5, 17)),
        ("1990-05-17", dt.date(1990, 5, 17)),
        (33010, dt.date(1990, 5, 17)),
        ("33010", dt.date(1990, 5, 17)),
        (dt.datetime(1990, 5, 17), dt.date(1990, 5, 17)),
    ],
)
def test_dates_in_each_form(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["31/02/1990", "1990/05/17", "kemarin", "05/17/1990"])
def test_unreadable_dates_raise(raw):
    with pytest.raises(ValueError):
        parse_date(raw)


# --- rows ----------------------------------------------------------------------------

KEYS = {
    "NIK": "nik",
    "Nama lengkap": "full_name",
    "Jenis kelamin": "sex",
    "Tanggal lahir": "birth_date",
    "Kabupaten/Kota": "regency",
    "Kecamatan": "district",
    "Desa/Kelurahan": "village",
    "Alamat": "address",
    "No. KK": "no_kk",
    "Kategori PMKS": "category",
}


@pytest.fixture
def reference(db):
    return Reference.load(Region.objects.get(code="64.72"))


def _parse(reference, **overrides):
    row = person_row(1, **overrides)
    cells = {KEYS.get(h, h): v for h, v in row.items()}
    return parse_row(2, cells, {}, reference, Options(legal_basis="public_task"))


def test_a_good_row_has_no_errors_and_its_region(reference):
    row = _parse(reference)
    assert row.errors == []
    assert row.values["region"].code == "64.72.01.1001"
    assert row.district.code == "64.72.01"
    assert row.regency.code == "64.72"
    assert row.values["sex"] == "F"


@pytest.mark.parametrize(
    ("regency", "district", "village"),
    [
        ("KOTA SAMARINDA", "kec. palaran", "Kelurahan Rawa Makmur"),
        ("samarinda", "Kecamatan Palaran", "rawa makmur"),
        ("64.72", "64.72.01", "64.72.01.1001"),
        ("6472", "647201", "6472011001"),
        ("", "Palaran", "Desa Rawa Makmur"),
        ("", "", "64.72.01.1001"),
    ],
)
def test_regions_by_code_or_name_in_any_case(reference, regency, district, village):
    row = _parse(
        reference,
        **{"Kabupaten/Kota": regency, "Kecamatan": district, "Desa/Kelurahan": village},
    )
    assert row.errors == []
    assert row.values["region"].code == "64.72.01.1001"


def test_a_village_of_another_district_is_refused(reference):
    row = _parse(reference, **{"Kecamatan": "Samarinda Seberang"})
    assert any("Desa/kelurahan" in e for e in row.errors)


def test_a_domicile_in_another_regency_is_refused_whatever_the_nik(reference):
    row = _parse(
        reference,
        **{
            "Kabupaten/Kota": "Kota Balikpapan",
            "Kecamatan": "Balikpapan Timur",
            "Desa/Kelurahan": "Manggar",
        },
    )
    assert any("di luar wilayah kerja" in e for e in row.errors)
    # a migrant: NIK from Balikpapan, living in Samarinda: accepted
    migrant = _parse(reference, NIK=make_nik(region="647101", female=True))
    assert migrant.errors == []


def test_the_nik_must_agree_with_sex_and_birth_date(reference):
    row = _parse(reference, **{"Jenis kelamin": "L", "Tanggal lahir": "18/05/1990"})
    assert any(e.startswith("Jenis kelamin") and "NIK" in e for e in row.errors)
    assert any(e.startswith("Tanggal lahir") and "NIK" in e for e in row.errors)


def test_a_nik_of_a_kecamatan_that_kaltim_does_not_have_is_refused(reference):
    row = _parse(reference, NIK=make_nik(region="647299", female=True))
    assert any("647299"[:2] in e and "tidak ada di Kalimantan Timur" in e for e in row.errors)


def test_sex_and_birth_date_come_from_the_nik_when_blank(reference):
    row = _parse(reference, **{"Jenis kelamin": "", "Tanggal lahir": ""})
    assert row.errors == []
    assert row.values["sex"] == "F"
    assert row.values["birth_date"] == dt.date(1990, 5, 17)


def test_excel_mangled_nik_row_is_refused_with_that_message(reference):
    row = _parse(reference, NIK="6.47201E+15")
    assert row.nik is None
    assert any("angka berpangkat" in e for e in row.errors)


def test_the_export_prefix_is_stripped(reference):
    row = _parse(reference, NIK="'" + make_nik(female=True), **{"Nama lengkap": "'=Siti"})
    assert row.errors == []
    assert row.nik == make_nik(female=True)


def test_without_nik_a_reason_is_needed(reference):
    row = _parse(reference, NIK="")
    assert any(e.startswith("Alasan tanpa NIK") for e in row.errors)


def test_a_bad_no_kk_is_refused(reference):
    row = _parse(reference, **{"No. KK": "6472010000000000"})
    assert any(e.startswith("No. KK") for e in row.errors)
    mangled = _parse(reference, **{"No. KK": "6.47201E+15"})
    assert any("No. KK" in e and "angka berpangkat" in e for e in mangled.errors)


@time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC), tick=False)
def test_category_by_code_or_name_and_against_age(reference):
    assert _parse(reference, **{"Kategori PMKS": "pmks24"}).category.code == "PMKS24"
    assert _parse(reference, **{"Kategori PMKS": "FAKIR MISKIN"}).category.code == "PMKS24"
    unknown = _parse(reference, **{"Kategori PMKS": "Orang Kaya"})
    assert any("tidak dikenal" in e for e in unknown.errors)
    # 36 years old: Lanjut Usia Telantar is for 60 and over (a hard rule)
    old = _parse(reference, **{"Kategori PMKS": "Lanjut Usia Telantar"})
    assert any("60 tahun ke atas" in e for e in old.errors)


def test_the_content_hash_ignores_the_export_prefix_and_column_order(reference):
    plain = _parse(reference)
    prefixed = _parse(reference, NIK="'" + make_nik(female=True))
    assert plain.content_hash == prefixed.content_hash
    other = _parse(reference, Alamat="Jl. Lain")
    assert other.content_hash != plain.content_hash


def test_the_rows_kept_beside_the_file_come_back_with_their_types():
    from imports.reading import Table, table_from_bytes, table_to_bytes

    values = [
        "6472015705900001",
        6472015705900001,
        6.47201e15,
        None,
        dt.datetime(1990, 5, 17),
        33010,
        "Siti",
    ]
    table = Table(headers=["a", "b", "c", "d", "e", "f", "g"], rows=[(2, values)], kind="xlsx")
    again = table_from_bytes(table_to_bytes(table))
    assert again == table
    assert [type(v) for v in again.rows[0][1]] == [type(v) for v in values]
