"""People: households with their members, names, NIK and KK, and the
beneficiary row of each person (whose cases demo/scale/cases.py writes)."""

from __future__ import annotations

import datetime as dt

from cases.models import Beneficiary
from demo.scale import distributions as d
from demo.scale.base import GeneratorBase
from demo.scale.cases import case
from demo.scale.person import Person
from demo.scale.regions import Place
from demo.scale.rows import BeneficiaryRow

# --- names, dates, numbers


def name(g: GeneratorBase, sex: str, family: str | None) -> str:
    rng = g.rng
    first = rng.choice(g.pools.male if sex == "M" else g.pools.female)
    shape = rng.random()
    if shape < 0.15:
        return first
    last = family or rng.choice(g.pools.last)
    if shape < 0.25:
        middle = rng.choice(g.pools.male if sex == "M" else g.pools.female)
        if middle != first:
            return f"{first} {middle} {last}"
    return f"{first} {last}"


def birth_date_between(g: GeneratorBase, age_min: float, age_max: float) -> dt.date:
    days = int((age_min + (age_max - age_min) * g.rng.random()) * 365.25)
    return g.today - dt.timedelta(days=max(1, days))


def nik(g: GeneratorBase, region6: str, birth_date: dt.date, sex: str) -> str:
    day = birth_date.day + (40 if sex == "F" else 0)
    prefix = f"{region6}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}"
    g.nik_serials[prefix] += 1
    return f"{prefix}{g.nik_serials[prefix]:04d}"


def kk(g: GeneratorBase, region6: str) -> str:
    issued = g.today - dt.timedelta(days=int(g.rng.random() * 15 * 365))
    prefix = f"{region6}{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}"
    g.kk_serials[prefix] += 1
    return f"{prefix}{g.kk_serials[prefix]:04d}"


# --- households


def _single(g: GeneratorBase) -> list[tuple[str, dt.date]]:
    rng = g.rng
    group = rng.random()
    if group < 0.25:
        return [("M" if rng.random() < 0.45 else "F", birth_date_between(g, 60, 92))]
    if group < 0.33:
        return [("M" if rng.random() < 0.6 else "F", birth_date_between(g, 6, 18))]
    return [("M" if rng.random() < 0.5 else "F", birth_date_between(g, 18, 60))]


def members(g: GeneratorBase, size: int) -> list[tuple[str, dt.date]]:
    """Sex and birth date of each household member, head first."""
    rng = g.rng
    if size == 1:
        return _single(g)
    head_sex = "M" if rng.random() < 0.75 else "F"
    head_age = 22 + 38 * rng.random()
    result = [(head_sex, birth_date_between(g, head_age, head_age + 0.9))]
    slots = size - 1
    if rng.random() < 0.8:
        spouse_age = max(18.0, head_age + rng.uniform(-8, 4))
        spouse_sex = "F" if head_sex == "M" else "M"
        result.append((spouse_sex, birth_date_between(g, spouse_age, spouse_age + 0.9)))
        slots -= 1
    if slots >= 2 and rng.random() < 0.2:
        result.append(("F" if rng.random() < 0.6 else "M", birth_date_between(g, 60, 85)))
        slots -= 1
    for _ in range(slots):
        child_age = max(0.1, min(head_age - 18, 25) * rng.random())
        result.append(
            ("M" if rng.random() < 0.5 else "F", birth_date_between(g, child_age, child_age + 0.5))
        )
    return result


def _home(g: GeneratorBase, place: Place, head_reason: str) -> tuple[int, str]:
    """The household's region (a village when the tree is loaded) and address."""
    rng = g.rng
    village_id, village_name = (
        place.villages[int(rng.random() * len(place.villages))]
        if place.villages
        else (place.district_id or place.regency_id, "")
    )
    street = rng.choice(g.pools.streets)
    address = (
        f"{street} No. {rng.randint(1, 150)}, RT {rng.randint(1, 40):03d}/RW "
        f"{rng.randint(1, 12):03d}"
    )
    if village_name:
        address += f", {village_name}"
    if head_reason == "street":
        address = f"Tidak tetap, sekitar {street}"
    return village_id, address


