"""Helpers and fixtures for the cases tests.

A test module imports the fixtures it uses by their `*_fixture` names (the
fixture itself is registered under the short name), e.g.

    from cases.testing import samarinda_case_fixture  # noqa: F401
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cases.models import LegalBasis, PmksCategory, ServiceType


def make_nik(
    *,
    region: str = "647201",
    birth_date: dt.date = dt.date(1990, 5, 17),
    female: bool = False,
    serial: int = 1,
) -> str:
    """A structurally valid NIK for the given facts."""
    day = birth_date.day + (40 if female else 0)
    return f"{region}{day:02d}{birth_date:%m%y}{serial:04d}"


def person_data(regions: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """Input of beneficiary_register for a person in Kota Samarinda."""
    data: dict[str, Any] = {
        "nik": make_nik(female=True),
        "full_name": "Siti Rahmawati",
        "sex": "F",
        "birth_date": dt.date(1990, 5, 17),
        "region": regions["64.72"],
        "address": "Jl. Pahlawan No. 3",
        "legal_basis": LegalBasis.CONSENT,
        "consent_note": "Ybs., lisan, saat asesmen awal",
    }
    data.update(overrides)
    return data


def registration_form_data(regions: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """The registration form's fields for a person in Kota Samarinda, as a browser
    (or the offline form) sends them."""
    data: dict[str, Any] = {
        "nik": make_nik(female=True),
        "full_name": "Siti Rahmawati",
        "sex": "F",
        "birth_date": "1990-05-17",
        "regency": regions["64.72"].pk,
        "legal_basis": "consent",
        "consent_note": "Ybs., lisan",
    }
    data.update(overrides)
    return data


@pytest.fixture(autouse=True, name="fast_password_hashing")
def fast_password_hashing_fixture(settings: Any) -> None:
    """Persona passwords hashed with a fast hasher (import this into a test module)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(name="category")
def category_fixture(db: Any) -> PmksCategory:
    return PmksCategory.objects.get(code="PMKS11")


@pytest.fixture(name="other_category")
def other_category_fixture(db: Any) -> PmksCategory:
    return PmksCategory.objects.get(code="PMKS24")


@pytest.fixture(name="shelter")
def shelter_fixture(db: Any) -> ServiceType:
    return ServiceType.objects.get(code="shelter")


@pytest.fixture(name="samarinda_case")
def samarinda_case_fixture(orgs: dict[str, Any], alice: Any) -> Any:
    from cases.factories import CaseFactory

    return CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice)


@pytest.fixture(name="balikpapan_case")
def balikpapan_case_fixture(orgs: dict[str, Any], bob: Any) -> Any:
    from cases.factories import CaseFactory

    return CaseFactory(owner_org=orgs["balikpapan"], assigned_to=bob)


CHANGES: list[tuple[str, int | None]] = []


def record_change(model: str, pk: int | None = None) -> None:
    """A DATA_CHANGE_HANDLERS entry for tests: remembers what the hooks announced."""
    CHANGES.append((model, pk))
