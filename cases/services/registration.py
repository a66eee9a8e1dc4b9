"""Registering and editing beneficiaries: NIK checks, duplicates (an existing NIK
blocks; likely matches without NIK are shown before saving)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import User
from cases.models import (
    Beneficiary,
    Case,
    LegalBasis,
)
from cases.nik import NikInfo, nik_mismatches, normalize_number, parse_nik, validate_no_kk
from cases.selectors import (
    beneficiary_find_matches,
    describe_matches,
    may_write_beneficiary,
)
from cases.services.common import _claim_version, _version_conflict
from households.services import join_household
from pmks.errors import DuplicateFound, NotAllowed
from pmks.hooks import data_changed
from regions.models import PROVINCE_CODE, Level, Region

BENEFICIARY_FIELDS = (
    "nik",
    "nik_absent_reason",
    "no_kk",
    "full_name",
    "sex",
    "birth_date",
    "birth_date_estimated",
    "birth_place",
    "address",
    "region",
    "phone",
    "has_disability",
    "disability_note",
    "legal_basis",
    "consent_note",
)


@dataclass
class _Cleaned:
    values: dict[str, Any]
    regency: Region
    district: Region | None


def _resolve_region(region: Region | int | str | None) -> tuple[Region, Region, Region | None]:
    """The chosen region and its kabupaten/kota and kecamatan (one query at most)."""
    message = _("Pilih kabupaten/kota, kecamatan atau desa/kelurahan di Kalimantan Timur.")
    if region in (None, ""):
        raise ValidationError({"region": message})
    if not isinstance(region, Region):
        region = Region.objects.filter(pk=region).first()
    if region is None or region.level == Level.PROVINCE:
        raise ValidationError({"region": message})
    if not region.code.startswith(f"{PROVINCE_CODE}."):
        raise ValidationError({"region": message})
    parts = region.code.split(".")
    wanted = {".".join(parts[:2])}
    if len(parts) >= 3:
        wanted.add(".".join(parts[:3]))
    wanted.discard(region.code)
    found = {r.code: r for r in Region.objects.filter(code__in=wanted)} if wanted else {}
    found[region.code] = region
    regency = found[".".join(parts[:2])]
    district = found.get(".".join(parts[:3])) if len(parts) >= 3 else None
    return region, regency, district


def _nik_duplicate(actor: User, existing: Beneficiary) -> DuplicateFound:
    from cases.selectors import organization_contact

    visible = Beneficiary.objects.visible_to(actor).filter(pk=existing.pk).exists()
    organization = existing.registered_by_org
    return DuplicateFound(
        _("NIK ini sudah terdaftar atas nama orang lain di sistem."),
        beneficiary=existing,
        owner_org=organization.name,
        organization=organization,
        contact=organization_contact(organization),
        visible=visible,
    )


_TEXT_FIELDS = (
    "nik_absent_reason",
    "full_name",
    "sex",
    "birth_place",
    "address",
    "phone",
    "disability_note",
    "legal_basis",
    "consent_note",
)

_Errors = dict[str, list[Any]]


def _clean_beneficiary(
    actor: User, data: dict[str, Any], *, instance: Beneficiary | None = None
) -> _Cleaned:
    """Normalize and check the person's fields; collect every error at once.

    An existing NIK raises DuplicateFound before anything else: the caseworker
    must learn first that the person is already registered.
    """
    errors: _Errors = {}
    values = {name: data.get(name) for name in BENEFICIARY_FIELDS if name in data}
    for text_field in _TEXT_FIELDS:
        values[text_field] = " ".join(str(values.get(text_field) or "").split())
    values["birth_date_estimated"] = bool(values.get("birth_date_estimated"))
    values["has_disability"] = bool(values.get("has_disability"))
    info = _check_nik(actor, data, values, errors, instance=instance)
    if info is not None:
        _fill_from_nik(info, data, values, errors)
    _check_no_kk(data, values, errors)
    _check_person(values, errors)
    regency = district = None
    try:
        region, regency, district = _resolve_region(data.get("region"))
        values["region"] = region
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    assert regency is not None
    return _Cleaned(values=values, regency=regency, district=district)


def _check_nik(
    actor: User,
    data: dict[str, Any],
    values: dict[str, Any],
    errors: _Errors,
    *,
    instance: Beneficiary | None,
) -> NikInfo | None:
    """The NIK's structure and uniqueness (an existing NIK raises DuplicateFound), or
    the reason there is none."""
    nik = normalize_number(data.get("nik"))
    info = None
    if nik:
        try:
            info = parse_nik(nik)
        except ValidationError as exc:
            errors["nik"] = exc.messages
        else:
            same_nik = Beneficiary.objects.filter(nik=info.nik)
            if instance is not None:
                same_nik = same_nik.exclude(pk=instance.pk)
            existing = same_nik.select_related("registered_by_org").first()
            if existing is not None:
                raise _nik_duplicate(actor, existing)
        values["nik"] = nik
        values["nik_absent_reason"] = ""
    else:
        values["nik"] = None
        if not values["nik_absent_reason"]:
            errors["nik_absent_reason"] = [
                _("Tanpa NIK, pilih alasannya (misalnya belum tercatat di Dukcapil).")
            ]
    return info


def _fill_from_nik(
    info: NikInfo, data: dict[str, Any], values: dict[str, Any], errors: _Errors
) -> None:
    """Sex and birth date from the NIK when not typed; a mismatch with what was typed."""
    if not values.get("sex"):
        values["sex"] = info.sex
    if not values.get("birth_date"):
        values["birth_date"] = info.birth_date
        values["birth_date_estimated"] = False
    if not data.get("nik_mismatch_confirmed"):
        for field, message in nik_mismatches(
            info, sex=values["sex"], birth_date=values["birth_date"]
        ).items():
            errors.setdefault(field, []).append(ValidationError(message, code="nik_mismatch"))


def _check_no_kk(data: dict[str, Any], values: dict[str, Any], errors: _Errors) -> None:
    no_kk = normalize_number(data.get("no_kk"))
    if no_kk:
        try:
            no_kk = validate_no_kk(no_kk)
        except ValidationError as exc:
            errors["no_kk"] = exc.messages
    values["no_kk"] = no_kk


def _check_person(values: dict[str, Any], errors: _Errors) -> None:
    """Name, sex, birth date and the legal basis for processing personal data."""
    if not values["full_name"]:
        errors["full_name"] = [_("Nama lengkap wajib diisi.")]
    if not values.get("sex"):
        errors["sex"] = [_("Pilih jenis kelamin.")]
    birth_date = values.get("birth_date")
    if birth_date and birth_date > timezone.localdate():
        errors["birth_date"] = [_("Tanggal lahir tidak boleh di masa depan.")]
    if not values["legal_basis"]:
        errors["legal_basis"] = [
            _("Pilih dasar pemrosesan data pribadi (UU 27/2022 tentang Pelindungan Data Pribadi).")
        ]
    elif values["legal_basis"] == LegalBasis.CONSENT and not values["consent_note"]:
        errors["consent_note"] = [
            _("Catat siapa yang memberi persetujuan dan kapan (misalnya: ybs., lisan, 3 Mei).")
        ]
    if values["has_disability"] is False:
        values["disability_note"] = ""


@transaction.atomic
def beneficiary_register(
    *, actor: User, data: dict[str, Any], confirm_new: bool = False
) -> Beneficiary:
    """Register a person without creating a duplicate.

    - An existing NIK raises DuplicateFound(beneficiary=…, owner_org=…, visible=…):
      the caller links to the person, or names the office when it is out of scope.
    - Without a NIK match, likely matches (similar name, birth date ±2 years, same
      kabupaten/kota) raise DuplicateFound(matches=[…]) until `confirm_new`.
    """
    if not policy.may_register(actor):
        raise NotAllowed(_("Anda tidak dapat mendaftarkan penerima manfaat."))
    cleaned = _clean_beneficiary(actor, data)
    values = cleaned.values
    if not confirm_new:
        matches = beneficiary_find_matches(
            full_name=values["full_name"],
            birth_date=values.get("birth_date"),
            regency=cleaned.regency,
            without_nik_only=bool(values["nik"]),
        )
        if matches:
            raise DuplicateFound(
                _(
                    "Ada orang terdaftar yang mirip. Periksa daftar ini sebelum menyimpan "
                    "orang baru."
                ),
                matches=describe_matches(actor, matches),
            )
    organization = actor.organization
    assert organization is not None  # may_register: an active office
    beneficiary = Beneficiary(
        **values,
        regency=cleaned.regency,
        district=cleaned.district,
        registered_by_org=organization,
        registered_regency_id=organization.region_id,
        registered_by=actor,
    )
    beneficiary.full_clean()
    try:
        with transaction.atomic():
            beneficiary.save()
    except IntegrityError:
        existing = Beneficiary.objects.filter(nik=values["nik"]).first() if values["nik"] else None
        if existing is None:
            raise
        raise _nik_duplicate(actor, existing) from None
    if beneficiary.no_kk:
        join_household(beneficiary, beneficiary.no_kk, actor=actor)
    data_changed("beneficiary", beneficiary.pk)
    return beneficiary


@transaction.atomic
def beneficiary_update(
    *, actor: User, beneficiary: Beneficiary, expected_version: int, data: dict[str, Any]
) -> Beneficiary:
    """Change a person's data; VersionConflict (nothing saved) if someone saved first."""
    if not may_write_beneficiary(actor, beneficiary):
        raise NotAllowed(_("Anda tidak dapat mengubah data orang ini."))
    cleaned = _clean_beneficiary(actor, data, instance=beneficiary)
    values = {**cleaned.values, "regency": cleaned.regency, "district": cleaned.district}
    if not _claim_version(Beneficiary, beneficiary.pk, expected_version):
        current = Beneficiary.objects.select_related("region").get(pk=beneficiary.pk)
        raise _version_conflict(current, {k: v for k, v in values.items() if k in data})
    current = Beneficiary.objects.get(pk=beneficiary.pk)
    district_changed = current.district_id != getattr(cleaned.district, "pk", None)
    no_kk_changed = current.no_kk != cleaned.values.get("no_kk", current.no_kk)
    for name, value in values.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    if district_changed:
        # Cases carry the person's kecamatan for lists and statistics.
        Case.objects.filter(beneficiary=current).update(district=cleaned.district)
    if no_kk_changed:
        # a new No. KK moves the person to that household; a cleared one leaves it
        join_household(current, current.no_kk, actor=actor)
    data_changed("beneficiary", current.pk)
    return current
