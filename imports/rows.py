"""The rules of one imported row: the registration form's, on a spreadsheet's cells.

Each row is checked by the code registration uses (cases.nik for the NIK and
No. KK, cases.services.registration for the person's fields and the agreement
of sex and birth date with the NIK, cases.age_rules for the category against
the age); what is particular to a spreadsheet is here: Excel's mangled numbers,
dates as text or as Excel serials, regions and categories by code or by name,
and the domicile's kabupaten/kota against the importing office's.

No query runs per row: the region tree and the categories are read once
(Reference). The checks against the database (existing NIKs, similar people)
are made per batch in imports/services.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.age_rules import category_age_problems
from cases.models import LegalBasis, NikAbsentReason, PmksCategory
from cases.nik import normalize_number, parse_nik
from cases.services.registration import _check_no_kk, _check_person, _fill_from_nik
from imports.columns import BY_KEY
from regions.models import PROVINCE_CODE, SEGMENT_DIGITS, Level, Region

EXCEL_EPOCH = dt.date(1899, 12, 30)
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_TRAILING_ZERO = re.compile(r"^\d{11,17}[.,]0+$")
_DOTTED_CODE = re.compile(r"^\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?$")
_PREFIXES = {
    Level.REGENCY: ("kabupaten", "kab", "kota"),
    Level.DISTRICT: ("kecamatan", "kec"),
    Level.VILLAGE: ("desa", "kelurahan", "kel", "ds"),
}
YES = {"ya", "y", "yes", "1", "true", "benar", "v", "x", "✓"}
NO = {"tidak", "t", "no", "n", "0", "false", "bukan", "-"}
SEX_WORDS = {
    "l": "M",
    "lk": "M",
    "laki": "M",
    "lakilaki": "M",
    "pria": "M",
    "m": "M",
    "male": "M",
    "p": "F",
    "pr": "F",
    "perempuan": "F",
    "wanita": "F",
    "f": "F",
    "female": "F",
}


def cell_text(value: Any) -> str:
    """A cell as the text the user sees, without the `'` the export puts before a
    cell that could be read as a formula (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        text = value.strftime("%d/%m/%Y") if not value.time() else value.isoformat(" ")
    elif isinstance(value, dt.date):
        text = value.strftime("%d/%m/%Y")
    elif isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        text = str(int(value))
    else:
        text = str(value)
    text = " ".join(text.split())
    if text.startswith("'"):
        text = text[1:].strip()
    return text


def _name_key(text: str, level: str) -> str:
    words = re.sub(r"[\W_]+", " ", text.lower()).split()
    prefixes: tuple[str, ...] = _PREFIXES.get(Level(level), ())
    while len(words) > 1 and words[0] in prefixes:
        words = words[1:]
    return " ".join(words)


def _dotted(code: str) -> str | None:
    """'647201' or '64.72.01' → '64.72.01'; None when not a region code's shape."""
    code = code.strip()
    if _DOTTED_CODE.match(code):
        return code
    if not (code.isascii() and code.isdigit()):
        return None
    parts, rest = [], code
    for width in SEGMENT_DIGITS:
        if not rest:
            break
        parts.append(rest[:width])
        rest = rest[width:]
    if rest or len(parts[-1]) != SEGMENT_DIGITS[len(parts) - 1]:
        return None
    return ".".join(parts)


@dataclass
class Reference:
    """The region tree of the province and the PMKS categories, read once."""

    by_code: dict[str, Region]
    by_name: dict[tuple[int | None, str, str], list[Region]]
    categories: dict[str, PmksCategory]
    regency: Region  # the importing office's kabupaten/kota

    @classmethod
    def load(cls, regency: Region) -> Reference:
        regions = list(Region.objects.filter(code__startswith=PROVINCE_CODE))
        by_code = {region.code: region for region in regions}
        by_name: dict[tuple[int | None, str, str], list[Region]] = {}
        for region in regions:
            key = (region.parent_id, region.level, _name_key(region.name, region.level))
            by_name.setdefault(key, []).append(region)
        categories: dict[str, PmksCategory] = {}
        for category in PmksCategory.objects.all():
            for spelling in (category.code, category.name, category.name_en):
                categories[re.sub(r"[\W_]+", "", spelling.lower())] = category
        return cls(by_code=by_code, by_name=by_name, categories=categories, regency=regency)

    def find(self, text: str, level: str, parent: Region | None) -> Region | None:
        """A region of `level` by its code or its name (under `parent` when known)."""
        code = _dotted(text)
        if code is not None:
            region = self.by_code.get(code)
            if region is not None and region.level == level:
                return region
            return None
        parent_id = parent.pk if parent is not None else None
        found = self.by_name.get((parent_id, level, _name_key(text, level)), [])
        return found[0] if len(found) == 1 else None

    def category(self, text: str) -> PmksCategory | None:
        return self.categories.get(re.sub(r"[\W_]+", "", text.lower()))


@dataclass
class ParsedRow:
    number: int
    original: dict[str, str]  # header → the cell's text
    content_hash: str
    values: dict[str, Any] = field(default_factory=dict)  # Beneficiary fields
    regency: Region | None = None
    district: Region | None = None
    category: PmksCategory | None = None
    household: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def nik(self) -> str | None:
        return self.values.get("nik") or None


# --- cells ------------------------------------------------------------------------


def excel_number_problem(raw: Any, label: str) -> str | None:
    """The message for a NIK or No. KK that Excel turned into a number, else None."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return _(
            "%(label)s tersimpan sebagai angka, bukan teks: Excel hanya menyimpan 15 digit "
            "angka, jadi digit terakhirnya bisa berubah. Format kolom %(label)s sebagai Teks, "
            "ketik ulang dari KTP/KK, lalu impor lagi."
        ) % {"label": label}
    text = cell_text(raw).replace(" ", "")
    if _SCIENTIFIC.match(text):
        return _(
            "%(label)s tertulis %(value)s: Excel mengubahnya menjadi angka berpangkat dan "
            "digitnya hilang. Format kolom %(label)s sebagai Teks, ketik ulang dari KTP/KK, "
            "lalu impor lagi."
        ) % {"label": label, "value": text}
    if _TRAILING_ZERO.match(text):
        return _(
            "%(label)s tertulis %(value)s: Excel menyimpannya sebagai angka (berakhiran .0) "
            "dan digit terakhirnya bisa berubah. Format kolom %(label)s sebagai Teks, ketik "
            "ulang dari KTP/KK, lalu impor lagi."
        ) % {"label": label, "value": text}
    digits = normalize_number(text)
    if len(digits) == 15 and digits.isascii() and digits.isdigit():
        return _(
            "%(label)s hanya 15 digit (%(value)s): Excel menghapus angka 0 di depan atau "
            "memotong digit terakhir. Format kolom %(label)s sebagai Teks, ketik ulang dari "
            "KTP/KK, lalu impor lagi."
        ) % {"label": label, "value": text}
    return None


def parse_date(raw: Any) -> dt.date:
    """dd/mm/yyyy (or with - or .), yyyy-mm-dd, an Excel date cell or serial number."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return _from_serial(float(raw))
    text = cell_text(raw)
    match = re.match(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$", text)
    try:
        if match:
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
        match = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$", text)
        if match:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        pass
    else:
        if re.match(r"^\d{1,5}(?:\.0+)?$", text):
            return _from_serial(float(text))
    raise ValueError(text)


def _from_serial(serial: float) -> dt.date:
    if not 1 <= serial < 2_958_466:
        raise ValueError(serial)
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def _yes_no(text: str) -> bool | None:
    word = text.strip().lower()
    if word in YES:
        return True
    if word in NO or not word:
        return False if word else None
    raise ValueError(text)


def _choice(text: str, choices: Any) -> str | None:
    """A TextChoices value by its value or its label (any case)."""
    wanted = re.sub(r"[\W_]+", "", text.lower())
    for value, label in choices.choices:
        if wanted in (
            re.sub(r"[\W_]+", "", str(value).lower()),
            re.sub(r"[\W_]+", "", str(label).lower()),
        ):
            return str(value)
    return None


def content_hash(cells: dict[str, str]) -> str:
    """The row's content, field by field, as its SHA-256: the same person typed the
    same way hashes the same in any file, column order or spelling of the header."""
    payload = json.dumps(sorted((k, v.strip()) for k, v in cells.items() if v.strip()))
    return hashlib.sha256(payload.encode()).hexdigest()


# --- one row ------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """What the user chose for the whole file."""

    legal_basis: str = ""
    confirm_age_warnings: bool = False
    today: dt.date | None = None


_Errors = dict[str, list[Any]]
_LABELS = {"region": "regency", "aid": "pkh"}


def _messages(errors: _Errors) -> list[str]:
    """'Label: message' for each error, in the order of the template's columns."""
    order = list(BY_KEY)
    flat = []

    def position(key: str) -> int:
        name = _LABELS.get(key, key)
        return order.index(name) if name in order else len(order)

    for key in sorted(errors, key=position):
        column = BY_KEY.get(_LABELS.get(key, key))
        label = str(column.label) if column else key
        for item in errors[key]:
            for message in item.messages if isinstance(item, ValidationError) else [str(item)]:
                flat.append(message if message.startswith(label) else f"{label}: {message}")
    return flat


def _read_nik(
    cells: dict[str, Any], values: dict[str, Any], errors: _Errors, ref: Reference
) -> Any:
    raw = cells.get("nik")
    problem = excel_number_problem(raw, _("NIK")) if cell_text(raw) else None
    if problem:
        errors["nik"] = [problem]
        values["nik"] = None
        return None
    nik = normalize_number(cell_text(raw))
    values["nik"] = nik or None
    if not nik:
        reason_text = cell_text(cells.get("nik_absent_reason"))
        values["nik_absent_reason"] = _choice(reason_text, NikAbsentReason) or ""
        if reason_text and not values["nik_absent_reason"]:
            errors["nik_absent_reason"] = [
                _("Alasan tanpa NIK tidak dikenal: %(value)s.") % {"value": reason_text}
            ]
        elif not reason_text:
            errors["nik_absent_reason"] = [
                _("Tanpa NIK, pilih alasannya (misalnya belum tercatat di Dukcapil).")
            ]
        return None
    values["nik_absent_reason"] = ""
    try:
        info = parse_nik(nik)
    except ValidationError as exc:
        errors["nik"] = exc.messages
        return None
    if info.province_code == PROVINCE_CODE and info.region_code not in ref.by_code:
        errors["nik"] = [
            _(
                "Digit 1–6 (kode wilayah) tidak valid: kecamatan %(code)s tidak ada di "
                "Kalimantan Timur."
            )
            % {"code": info.region_code}
        ]
        return None
    return info


def _read_person(
    cells: dict[str, Any], values: dict[str, Any], errors: _Errors, options: Options
) -> None:
    text = {key: cell_text(value) for key, value in cells.items()}
    for name in ("full_name", "birth_place", "address", "phone", "disability_note", "consent_note"):
        values[name] = text.get(name, "")
    values["sex"] = SEX_WORDS.get(re.sub(r"[\W_]+", "", text.get("sex", "").lower()), "")
    if text.get("sex") and not values["sex"]:
        errors["sex"] = [
            _("Jenis kelamin tidak dikenal: %(value)s (isi L atau P).") % {"value": text["sex"]}
        ]
    values["birth_date"] = None
    values["birth_date_estimated"] = False
    if text.get("birth_date"):
        try:
            values["birth_date"] = parse_date(cells["birth_date"])
        except ValueError:
            errors["birth_date"] = [
                _("Tanggal lahir tidak dapat dibaca: %(value)s (tulis dd/mm/yyyy).")
                % {"value": text["birth_date"]}
            ]
    try:
        values["has_disability"] = bool(_yes_no(text.get("has_disability", "")))
    except ValueError:
        values["has_disability"] = False
        errors["has_disability"] = [
            _("Isi Ya atau Tidak (tertulis %(value)s).") % {"value": text["has_disability"]}
        ]
    basis_text = text.get("legal_basis", "")
    values["legal_basis"] = _choice(basis_text, LegalBasis) if basis_text else options.legal_basis
    if basis_text and not values["legal_basis"]:
        errors["legal_basis"] = [
            _("Dasar pemrosesan data tidak dikenal: %(value)s.") % {"value": basis_text}
        ]
        values["legal_basis"] = ""
    values["legal_basis"] = values["legal_basis"] or ""


def _region_error(column: str, text: str) -> str:
    return _("%(column)s tidak ditemukan di Kalimantan Timur: %(value)s.") % {
        "column": BY_KEY[column].label,
        "value": text,
    }


def _read_region(
    cells: dict[str, Any], ref: Reference, errors: _Errors
) -> tuple[Region | None, Region | None, Region | None]:
    """(region, regency, district) of the domicile, each level by code or by name; a
    name is looked up under the level above (the office's kabupaten/kota when the
    row gives none)."""
    text = {key: cell_text(cells.get(key)) for key in ("regency", "district", "village")}
    regency = district = village = None
    if text["regency"]:
        regency = ref.find(text["regency"], Level.REGENCY, ref.by_code[PROVINCE_CODE])
        if regency is None:
            errors["regency"] = [_region_error("regency", text["regency"])]
            return None, None, None
    if text["district"]:
        district = ref.find(text["district"], Level.DISTRICT, regency or ref.regency)
        if district is None or (regency is not None and district.parent_id != regency.pk):
            errors["district"] = [_region_error("district", text["district"])]
            return None, None, None
    if text["village"]:
        village = ref.find(text["village"], Level.VILLAGE, district)
        inside = village is not None and (district is None or village.parent_id == district.pk)
        if village is None or not inside:
            message = _region_error("village", text["village"])
            if district is None and _dotted(text["village"]) is None:
                message = _("Desa/kelurahan %(value)s: isi juga kecamatannya.") % {
                    "value": text["village"]
                }
            errors["village"] = [message]
            return None, None, None
        district = ref.by_code[village.code.rsplit(".", 1)[0]]
    if district is not None:
        own = ref.by_code[district.code.rsplit(".", 1)[0]]
        if regency is not None and own.pk != regency.pk:
            errors["district"] = [_region_error("district", text["district"] or text["village"])]
            return None, None, None
        regency = own
    regency = regency or ref.regency
    return village or district or regency, regency, district


def _check_domicile(regency: Region, ref: Reference, errors: _Errors) -> None:
    if regency.pk != ref.regency.pk:
        errors.setdefault("region", []).append(
            _(
                "Domisili di %(regency)s, di luar wilayah kerja kantor Anda (%(office)s): baris "
                "ini ditolak. Domisili yang menentukan, bukan kode wilayah NIK."
            )
            % {"regency": regency.name, "office": ref.regency.name}
        )


def _check_lengths(values: dict[str, Any], errors: _Errors) -> None:
    from cases.models import Beneficiary

    for name, value in values.items():
        field_ = Beneficiary._meta.get_field(name)
        limit = getattr(field_, "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            errors.setdefault(name, []).append(
                _("Paling banyak %(limit)d karakter (tertulis %(count)d).")
                % {"limit": limit, "count": len(value)}
            )


def _read_category(
    cells: dict[str, Any], values: dict[str, Any], ref: Reference, options: Options, errors: _Errors
) -> PmksCategory | None:
    text = cell_text(cells.get("category"))
    if not text:
        return None
    category = ref.category(text)
    if category is None:
        errors["category"] = [_("Kategori PMKS tidak dikenal: %(value)s.") % {"value": text}]
        return None
    hard, soft = category_age_problems(
        [category],
        birth_date=values.get("birth_date"),
        estimated=values.get("birth_date_estimated", False),
        day=options.today or timezone.localdate(),
    )
    if hard:
        errors["category"] = hard
    elif soft and not options.confirm_age_warnings:
        errors["category"] = [
            _(
                "Periksa kembali kategori: %(problems)s Bila sudah benar, impor lagi dengan "
                "pilihan 'peringatan usia sudah diperiksa'."
            )
            % {"problems": " ".join(soft)}
        ]
    return category


def _read_household(cells: dict[str, Any], errors: _Errors) -> dict[str, Any]:
    from households.models import DESIL_MAX, DESIL_MIN, Relationship

    text = {
        key: cell_text(cells.get(key))
        for key in ("relationship", "dtsen", "desil", "pkh", "bpnt", "pbi_jk", "blt")
    }
    household: dict[str, Any] = {"relationship": None, "dtsen": None, "desil": None, "aid": None}
    if text["relationship"]:
        household["relationship"] = _choice(text["relationship"], Relationship)
        if household["relationship"] is None:
            errors["relationship"] = [
                _("Hubungan dalam keluarga tidak dikenal: %(value)s.")
                % {"value": text["relationship"]}
            ]
    if text["desil"]:
        desil = text["desil"].removesuffix(".0")
        if not (desil.isascii() and desil.isdigit() and DESIL_MIN <= int(desil) <= DESIL_MAX):
            errors["desil"] = [
                _("Desil harus angka 1 sampai 10 (tertulis %(value)s).") % {"value": text["desil"]}
            ]
        else:
            household["desil"] = int(desil)
    aid_given = False
    aid: list[str] = []
    for key in ("dtsen", "pkh", "bpnt", "pbi_jk", "blt"):
        try:
            answer = _yes_no(text[key])
        except ValueError:
            errors[key] = [_("Isi Ya atau Tidak (tertulis %(value)s).") % {"value": text[key]}]
            continue
        if key == "dtsen":
            household["dtsen"] = answer
        elif answer is not None:
            aid_given = True
            if answer:
                aid.append(key)
    household["aid"] = aid if aid_given else None
    return household


def parse_row(
    number: int, cells: dict[str, Any], original: dict[str, str], ref: Reference, options: Options
) -> ParsedRow:
    """Check one row (`cells`: field key → the cell's value as read)."""
    texts = {key: cell_text(value) for key, value in cells.items()}
    row = ParsedRow(number=number, original=original, content_hash=content_hash(texts))
    errors: _Errors = {}
    values: dict[str, Any] = {}
    info = _read_nik(cells, values, errors, ref)
    no_kk_problem = (
        excel_number_problem(cells.get("no_kk"), _("No. KK")) if texts.get("no_kk") else None
    )
    if no_kk_problem:
        errors["no_kk"] = [no_kk_problem]
        values["no_kk"] = ""
    else:
        _check_no_kk({"no_kk": texts.get("no_kk", "")}, values, errors)
    _read_person(cells, values, errors, options)
    if info is not None:
        _fill_from_nik(info, {}, values, errors)
    _check_person(values, errors)
    region, regency, district = _read_region(cells, ref, errors)
    if regency is not None:
        _check_domicile(regency, ref, errors)
    _check_lengths(values, errors)
    row.category = _read_category(cells, values, ref, options, errors)
    row.household = _read_household(cells, errors)
    values["region"] = region
    row.values, row.regency, row.district = values, regency, district
    row.errors = _messages(errors)
    return row
