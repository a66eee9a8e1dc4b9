"""Writes on households: a person joins (or creates) the household of their No. KK.

Registration and editing (cases/services/registration.py), the offline sync (it
registers through the same service) and the import call `join_household`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Beneficiary
from cases.nik import normalize_number, validate_no_kk
from households.models import (
    DESIL_MAX,
    DESIL_MIN,
    Household,
    HouseholdMember,
    Relationship,
    clean_aid,
)
from pmks.hooks import data_changed
from regions.models import Level


def _clean_desil(desil: Any) -> int | None:
    if desil in (None, ""):
        return None
    try:
        value = int(desil)
    except (TypeError, ValueError):
        value = 0
    if not DESIL_MIN <= value <= DESIL_MAX or str(desil).strip() not in {str(value), f"{value}.0"}:
        raise ValidationError(
            {"desil": [_("Desil harus angka 1 sampai 10 (tertulis %(value)s).") % {"value": desil}]}
        )
    return value


def _clean_relationship(relationship: Any) -> str | None:
    if relationship in (None, ""):
        return None
    if relationship not in Relationship.values:
        raise ValidationError(
            {
                "relationship": [
                    _("Hubungan dalam keluarga tidak dikenal: %(value)s.") % {"value": relationship}
                ]
            }
        )
    return str(relationship)


def _household_for(beneficiary: Beneficiary, no_kk: str, actor: User | None) -> Household:
    """The household of this No. KK, created from the person's address if new.

    Two registrations of the same KK at once: the second insert fails on the unique
    No. KK inside its savepoint and reads the first one's row.
    """
    household = Household.objects.select_for_update().filter(no_kk=no_kk).first()
    if household is not None:
        return household
    organization = getattr(actor, "organization", None) or beneficiary.registered_by_org
    village = beneficiary.region if beneficiary.region.level == Level.VILLAGE else None
    household = Household(
        no_kk=no_kk,
        address=beneficiary.address,
        village=village,
        regency_id=beneficiary.regency_id,
        registered_by_org=organization,
        registered_regency_id=organization.region_id,
        registered_by=actor if getattr(actor, "pk", None) else None,
    )
    household.full_clean(exclude=["head"])
    try:
        with transaction.atomic():
            household.save()
    except IntegrityError:
        return Household.objects.select_for_update().get(no_kk=no_kk)
    return household


def _place_member(
    household: Household, beneficiary: Beneficiary, relationship: str | None
) -> HouseholdMember:
    """Add or move the person into `household`; the head is unique in a household."""
    member = HouseholdMember.objects.filter(beneficiary=beneficiary).first()
    left: int | None = None
    if member is not None and member.household_id != household.pk:
        left = member.household_id
        member.household = household
        member.relationship = relationship or Relationship.OTHER
    elif member is None:
        alone = not household.members.exists()
        default = Relationship.HEAD if alone else Relationship.OTHER
        member = HouseholdMember(
            household=household, beneficiary=beneficiary, relationship=relationship or default
        )
    elif relationship:
        member.relationship = relationship
    if member.relationship == Relationship.HEAD:
        household.members.filter(relationship=Relationship.HEAD).exclude(
            beneficiary=beneficiary
        ).update(relationship=Relationship.OTHER)
    member.save()
    if left is not None:
        _after_leaving(left, beneficiary)
    return member


def _after_leaving(household_id: int, beneficiary: Beneficiary) -> None:
    """The household a person left: no longer their head; gone when nobody is left."""
    Household.objects.filter(pk=household_id, head=beneficiary).update(head=None)
    if not HouseholdMember.objects.filter(household_id=household_id).exists():
        Household.objects.filter(pk=household_id).delete()


def leave_household(beneficiary: Beneficiary) -> None:
    """The person's No. KK was cleared: they leave their household (if any)."""
    member = HouseholdMember.objects.filter(beneficiary=beneficiary).first()
    if member is not None:
        household_id = member.household_id
        member.delete()
        _after_leaving(household_id, beneficiary)


