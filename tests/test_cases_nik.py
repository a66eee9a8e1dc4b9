"""NIK and No. KK: structure, what a NIK tells, and messages naming the digit group."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cases.nik import nik_mismatches, parse_nik, validate_no_kk
from cases.testing import make_nik

TODAY = dt.date(2026, 3, 1)


def test_a_mans_nik_gives_his_birth_date_sex_and_kecamatan():
    info = parse_nik("6472011705900001", today=TODAY)
    assert info.sex == "M"
    assert info.birth_date == dt.date(1990, 5, 17)
    assert info.region_code == "64.72.01"
    assert info.regency_code == "64.72"
    assert info.serial == 1


def test_a_womans_birth_day_carries_forty_more():
    info = parse_nik("6472015705900003", today=TODAY)
    assert info.sex == "F"
    assert info.birth_date == dt.date(1990, 5, 17)


def test_spaces_and_dots_people_type_between_groups_are_ignored():
    assert parse_nik("6472 0157 0590 0003", today=TODAY).nik == "6472015705900003"
    assert parse_nik("64.72.01.570590.0003", today=TODAY).nik == "6472015705900003"


def test_a_nik_first_registered_outside_kaltim_is_valid():
    # A migrant from Jakarta Selatan (31.71.05).
    assert parse_nik("3171054112850002", today=TODAY).region_code == "31.71.05"


@pytest.mark.parametrize(
    ("digits", "expected_year"),
    [
        ("150625", 2025),  # 2025 is past: this century
        ("150626", 1926),  # 15 June 2026 is after "today": last century
        ("010326", 2026),  # today itself is not in the future
        ("311299", 1999),
        ("290200", 2000),  # 29 Feb 2000 exists
    ],
)
def test_the_century_is_the_one_that_puts_the_birth_date_in_the_past(digits, expected_year):
    assert parse_nik(f"647201{digits}0001", today=TODAY).birth_date.year == expected_year


@pytest.mark.parametrize(
    ("nik", "group"),
    [
        ("647201170590001", "NIK harus 16 digit"),
        ("64720117059000011", "NIK harus 16 digit"),
        ("64720117O5900001", "NIK harus 16 digit"),
        ("0972011705900001", "Digit 1–6 (kode wilayah)"),
        ("6400011705900001", "Digit 1–6 (kode wilayah)"),
        ("6472001705900001", "Digit 1–6 (kode wilayah)"),
        ("6472013505900001", "Digit 7–12 (tanggal lahir)"),
        ("6472010005900001", "Digit 7–12 (tanggal lahir)"),
        ("6472017505900001", "Digit 7–12 (tanggal lahir)"),  # 75: a woman's day past 71
        ("6472011713900001", "Digit 7–12 (tanggal lahir)"),  # month 13
        ("6472013102900001", "Digit 7–12 (tanggal lahir)"),  # 31 February
        ("6472017102900001", "Digit 7–12 (tanggal lahir)"),  # 31 February, a woman
        ("6472011705900000", "Digit 13–16 (nomor urut)"),
        # Characters Python counts as digits but that are not 0–9: a superscript
        # (int() refuses it) and full-width digits (int() reads them, so without
        # this check the same NIK could be stored twice in two spellings).
        ("6472011705900²01", "NIK harus 16 digit"),
        ("６４７２０１１７０５９００００１", "NIK harus 16 digit"),
    ],
)
def test_a_wrong_nik_names_the_digit_group_in_indonesian(nik, group):
    with pytest.raises(ValidationError) as error:
        parse_nik(nik, today=TODAY)
    assert group in error.value.messages[0]


def test_make_nik_builds_what_parse_nik_reads():
    nik = make_nik(birth_date=dt.date(2012, 1, 9), female=True, serial=42)
    info = parse_nik(nik, today=TODAY)
    assert (info.birth_date, info.sex, info.serial) == (dt.date(2012, 1, 9), "F", 42)


def test_a_valid_no_kk_is_returned_normalized():
    assert validate_no_kk("6472 0120 0315 0007") == "6472012003150007"


@pytest.mark.parametrize(
    ("no_kk", "group"),
    [
        ("64720120031500", "No. KK harus 16 digit"),
        ("6400012003150007", "Digit 1–6 (kode wilayah)"),
        ("6472014003150007", "Digit 7–12 (tanggal penerbitan)"),  # no +40 on a KK
        ("6472012003150000", "Digit 13–16 (nomor urut)"),
        ("647201200315000²", "No. KK harus 16 digit"),
    ],
)
def test_a_wrong_no_kk_names_the_digit_group(no_kk, group):
    with pytest.raises(ValidationError) as error:
        validate_no_kk(no_kk)
    assert group in error.value.messages[0]


def test_what_the_caseworker_typed_is_compared_with_the_nik():
    info = parse_nik("6472015705900003", today=TODAY)
    assert nik_mismatches(info, sex="F", birth_date=dt.date(1990, 5, 17)) == {}
    problems = nik_mismatches(info, sex="M", birth_date=dt.date(1990, 5, 18))
    assert set(problems) == {"sex", "birth_date"}
    assert "perempuan" in problems["sex"].lower()
    assert "17/05/1990" in problems["birth_date"]


# --- the exact messages and codes (issue 12: mutants of nik.py) ----------------------
# A caseworker reads the message; an API client or a form may branch on the code.
# Both are pinned whole, so a wrong slice of the digits shown, a changed bound or a
# swapped code fails here.


@pytest.mark.parametrize(
    ("nik", "code", "message"),
    [
        ("647201170590001", "length", "NIK harus 16 digit angka; yang diisi 15 karakter."),
        (
            "0972011705900001",
            "region",
            "Digit 1–6 (kode wilayah) tidak valid: kode provinsi 09 tidak ada.",
        ),
        (
            "1072011705900001",
            "region",
            "Digit 1–6 (kode wilayah) tidak valid: kode provinsi 10 tidak ada.",
        ),
        (
            "6400011705900001",
            "region",
            "Digit 1–6 (kode wilayah) tidak valid: kode kabupaten/kota dan kecamatan "
            "tidak boleh 00 (tertulis 640001).",
        ),
        (
            "6472013205900001",
            "birth_date",
            "Digit 7–12 (tanggal lahir) tidak valid: dua digit pertama harus 01–31 untuk "
            "laki-laki atau 41–71 untuk perempuan (tertulis 32).",
        ),
        (
            "6472011713900001",
            "birth_date",
            "Digit 7–12 (tanggal lahir) tidak valid: bulan harus 01–12 (tertulis 13).",
        ),
        (
            "6472017102900001",
            "birth_date",
            "Digit 7–12 (tanggal lahir) tidak valid: tanggal 31-02-90 tidak ada di kalender.",
        ),
        (
            "6472011705900000",
            "serial",
            "Digit 13–16 (nomor urut) tidak valid: nomor urut dimulai dari 0001.",
        ),
    ],
)
def test_a_wrong_nik_gets_its_exact_message_and_code(nik, code, message):
    with pytest.raises(ValidationError) as error:
        parse_nik(nik, today=TODAY)
    assert (error.value.code, error.value.messages) == (code, [message])


@pytest.mark.parametrize(
    ("no_kk", "code", "message"),
    [
        ("64720120031500", "length", "No. KK harus 16 digit angka; yang diisi 14 karakter."),
        (
            "6472014003150007",
            "issue_date",
            "Digit 7–12 (tanggal penerbitan) tidak valid: 400315 bukan tanggal DDMMYY yang ada.",
        ),
        (
            "6472012003150000",
            "serial",
            "Digit 13–16 (nomor urut) tidak valid: nomor urut dimulai dari 0001.",
        ),
    ],
)
def test_a_wrong_no_kk_gets_its_exact_message_and_code(no_kk, code, message):
    with pytest.raises(ValidationError) as error:
        validate_no_kk(no_kk)
    assert (error.value.code, error.value.messages) == (code, [message])


def test_aceh_the_lowest_province_code_is_valid():
    # 11 (Aceh) is the first Kemendagri province code; 10 and below do not exist.
    assert parse_nik("1101011705900001", today=TODAY).region_code == "11.01.01"


def test_the_serial_is_all_four_digits():
    assert parse_nik("6472011705901000", today=TODAY).serial == 1000
    assert parse_nik("6472011705909999", today=TODAY).serial == 9999


def test_a_no_kk_reads_every_digit_of_its_issue_date():
    # 31 October: a month read from one digit ("0") would be refused.
    assert validate_no_kk("6472013110150007") == "6472013110150007"
    # 29 February 2016, a leap year: a year read from one digit (2006) would be refused.
    assert validate_no_kk("6472012902160007") == "6472012902160007"


def test_the_mismatch_messages_say_what_the_nik_shows():
    info = parse_nik("6472015705900003", today=TODAY)
    assert nik_mismatches(info, sex="M", birth_date=dt.date(1990, 5, 18)) == {
        "sex": "Tidak sesuai dengan NIK: digit 7–12 (tanggal lahir) menunjukkan Perempuan.",
        "birth_date": "Tidak sesuai dengan NIK: digit 7–12 (tanggal lahir) menunjukkan 17/05/1990.",
    }


def test_a_letter_typed_into_a_nik_is_refused_not_dropped():
    # Only the separators people type between groups are dropped (space, dot, dash, tab).
    with pytest.raises(ValidationError) as error:
        parse_nik("647201170590000X1", today=TODAY)
    assert error.value.code == "length"