def household(g: GeneratorBase, room: int) -> int:
    """One household of at most `room` beneficiaries; returns its size."""
    rng = g.rng
    regency_code = g.regency(rng)
    office = g.ctx.offices[regency_code]
    place = g.place(regency_code)
    size = min(room, g.household_size(rng))
    people = members(g, size)
    family = rng.choice(g.pools.last) if rng.random() < 0.5 else None
    head_without_nik = rng.random() < d.SHARE_WITHOUT_NIK
    head_reason = g.nik_absent(rng) if head_without_nik else ""
    no_kk = ""
    if not (head_without_nik and head_reason in ("street", "unknown_child", "migrant")):
        no_kk = kk(g, place.nik_code) if rng.random() < 0.95 else ""
    village_id, address = _home(g, place, head_reason)
    household_category = ""
    if rng.random() < 0.5:
        household_category = rng.choice(sorted(d.HOUSEHOLD_CATEGORIES))
    registered_by = g.worker(office)
    for index, (sex, birth_date) in enumerate(people):
        reason = head_reason if index == 0 else ""
        if index and (
            rng.random() < d.SHARE_WITHOUT_NIK / 2 or (head_without_nik and rng.random() < 0.6)
        ):
            reason = g.member_nik_absent(rng)
        member = Person(
            id=g.new_id(Beneficiary),
            sex=sex,
            birth_date=birth_date,
            place=place,
            region_id=village_id,
            office=office,
            no_nik_reason=reason,
            household_category=household_category,
        )
        person(g, member, no_kk, address, family if index else None, registered_by)
    return size


# --- one person


def _identity(g: GeneratorBase, person: Person) -> tuple[str | None, dt.date | None, bool, str]:
    """(NIK, birth date as recorded, whether it is estimated, birth place)."""
    rng = g.rng
    place = person.place
    birth_place = g.ctx.regency_names[place.regency_code].replace("Kabupaten ", "")
    birth_place = birth_place.replace("Kota ", "")
    birth_date = person.birth_date
    if person.no_nik_reason:
        estimated = False
        if rng.random() < 0.35:
            estimated = True
            assert birth_date is not None
            birth_date = birth_date.replace(month=7, day=1)
        elif rng.random() < 0.15:
            birth_date = None
            person.birth_date = None
        birth_place = "" if rng.random() < 0.5 else birth_place
        return None, birth_date, estimated, birth_place
    assert birth_date is not None
    draw = rng.random()
    if draw < d.SHARE_NIK_OUTSIDE_KALTIM:
        origin, count, birth_place = g.migrant_origin(rng)
        region6 = f"{origin.replace('.', '')}{rng.randint(1, count):02d}"
    elif draw < d.SHARE_NIK_OUTSIDE_KALTIM + d.SHARE_NIK_OTHER_KECAMATAN:
        region6 = g.place(g.regency(rng)).nik_code
    else:
        region6 = place.nik_code
    return nik(g, region6, birth_date, person.sex), birth_date, False, birth_place


def person(
    g: GeneratorBase,
    person: Person,
    no_kk: str,
    address: str,
    family: str | None,
    registered_by: int,
) -> None:
    rng = g.rng
    place = person.place
    person_nik, birth_date, estimated, birth_place = _identity(g, person)
    full_name = person.full_name = name(g, person.sex, family)
    first_case = g.start + int(d.YEARS * 365 * d.DAY * rng.random() ** 1.15)
    registered = max(g.start, first_case - int(rng.random() * 20 * d.DAY))
    basis = g.legal_basis(rng)
    disability = rng.random() < 0.05
    g.emit(
        Beneficiary,
        BeneficiaryRow(
            id=person.id,
            nik=person_nik,
            nik_absent_reason=person.no_nik_reason,
            no_kk=no_kk,
            full_name=full_name,
            sex=person.sex,
            birth_date=birth_date,
            birth_date_estimated=estimated,
            birth_place=birth_place,
            address=address,
            region_id=person.region_id,
            regency_id=place.regency_id,
            district_id=place.district_id,
            phone=f"08{rng.randint(11, 59)}{rng.randint(1000000, 99999999)}"
            if rng.random() < 0.6
            else "",
            has_disability=disability,
            disability_note="Disabilitas fisik" if disability else "",
            legal_basis=basis,
            consent_note="Persetujuan lisan, disaksikan petugas" if basis == "consent" else "",
            registered_by_org_id=person.office.org_id,
            registered_regency_id=person.office.regency_id,
            registered_by_id=registered_by,
            created_at=g.at(registered),
            updated_at=g.at(registered),
            version=1,
        ),
    )
    _cases(g, person, first_case)


def _cases(g: GeneratorBase, person: Person, first_case: int) -> None:
    """1–3 cases, each opened some time after the previous one."""
    count = g.cases_per_person(g.rng)
    opened = first_case
    for number in range(count):
        last = number == count - 1
        case(g, person, opened, last)
        if last:
            break
        opened = opened + int((g.now - opened) * g.rng.random() * 0.8) + d.DAY