@transaction.atomic
def join_household(
    beneficiary: Beneficiary,
    no_kk: str | None,
    relationship: str | None = None,
    *,
    actor: User | None,
    dtsen: bool | None = None,
    desil: int | str | None = None,
    aid: list[str] | None = None,
    address: str | None = None,
) -> HouseholdMember | None:
    """Put `beneficiary` in the household of `no_kk`, creating it if new; return the
    membership (None when `no_kk` is blank: the person then leaves any household).

    - `no_kk`: 16 digits (spaces, dots, dashes dropped), checked by
      cases.nik.validate_no_kk; ValidationError({"no_kk": [...]}) otherwise.
    - `relationship`: a `Relationship` value ("kepala", "istri", "anak", …). None
      keeps the person's current one; a newcomer is "kepala" when alone in the
      household, else "lainnya". Naming a new "kepala" makes the former head
      "lainnya" and sets `Household.head`.
    - `dtsen` (True/False), `desil` (1–10, int or digit string) and `aid` (a list of
      `Aid` values: "pkh", "bpnt", "pbi_jk", "blt"): None leaves the household's
      value as it is; an `aid` list replaces the stored one. Bad values raise
      ValidationError with the field's name and an Indonesian message, before
      anything is written.
    - `address`: fills the household's address when given (else the first
      member's address is used on creation).
    - Also sets `beneficiary.no_kk` when it differs (search reads that column).
    - `actor`: the user registering (their organization becomes the household's
      registering office when it is created). The caller has already checked that
      the actor may change this person (registration, edit and import do).
    """
    normalized = normalize_number(no_kk)
    if not normalized:
        leave_household(beneficiary)
        _sync_no_kk(beneficiary, "")
        return None
    try:
        normalized = validate_no_kk(normalized)
    except ValidationError as exc:
        raise ValidationError({"no_kk": exc.messages}) from None
    clean_relationship = _clean_relationship(relationship)
    clean_desil = _clean_desil(desil)
    try:
        clean_aid_list = None if aid is None else clean_aid(aid)
    except ValidationError as exc:
        raise ValidationError({"aid": exc.messages}) from None
    household = _household_for(beneficiary, normalized, actor)
    member = _place_member(household, beneficiary, clean_relationship)
    _update_household(
        household,
        head=beneficiary if member.relationship == Relationship.HEAD else None,
        dtsen=dtsen,
        desil=clean_desil,
        aid=clean_aid_list,
        address=address,
    )
    _sync_no_kk(beneficiary, normalized)
    return member


def _update_household(
    household: Household,
    *,
    head: Beneficiary | None,
    dtsen: bool | None,
    desil: int | None,
    aid: list[str] | None,
    address: str | None,
) -> None:
    changes: dict[str, Any] = {}
    if head is not None and household.head_id != head.pk:
        changes["head"] = head
    elif head is None and household.head_id is not None:
        still_head = household.members.filter(
            beneficiary_id=household.head_id, relationship=Relationship.HEAD
        ).exists()
        if not still_head:
            changes["head"] = None
    if dtsen is not None and household.in_dtsen != dtsen:
        changes["in_dtsen"] = bool(dtsen)
    if desil is not None and household.desil != desil:
        changes["desil"] = desil
    if aid is not None and list(household.aid or []) != aid:
        changes["aid"] = aid
    if address and household.address != address:
        changes["address"] = " ".join(address.split())[:300]
    if not changes:
        return
    for name, value in changes.items():
        setattr(household, name, value)
    household.version += 1
    household.full_clean()
    household.save()
    if changes.keys() & {"in_dtsen", "desil", "aid"}:
        # the statistics count DTSEN and aid (stats.rollup); a join alone comes
        # with the person's own change, which the caller announces
        data_changed("household", household.pk)


def _sync_no_kk(beneficiary: Beneficiary, no_kk: str) -> None:
    if beneficiary.no_kk != no_kk:
        Beneficiary.objects.filter(pk=beneficiary.pk).update(no_kk=no_kk)
        beneficiary.no_kk = no_kk
