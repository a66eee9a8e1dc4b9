"""Opening, editing and assigning cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import Organization, User
from accounts.scoping import is_office_supervisor_of
from cases.age_rules import check_category_ages
from cases.models import (
    Beneficiary,
    Case,
    CaseNumberCounter,
    CaseStatus,
    EventKind,
    PmksCategory,
)
from cases.selectors import (
    may_write_case,
)
from cases.services.common import (
    _CASE_FK,
    _changed_labels,
    _claim_version,
    _require_case_writer,
    _version_conflict,
)
from cases.services.timeline import case_add_event
from pmks.errors import NotAllowed
from pmks.hooks import case_event, data_changed
from regions.models import Region


def _next_case_number(regency: Region, year: int) -> str:
    """`6472/2026/00017`: per kabupaten/kota and year, gap-free under concurrency
    (the counter row is incremented with a single UPDATE before being read)."""
    prefix = f"{regency.code.replace('.', '')}/{year}"
    if not CaseNumberCounter.objects.filter(prefix=prefix).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                CaseNumberCounter.objects.create(prefix=prefix, last=1)
        except IntegrityError:
            CaseNumberCounter.objects.filter(prefix=prefix).update(last=F("last") + 1)
    last = CaseNumberCounter.objects.get(prefix=prefix).last
    return f"{prefix}/{last:05d}"


def _check_assignee(assignee: User, organization: Organization) -> None:
    if not policy.is_assignable(assignee, organization):
        raise ValidationError(
            {
                "assigned_to": _("%(user)s bukan pekerja sosial aktif di %(org)s.")
                % {"user": assignee.display_name, "org": organization.name}
            }
        )


@transaction.atomic
def case_open(
    *,
    actor: User,
    beneficiary: Beneficiary,
    primary_category: PmksCategory,
    other_categories: Iterable[PmksCategory] = (),
    priority: str = "normal",
    summary: str = "",
    assigned_to: User | None = None,
    age_mismatch_confirmed: bool = False,
) -> Case:
    """Open a case for a person the actor may see, owned by the actor's office.

    The categories must fit the person's age (cases/age_rules.py): a hard
    mismatch is refused, a soft one until `age_mismatch_confirmed`."""
    organization = _opening_office(actor, beneficiary)
    other_categories = list(other_categories)
    check_category_ages(
        [primary_category, *other_categories],
        beneficiary=beneficiary,
        day=timezone.localdate(),
        confirmed=age_mismatch_confirmed,
    )
    if assigned_to is None:
        assigned_to = policy.default_assignee(actor)
    if assigned_to is not None:
        _check_assignee(assigned_to, organization)
    now = timezone.now()
    case = Case(
        number=_next_case_number(organization.region, timezone.localdate().year),
        beneficiary=beneficiary,
        primary_category=primary_category,
        owner_org=organization,
        regency_id=organization.region_id,
        district_id=beneficiary.district_id,
        assigned_to=assigned_to,
        priority=priority,
        summary=summary.strip(),
        status=CaseStatus.OPEN,
        opened_at=now,
        created_by=actor,
    )
    case.full_clean()
    case.save()
    others = [c for c in other_categories if c.pk != primary_category.pk]
    if others:
        case.other_categories.set(others)
    _record_opening(case, actor=actor, at=now)
    data_changed("case", case.pk)
    case_event("opened", case.pk)
    return case


def _record_opening(case: Case, *, actor: User, at: dt.datetime) -> None:
    """The timeline of a new case: opened, and to whom it was assigned."""
    case_add_event(
        case=case,
        kind=EventKind.CREATED,
        text=_("Kasus dibuka: %(category)s") % {"category": case.primary_category.name},
        actor=actor,
        data={"to": CaseStatus.OPEN},
        at=at,
    )
    if case.assigned_to is not None:
        case_add_event(
            case=case,
            kind=EventKind.ASSIGNMENT,
            text=_("Ditugaskan kepada %(user)s") % {"user": case.assigned_to.display_name},
            actor=actor,
            data={"assigned_to": case.assigned_to.pk},
            at=at,
        )


def _opening_office(actor: User, beneficiary: Beneficiary) -> Organization:
    """The actor's office, if it may open a case on this person."""
    organization = actor.organization
    if not policy.may_register(actor) or organization is None:
        raise NotAllowed(_("Anda tidak dapat membuka kasus."))
    if not Beneficiary.objects.writable_by(actor).filter(pk=beneficiary.pk).exists():
        # Registered elsewhere, or its case was transferred away from this office:
        # the office that owns the person's case now opens new ones (DESIGN.md).
        raise NotAllowed(
            _("Orang ini ditangani kantor lain; hubungi kantor tersebut untuk rujukan.")
        )
    return organization


