"""The reference data the offline forms need (GET /luring/data-acuan/), bounded:
PMKS categories, service types, the user's own kabupaten/kota (its kecamatan and
desa; the ten kabupaten/kota for the regency select), the choices of every select
of the four forms (taken from the forms themselves, so they match the HTML), and
a minimal summary of the user's own open cases (no NIK, at most OPEN_CASES_CAP,
newest first). `version` is a digest of the rest: it changes when the data does.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from accounts.models import User
from cases import age_rules
from cases.forms import AssessmentForm, BeneficiaryForm, CaseEditForm, ServiceForm
from cases.models import ACTIVE_STATUSES, Case, PmksCategory, ServiceType
from offline.sync_matches import waiting_decisions
from regions.models import Level, Region

OPEN_CASES_CAP = 500


def _choices(field: Any) -> list[dict[str, Any]]:
    """A select's options as the form renders them (model choices carry the id)."""
    return [
        {"value": getattr(value, "value", value), "label": str(label)}
        for value, label in list(field.choices)
        if not isinstance(label, list | tuple)  # no option groups in these forms
    ]


def form_choices() -> dict[str, list[dict[str, Any]]]:
    """Every select of the beneficiary, assessment, service and case edit forms, with
    the values the forms accept (model choices are ids)."""
    beneficiary = BeneficiaryForm().fields
    assessment = AssessmentForm().fields
    service = ServiceForm().fields
    case_edit = CaseEditForm().fields
    return {
        "sex": _choices(beneficiary["sex"]),
        "nik_absent_reason": _choices(beneficiary["nik_absent_reason"]),
        "legal_basis": _choices(beneficiary["legal_basis"]),
        "needs": _choices(assessment["needs"]),
        "risk_level": _choices(assessment["risk_level"]),
        "service_status": _choices(service["status"]),
        "provider_org": _choices(service["provider_org"]),
        "priority": _choices(case_edit["priority"]),
    }


def _categories() -> list[dict[str, Any]]:
    """Each category with its age rules (cases/age_rules.py: min/max age in whole
    years, inclusive; "hard" refuses, "soft" asks for age_mismatch_confirmed)."""
    return [
        {
            "id": category.pk,
            "code": category.code,
            "name": str(category),
            "is_child": category.is_child,
            "age_rules": [
                {"min_age": rule.min_age, "max_age": rule.max_age, "kind": rule.kind}
                for rule in age_rules._rules_for(category)
            ],
        }
        for category in PmksCategory.objects.order_by("sort_order", "code")
    ]


def _regions(user: User) -> dict[str, Any]:
    organization = user.organization
    assert organization is not None  # the view lets in only users with a reach
    regency = organization.region
    regencies = Region.objects.filter(level=Level.REGENCY).order_by("code")
    code = regency.code if regency.level != Level.PROVINCE else None
    districts = (
        Region.objects.filter(level=Level.DISTRICT, parent=regency).order_by("code")
        if code
        else Region.objects.none()
    )
    villages = (
        Region.objects.filter(level=Level.VILLAGE, parent__parent=regency).order_by("code")
        if code
        else Region.objects.none()
    )
    return {
        "kabupaten": [{"id": r.pk, "code": r.code, "name": r.name} for r in regencies],
        "own_kabupaten": regency.pk if code else None,
        "kecamatan": [{"id": r.pk, "code": r.code, "name": r.name} for r in districts],
        "desa": [
            {"id": r.pk, "code": r.code, "name": r.name, "kecamatan": r.parent_id} for r in villages
        ],
    }


def _open_cases(user: User) -> tuple[list[dict[str, Any]], bool]:
    rows = list(
        Case.objects.writable_by(user)
        .filter(assigned_to=user, status__in=ACTIVE_STATUSES)
        .select_related("primary_category")
        .order_by("-opened_at", "-pk")[: OPEN_CASES_CAP + 1]
    )
    cases = [
        {
            "id": case.pk,
            "number": case.number,
            "beneficiary_name": case.beneficiary_name,
            "category": str(case.primary_category),
            "category_id": case.primary_category_id,
            "status": case.status,
            "priority": case.priority,
            "version": case.version,
        }
        for case in rows[:OPEN_CASES_CAP]
    ]
    return cases, len(rows) > OPEN_CASES_CAP


def reference_data(user: User) -> dict[str, Any]:
    cases, truncated = _open_cases(user)
    organization = user.organization
    assert organization is not None
    payload: dict[str, Any] = {
        "user": user.pk,
        "organization": {"id": organization.pk, "name": organization.name},
        "categories": _categories(),
        "service_types": [
            {"id": t.pk, "code": t.code, "name": str(t)}
            for t in ServiceType.objects.order_by("sort_order", "code")
        ],
        "regions": _regions(user),
        "form_choices": form_choices(),
        "open_cases": cases,
        "open_cases_truncated": truncated,
        "pending_decisions": waiting_decisions(user),
    }
    canonical = json.dumps(payload, sort_keys=True, cls=DjangoJSONEncoder).encode()
    return {"version": hashlib.sha256(canonical).hexdigest()[:16], **payload}
