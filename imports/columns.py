"""The columns an import reads: our field keys, the template's Indonesian headers,
and the other spellings offices use. A header matches when its letters and digits
(any case, no spaces or punctuation) equal one of a field's spellings; an office's
own names are kept in its ColumnMapping."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the template's header (Indonesian, never translated: it is data)
    label: _StrPromise
    aliases: tuple[str, ...] = ()
    required: bool = False
    note: _StrPromise | str = ""


COLUMNS = (
    Column(
        "nik",
        "NIK",
        _("NIK"),
        ("nomorindukkependudukan", "noktp", "noktpnik"),
        note=_("16 digit, sebagai TEKS (kolom berformat Teks/@). Kosongkan bila tidak ada."),
    ),
    Column(
        "nik_absent_reason",
        "Alasan tanpa NIK",
        _("Alasan tanpa NIK"),
        note=_("Wajib bila NIK kosong: kode atau nama alasan (lihat lembar Petunjuk)."),
    ),
    Column(
        "no_kk",
        "No. KK",
        _("No. KK"),
        ("nokk", "nomorkk", "nomorkartukeluarga", "kk"),
        note=_("16 digit, sebagai TEKS."),
    ),
    Column(
        "full_name",
        "Nama lengkap",
        _("Nama lengkap"),
        ("nama", "namalengkap", "namapenerima"),
        required=True,
    ),
    Column(
        "sex",
        "Jenis kelamin",
        _("Jenis kelamin"),
        ("jk", "lp", "kelamin", "jeniskelaminlp"),
        note=_("L/P (Laki-laki/Perempuan). Kosong: dari NIK."),
    ),
    Column(
        "birth_date",
        "Tanggal lahir",
        _("Tanggal lahir"),
        ("tgllahir", "tanggallahir"),
        note=_("dd/mm/yyyy, yyyy-mm-dd atau tanggal Excel. Kosong: dari NIK."),
    ),
    Column("birth_place", "Tempat lahir", _("Tempat lahir"), ("tmplahir",)),
    Column(
        "regency",
        "Kabupaten/Kota",
        _("Kabupaten/kota"),
        ("kabupatenkota", "kabkota", "kabupaten", "kota"),
        note=_("Kode Kemendagri (64.72) atau nama. Kosong: kabupaten/kota kantor Anda."),
    ),
    Column(
        "district",
        "Kecamatan",
        _("Kecamatan"),
        ("kec",),
        note=_("Kode Kemendagri (64.72.01) atau nama."),
    ),
    Column(
        "village",
        "Desa/Kelurahan",
        _("Desa/kelurahan"),
        ("desakelurahan", "desa", "kelurahan", "deskel"),
        note=_("Kode Kemendagri (64.72.01.1001) atau nama."),
    ),
    Column("address", "Alamat", _("Alamat"), ("alamatlengkap",)),
    Column("phone", "Telepon", _("Telepon"), ("nohp", "hp", "notelepon", "telp")),
    Column(
        "has_disability",
        "Disabilitas",
        _("Disabilitas"),
        ("penyandangdisabilitas",),
        note=_("Ya/Tidak."),
    ),
    Column("disability_note", "Keterangan disabilitas", _("Keterangan disabilitas")),
    Column(
        "legal_basis",
        "Dasar pemrosesan data",
        _("Dasar pemrosesan data"),
        ("dasarpemrosesan", "dasarhukum"),
        note=_("Kosong: yang dipilih saat unggah."),
    ),
    Column("consent_note", "Keterangan persetujuan", _("Keterangan persetujuan")),
    Column(
        "category",
        "Kategori PMKS",
        _("Kategori PMKS"),
        ("kategori", "jenispmks", "pmks", "ppks", "kategorippks"),
        note=_("Kode (PMKS08) atau nama. Diisi: kasus dibuka dengan kategori ini."),
    ),
    Column(
        "relationship",
        "Hubungan dengan kepala keluarga",
        _("Hubungan dengan kepala keluarga"),
        ("hubungan", "hubungankeluarga", "shdk", "statushubungan"),
    ),
    Column("dtsen", "DTSEN", _("DTSEN"), ("terdaftardtsen", "dtks"), note=_("Ya/Tidak.")),
    Column("desil", "Desil", _("Desil"), ("desildtsen",), note=_("1–10.")),
    Column("pkh", "PKH", _("PKH"), note=_("Ya/Tidak.")),
    Column("bpnt", "BPNT", _("BPNT"), ("sembako", "bpntsembako"), note=_("Ya/Tidak.")),
    Column("pbi_jk", "PBI-JK", _("PBI-JK"), ("pbi", "pbijkn"), note=_("Ya/Tidak.")),
    Column("blt", "BLT", _("BLT"), note=_("Ya/Tidak.")),
)
BY_KEY = {column.key: column for column in COLUMNS}
REQUIRED = tuple(column.key for column in COLUMNS if column.required)


def squash(text: str) -> str:
    """Letters and digits only, lower case: 'No. KK' and 'no_kk' are 'nokk'."""
    return re.sub(r"[\W_]+", "", text.lower())


_SPELLINGS = {
    spelling: column.key
    for column in COLUMNS
    for spelling in (squash(column.header), squash(column.key), *column.aliases)
}


def guess_mapping(headers: list[str], saved: dict[str, str] | None = None) -> dict[str, str]:
    """Field key → header text, from the office's saved names first, then the
    known spellings. A header is used for one field at most."""
    saved = saved or {}
    mapping: dict[str, str] = {}
    for header in headers:
        key = saved.get(header) or _SPELLINGS.get(squash(header))
        if key and key in BY_KEY and key not in mapping:
            mapping[key] = header
    return mapping


def missing_required(mapping: dict[str, str]) -> list[str]:
    return [key for key in REQUIRED if key not in mapping]
