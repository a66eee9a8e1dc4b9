"""The person a case is about, as the generator carries them along."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from demo.scale.organizations import Office
from demo.scale.regions import Place


@dataclass
class Person:
    id: int
    sex: str
    birth_date: dt.date | None
    place: Place
    region_id: int
    office: Office
    no_nik_reason: str
    household_category: str
    full_name: str = ""


def person_label(person: Person) -> str:
    word = "Laki-laki" if person.sex == "M" else "Perempuan"
    if person.birth_date is None:
        return f"{word}, usia tidak diketahui,"
    return f"{word}, lahir {person.birth_date.year},"