CASE_EDIT_FIELDS = ("primary_category", "other_categories", "priority", "summary")


@transaction.atomic
def case_update(
    *,
    actor: User,
    case: Case,
    expected_version: int,
    data: dict[str, Any],
    age_mismatch_confirmed: bool = False,
) -> Case:
    """Edit a case's category, priority and summary; VersionConflict if stale.

    A category added to the case must fit the person's age (cases/age_rules.py);
    the categories it already has are not checked again (the person may have
    grown out of one since it was given)."""
    _require_case_writer(actor, case)
    data = {k: v for k, v in data.items() if k in CASE_EDIT_FIELDS}
    _check_added_categories(case, data, confirmed=age_mismatch_confirmed)
    if "summary" in data:
        data["summary"] = (data["summary"] or "").strip()
    if "other_categories" in data:
        data["other_categories"] = list(data["other_categories"] or ())
    if not _claim_version(Case, case.pk, expected_version):
        current = Case.objects.select_related(*_CASE_FK).get(pk=case.pk)
        raise _version_conflict(current, data)
    current = Case.objects.select_related(*_CASE_FK).get(pk=case.pk)
    changed = _changed_labels(current, data)
    others = data.pop("other_categories", None)
    for name, value in data.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    if others is not None:
        current.other_categories.set([c for c in others if c.pk != current.primary_category_id])
    if changed:
        case_add_event(
            case=current,
            kind=EventKind.EDIT,
            text=_("Data kasus diubah: %(fields)s") % {"fields": ", ".join(changed)},
            actor=actor,
        )
    data_changed("case", current.pk)
    return current


def _check_added_categories(case: Case, data: dict[str, Any], *, confirmed: bool) -> None:
    current = {case.primary_category_id, *case.other_categories.values_list("pk", flat=True)}
    wanted = [data["primary_category"]] if data.get("primary_category") else []
    wanted += list(data.get("other_categories") or ())
    added = [category for category in wanted if category.pk not in current]
    if added:
        beneficiary = Beneficiary.objects.get(pk=case.beneficiary_id)
        check_category_ages(
            added, beneficiary=beneficiary, day=timezone.localdate(), confirmed=confirmed
        )


@transaction.atomic
def case_assign(*, actor: User, cases: Iterable[Case], assignee: User) -> int:
    """Give cases to a caseworker of their owning office (supervisors of the office).

    All or nothing: one case the actor may not reassign, or an assignee outside a
    case's office, refuses the whole batch. Returns how many cases changed hands.
    """
    pks = [c.pk for c in cases]
    if not pks:
        return 0
    locked = list(
        Case.objects.select_for_update(of=("self",))
        .select_related("owner_org", "beneficiary")
        .filter(pk__in=pks)
        .order_by("pk")
    )
    for case in locked:
        if not may_write_case(actor, case) or not is_office_supervisor_of(actor, case.owner_org):
            raise NotAllowed(
                _("Anda tidak dapat menugaskan ulang kasus %(number)s.") % {"number": case.number}
            )
        _check_assignee(assignee, case.owner_org)
    changed = 0
    now = timezone.now()
    for case in locked:
        if case.assigned_to_id == assignee.pk:
            continue
        if not _claim_version(Case, case.pk, case.version):
            raise _version_conflict(Case.objects.get(pk=case.pk), {"assigned_to": assignee})
        case.version += 1
        case.assigned_to = assignee
        case.save()
        case_add_event(
            case=case,
            kind=EventKind.ASSIGNMENT,
            text=_("Ditugaskan kepada %(user)s") % {"user": assignee.display_name},
            actor=actor,
            data={"assigned_to": assignee.pk},
            at=now,
        )
        data_changed("case", case.pk)
        changed += 1
    return changed
