"""NIK (Nomor Induk Kependudukan) and No. KK: structure checks and what a NIK tells.

A NIK has 16 digits:

    64 72 01  570590  0003
    ^^^^^^^^  ^^^^^^  ^^^^
    1–6       7–12    13–16
    kecamatan birth   serial, from 0001
    where first       date DDMMYY,
    registered        day + 40 for women

Digits 1–6 are the Kemendagri kecamatan code where the person was first
registered; it may be anywhere in Indonesia (migrants), so only its shape is
checked here. Messages name the digit group that is wrong so a caseworker can
find the typo on the card.

A No. KK (Kartu Keluarga) has the same shape with the issuing date in 7–12 (no
+40) and groups a household.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Sex

NIK_LENGTH = 16
FEMALE_DAY_OFFSET = 40


@dataclass(frozen=True)
class NikInfo:
    nik: str
    region_code: str  # dotted Kemendagri kecamatan code, e.g. "64.72.01"
    birth_date: dt.date
    sex: str  # Sex.MALE / Sex.FEMALE
    serial: int

    @property
    def regency_code(self) -> str:
        return self.region_code.rsplit(".", 1)[0]

    @property
    def province_code(self) -> str:
        return self.region_code.split(".", 1)[0]


def normalize_number(value: str | None) -> str:
    """Drop the spaces, dots and dashes people type between digit groups."""
    return "".join(ch for ch in (value or "") if ch not in " .-\t")


def _check_digits(value: str, label: str) -> None:
    # ASCII 0-9 only: str.isdigit() also accepts superscripts (which int() refuses)
    # and full-width digits (which would store one NIK under a second spelling).
    if not (value.isascii() and value.isdigit()) or len(value) != NIK_LENGTH:
        raise ValidationError(
            _("%(label)s harus 16 digit angka; yang diisi %(count)d karakter.")
            % {"label": label, "count": len(value)},
            code="length",
        )


def _check_region(value: str) -> str:
    """Digits 1–6: province, kabupaten/kota and kecamatan segments, none of them 00."""
    province, regency, district = value[0:2], value[2:4], value[4:6]
    if int(province) < 11:
        raise ValidationError(
            _("Digit 1–6 (kode wilayah) tidak valid: kode provinsi %(code)s tidak ada.")
            % {"code": province},
            code="region",
        )
    if regency == "00" or district == "00":
        raise ValidationError(
            _(
                "Digit 1–6 (kode wilayah) tidak valid: kode kabupaten/kota dan kecamatan "
                "tidak boleh 00 (tertulis %(code)s)."
            )
            % {"code": value[0:6]},
            code="region",
        )
    return f"{province}.{regency}.{district}"


def _pick_century(day: int, month: int, yy: int, today: dt.date) -> dt.date | None:
    """The most recent valid date with these digits that is not in the future."""
    for century in (2000, 1900):
        try:
            candidate = dt.date(century + yy, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    return None


def _check_serial(value: str) -> int:
    serial = int(value[12:16])
    if serial == 0:
        raise ValidationError(
            _("Digit 13–16 (nomor urut) tidak valid: nomor urut dimulai dari 0001."),
            code="serial",
        )
    return serial


def parse_nik(nik: str, *, today: dt.date | None = None) -> NikInfo:
    """Check a NIK's structure and date; return what it tells.

    Raises ValidationError with an Indonesian message naming the wrong digit group.
    """
    value = normalize_number(nik)
    _check_digits(value, _("NIK"))
    region_code = _check_region(value)
    today = today or timezone.localdate()
    day, month, yy = int(value[6:8]), int(value[8:10]), int(value[10:12])
    sex = Sex.MALE
    if day > FEMALE_DAY_OFFSET:
        sex = Sex.FEMALE
        day -= FEMALE_DAY_OFFSET
    if not 1 <= day <= 31:
        raise ValidationError(
            _(
                "Digit 7–12 (tanggal lahir) tidak valid: dua digit pertama harus 01–31 "
                "untuk laki-laki atau 41–71 untuk perempuan (tertulis %(digits)s)."
            )
            % {"digits": value[6:8]},
            code="birth_date",
        )
    if not 1 <= month <= 12:
        raise ValidationError(
            _("Digit 7–12 (tanggal lahir) tidak valid: bulan harus 01–12 (tertulis %(digits)s).")
            % {"digits": value[8:10]},
            code="birth_date",
        )
    birth_date = _pick_century(day, month, yy, today)
    if birth_date is None:
        raise ValidationError(
            _(
                "Digit 7–12 (tanggal lahir) tidak valid: tanggal %(day)02d-%(month)02d-%(yy)02d "
                "tidak ada di kalender."
            )
            % {"day": day, "month": month, "yy": yy},
            code="birth_date",
        )
    serial = _check_serial(value)
    return NikInfo(
        nik=value, region_code=region_code, birth_date=birth_date, sex=sex, serial=serial
    )


def validate_no_kk(no_kk: str) -> str:
    """Check a No. KK's structure; return it normalized (digits only)."""
    value = normalize_number(no_kk)
    _check_digits(value, _("No. KK"))
    _check_region(value)
    day, month, yy = int(value[6:8]), int(value[8:10]), int(value[10:12])
    if _pick_century(day, month, yy, timezone.localdate()) is None:
        raise ValidationError(
            _(
                "Digit 7–12 (tanggal penerbitan) tidak valid: %(digits)s bukan tanggal DDMMYY "
                "yang ada."
            )
            % {"digits": value[6:12]},
            code="issue_date",
        )
    _check_serial(value)
    return value


def nik_mismatches(info: NikInfo, *, sex: str | None, birth_date: dt.date | None) -> dict[str, str]:
    """Field → message for what the caseworker typed that the NIK contradicts."""
    problems: dict[str, str] = {}
    if sex and sex != info.sex:
        problems["sex"] = _(
            "Tidak sesuai dengan NIK: digit 7–12 (tanggal lahir) menunjukkan %(sex)s."
        ) % {"sex": Sex(info.sex).label}
    if birth_date and birth_date != info.birth_date:
        problems["birth_date"] = _(
            "Tidak sesuai dengan NIK: digit 7–12 (tanggal lahir) menunjukkan %(date)s."
        ) % {"date": info.birth_date.strftime("%d/%m/%Y")}
    return problems


def mask_number(number: str | None) -> str:
    """A NIK or No. KK with only its first 4 digits (the kabupaten/kota, which the
    person's regency already says) and its last 4 (the serial) shown:
    `6472 •••• •••• 0001`. Enough to tell two people apart, not to copy the
    number or read the birth date it holds. Empty when there is none."""
    digits = normalize_number(number)
    if len(digits) < 12:
        return "•" * len(digits)
    return f"{digits[:4]} •••• •••• {digits[-4:]}"
