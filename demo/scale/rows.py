"""The rows the generator fills, one NamedTuple per model, and the load order."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from django.db import models

from cases.models import (
    Assessment,
    Beneficiary,
    Case,
    CaseEvent,
    CaseFormerOwner,
    ServiceDelivery,
)
from referrals.models import Notification, Referral, ReferralMessage


class BeneficiaryRow(NamedTuple):
    id: int
    nik: str | None
    nik_absent_reason: str
    no_kk: str
    full_name: str
    sex: str
    birth_date: dt.date | None
    birth_date_estimated: bool
    birth_place: str
    address: str
    region_id: int
    regency_id: int
    district_id: int | None
    phone: str
    has_disability: bool
    disability_note: str
    legal_basis: str
    consent_note: str
    registered_by_org_id: int
    registered_regency_id: int
    registered_by_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class CaseRow(NamedTuple):
    id: int
    number: str
    beneficiary_id: int
    beneficiary_name: str
    primary_category_id: int
    owner_org_id: int
    regency_id: int
    district_id: int | None
    assigned_to_id: int | None
    priority: str
    summary: str
    status: str
    status_before_closure: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    closure_reason: str
    closure_note: str
    closure_requested_by_id: int | None
    closure_requested_at: dt.datetime | None
    reopened_count: int
    created_by_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class CaseCategoryRow(NamedTuple):
    id: int
    case_id: int
    pmkscategory_id: int


class FormerOwnerRow(NamedTuple):
    id: int
    case_id: int
    organization_id: int
    until: dt.datetime
    regency_id: int
    case_opened_at: dt.datetime


class AssessmentRow(NamedTuple):
    id: int
    case_id: int
    needs: list[str]
    risk_level: str
    notes: str
    assessed_by_id: int
    assessed_at: dt.datetime


class ServiceRow(NamedTuple):
    id: int
    case_id: int
    service_type_id: int
    provider_org_id: int | None
    provider_name: str
    status: str
    start_date: dt.date | None
    end_date: dt.date | None
    outcome: str
    created_by_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class EventRow(NamedTuple):
    id: int
    case_id: int
    kind: str
    text: str
    data: dict[str, Any]
    actor_id: int | None
    actor_org_id: int | None
    created_at: dt.datetime


class ReferralRow(NamedTuple):
    id: int
    number: str
    kind: str
    case_id: int
    from_org_id: int
    to_org_id: int
    from_regency_id: int
    to_regency_id: int
    service_type_id: int | None
    offer_id: int | None
    holds_capacity: bool
    reason: str
    urgency: str
    shared_summary: str
    legal_basis: str
    consent_note: str
    status: str
    due_at: dt.datetime
    is_overdue: bool
    overdue_notified_at: dt.datetime | None
    created_by_id: int
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decided_by_id: int | None
    decision_reason: str
    completed_at: dt.datetime | None
    completed_by_id: int | None
    outcome: str
    service_delivery_id: int | None
    updated_at: dt.datetime
    version: int


class MessageRow(NamedTuple):
    id: int
    referral_id: int
    author_id: int
    author_org_id: int
    body: str
    created_at: dt.datetime


class NotificationRow(NamedTuple):
    id: int
    user_id: int
    kind: str
    referral_id: int | None
    text: str
    created_at: dt.datetime
    read_at: dt.datetime | None


# Load order (parents first); the table set whose indexes may be rebuilt.
TABLE_ROWS: list[tuple[type[models.Model], type[tuple]]] = [
    (Beneficiary, BeneficiaryRow),
    (Case, CaseRow),
    (Case.other_categories.through, CaseCategoryRow),
    (CaseFormerOwner, FormerOwnerRow),
    (Assessment, AssessmentRow),
    (ServiceDelivery, ServiceRow),
    (CaseEvent, EventRow),
    (Referral, ReferralRow),
    (ReferralMessage, MessageRow),
    (Notification, NotificationRow),
]
