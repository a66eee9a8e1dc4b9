"""Does a PMKS category fit the person's age? (issue 15)

The categories of Permensos 08/2012 (Pedoman Pendataan dan Pengelolaan Data PMKS
dan PSKS, Lampiran: the definitions of the 26 types) are defined partly by age.
A rule is HARD (the case is refused) where the law draws the line, SOFT (the
worker is warned and must confirm) where another category usually fits better
or the definition is not strict. A birth date marked as estimated turns every
hard rule soft: the age itself is a guess. No birth date: nothing is checked.

Age is in whole years on the day the category is given (WITA), see `age_on`.

Rule table (code, category: rule, kind; source):

- PMKS01–07, the seven "anak" categories (is_child): age < 18, HARD;
  UU 35/2014 Pasal 1 angka 1 (anak: belum berusia 18 tahun), Permensos 08/2012.
- PMKS01 Anak Balita Telantar: age ≤ 5, soft; Permensos 08/2012 ("berusia 5 (lima)
  tahun ke bawah"), an older child is Anak Telantar.
- PMKS02 Anak Telantar: age ≥ 6, soft; Permensos 08/2012 (6 sampai 18 tahun), a
  younger child is Anak Balita Telantar.
- PMKS08 Lanjut Usia Telantar: age ≥ 60, HARD; UU 13/1998 Pasal 1 angka 2 (lanjut
  usia: 60 tahun ke atas), Permensos 08/2012.
- PMKS09 Penyandang Disabilitas: age ≥ 18, soft; Permensos 08/2012, a child is
  Anak dengan Kedisabilitasan (PMKS05).
- PMKS10 Tuna Susila: age ≥ 18, soft; UU 35/2014 Pasal 59, a child is a victim of
  sexual exploitation (Anak yang Memerlukan Perlindungan Khusus, PMKS07).
- PMKS11 Gelandangan, PMKS12 Pengemis: age ≥ 18, soft; Permensos 08/2012, a child
  living or begging on the street is Anak Jalanan (PMKS04).
- PMKS20 Pekerja Migran Bermasalah Sosial: age ≥ 18, soft; UU 18/2017 Pasal 5
  (pekerja migran: minimal 18 tahun).
- PMKS23 Perempuan Rawan Sosial Ekonomi: 18 ≤ age ≤ 59, soft; Permensos 08/2012
  ("perempuan dewasa berusia 18–59 tahun").
- Every other category: no age rule.

The domain owner should check the soft ranges against the Lampiran when it is
revised; a rule is one row of RULES below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cases.models import Beneficiary, PmksCategory

HARD, SOFT = "hard", "soft"
CHILD_BELOW = 18


@dataclass(frozen=True)
class AgeRule:
    code: str
    min_age: int | None  # inclusive
    max_age: int | None  # inclusive
    kind: str


RULES = [
    AgeRule("PMKS01", None, 5, SOFT),
    AgeRule("PMKS02", 6, None, SOFT),
    AgeRule("PMKS08", 60, None, HARD),
    AgeRule("PMKS09", 18, None, SOFT),
    AgeRule("PMKS10", 18, None, SOFT),
    AgeRule("PMKS11", 18, None, SOFT),
    AgeRule("PMKS12", 18, None, SOFT),
    AgeRule("PMKS20", 18, None, SOFT),
    AgeRule("PMKS23", 18, 59, SOFT),
]


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Whole years between a birth date and a day."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _rules_for(category: PmksCategory) -> list[AgeRule]:
    rules = [rule for rule in RULES if rule.code == category.code]
    if category.is_child:
        rules.append(AgeRule(category.code, None, CHILD_BELOW - 1, HARD))
    return rules


def _message(category: PmksCategory, rule: AgeRule, age: int) -> str:
    if rule.min_age is not None and age < rule.min_age:
        text = _(
            "Kategori %(category)s untuk usia %(min)s tahun ke atas; orang ini berusia %(age)s."
        )
    else:
        text = _(
            "Kategori %(category)s untuk usia sampai %(max)s tahun; orang ini berusia %(age)s."
        )
    return text % {"category": category.name, "min": rule.min_age, "max": rule.max_age, "age": age}


def category_age_problems(
    categories: Iterable[PmksCategory], *, birth_date: dt.date | None, estimated: bool, day: dt.date
) -> tuple[list[str], list[str]]:
    """(hard, soft) messages for the categories that do not fit the age on `day`."""
    hard: list[str] = []
    soft: list[str] = []
    if birth_date is None:
        return hard, soft
    age = age_on(birth_date, day)
    for category in categories:
        for rule in _rules_for(category):
            too_young = rule.min_age is not None and age < rule.min_age
            too_old = rule.max_age is not None and age > rule.max_age
            if too_young or too_old:
                strict = rule.kind == HARD and not estimated
                (hard if strict else soft).append(_message(category, rule, age))
    return hard, soft


def check_category_ages(
    categories: Iterable[PmksCategory],
    *,
    beneficiary: Beneficiary,
    day: dt.date,
    confirmed: bool = False,
) -> None:
    """Refuse (ValidationError on `primary_category`) a hard mismatch; refuse a soft
    one on `age_mismatch_confirmed` until the worker confirms it."""
    hard, soft = category_age_problems(
        categories,
        birth_date=beneficiary.birth_date,
        estimated=beneficiary.birth_date_estimated,
        day=day,
    )
    if hard:
        raise ValidationError(
            {"primary_category": [ValidationError(m, code="age_mismatch") for m in hard]}
        )
    if soft and not confirmed:
        warning = _("Periksa kembali kategori: %(problems)s Centang konfirmasi bila sudah benar.")
        raise ValidationError(
            {
                "age_mismatch_confirmed": ValidationError(
                    warning % {"problems": " ".join(soft)}, code="age_warning"
                )
            }
        )
