"""Reads on beneficiaries and cases. Every read a user makes starts from the
`visible_to(user)` querysets, so an object outside the user's scope answers 404.
"""

from __future__ import annotations

import copy
import datetime as dt
import heapq
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import Organization, User
from accounts.scoping import (
    Reach,
    is_office_supervisor_of,
    may_change_owned,
    may_see_owned,
    may_see_owner,
    owned_q,
    scope_of,
)
from cases.age_rules import age_on
from cases.filters import CaseFilter
from cases.models import (
    ACTIVE_STATUSES,
    SNAPSHOT_FIELDS,
    Assessment,
    Beneficiary,
    Case,
    CaseFormerOwner,
    CaseStatus,
    PmksCategory,
    ServiceDelivery,
    ServiceStatus,
)
from cases.nik import mask_number
from pmks.errors import NotAllowed
from regions.models import Region

# --- single objects ------------------------------------------------------------

CASE_RELATED = (
    "beneficiary",
    "beneficiary__region",
    "primary_category",
    "owner_org",
    "regency",
    "district",
    "assigned_to",
    "closure_requested_by",
)


def get_case_for_user(user: Any, pk: int, *, write: bool = False) -> Case:
    """The case if the user may see it (else 404); with write=True, NotAllowed
    when they may see but not change it (provincial supervisor, former owner)."""
    case = Case.objects.visible_to(user).select_related(*CASE_RELATED).filter(pk=pk).first()
    if case is None:
        raise Http404(_("Kasus tidak ditemukan."))
    if write and not may_write_case(user, case):
        raise NotAllowed(_("Anda hanya dapat melihat kasus ini, tidak dapat mengubahnya."))
    return case


def may_write_case(user: Any, case: Case) -> bool:
    """The scoping rule on the case's owner, read from its own columns (no join)."""
    return may_change_owned(user, organization_id=case.owner_org_id, regency_id=case.regency_id)


def may_approve_case(user: Any, case: Case) -> bool:
    return may_write_case(user, case) and is_office_supervisor_of(user, case.owner_org)


def get_beneficiary_for_user(user: Any, pk: int) -> Beneficiary:
    beneficiary = (
        Beneficiary.objects.visible_to(user)
        .select_related(
            "region",
            "regency",
            "district",
            "registered_by_org",
            "registered_by",
            "household_membership",
        )
        .filter(pk=pk)
        .first()
    )
    if beneficiary is None:
        raise Http404(_("Penerima manfaat tidak ditemukan."))
    return beneficiary


def may_write_beneficiary(user: Any, beneficiary: Beneficiary) -> bool:
    """With a case the user may change, or registered by an office the user writes
    for and never handed over from it (Beneficiary.objects.writable_by)."""
    return Beneficiary.objects.writable_by(user).filter(pk=beneficiary.pk).exists()


def may_open_case_for(user: Any, beneficiary: Beneficiary) -> bool:
    """Open a new case on this person: an office that may change the person's data.
    After a transfer the former office only reads the person (DESIGN.md)."""
    return policy.may_register(user) and may_write_beneficiary(user, beneficiary)


# --- lists -----------------------------------------------------------------------


def case_list(*, user: Any, filters: Any = None, owned_only: bool = False) -> QuerySet[Case]:
    """Cases the user may see, filtered by CaseFilter (the API reuses it). With
    owned_only, without the cases the user's office only owned before a transfer."""
    cases = Case.objects.owned_in_reach_of(user) if owned_only else Case.objects.visible_to(user)
    queryset = cases.select_related(
        "beneficiary", "primary_category", "assigned_to", "district", "owner_org"
    )
    return CaseFilter(filters or {}, queryset=queryset, user=user).qs


@dataclass
class Page:
    """A page of rows without counting the table: one extra row tells if there is more."""

    rows: list[Any]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def previous_number(self) -> int:
        return self.number - 1


MAX_PAGE = 100_000  # far past any real list; keeps the OFFSET within what databases take


def paginate(queryset: QuerySet[Any], page: Any, *, size: int = 25) -> Page:
    try:
        number = min(max(1, int(page)), MAX_PAGE)
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * size
    rows = list(queryset[start : start + size + 1])
    return Page(rows=rows[:size], number=number, has_next=len(rows) > size)


# --- keyset pages of the case list -------------------------------------------------

# The columns the case list shows: the case, the person's name, the category and
# kecamatan names, the caseworker's name. A row the user's office handed over to
# another kabupaten/kota shows only what the office knew of it: number, person,
# category, kecamatan and opening date (templates/cases/case_list.html).
CASE_LIST_COLUMNS = (
    "owner_org",  # the ids only, no join: they tell a handed-over row
    "regency",
    "number",
    "status",
    "priority",
    "opened_at",
    "beneficiary_name",
    "primary_category__name",
    "district__name",
    "assigned_to__first_name",
    "assigned_to__last_name",
    "assigned_to__username",
)
CASE_LIST_RELATED = ("primary_category", "assigned_to", "district")
HANDED_OVER_COLUMNS = (
    "owner_org",
    "regency",
    "number",
    "opened_at",
    "beneficiary_name",
    "primary_category__name",
    "district__name",
)
HANDED_OVER_RELATED = ("primary_category", "district")


def case_list_rows(queryset: QuerySet[Case], *, handed_over: bool = False) -> QuerySet[Case]:
    """Only the columns the case list shows (5 kB a row otherwise, at every depth),
    and only the tables they come from: each join costs PostgreSQL planning time."""
    if handed_over:
        return queryset.select_related(*HANDED_OVER_RELATED).only(*HANDED_OVER_COLUMNS)
    return queryset.select_related(*CASE_LIST_RELATED).only(*CASE_LIST_COLUMNS)


@dataclass
class KeysetPage:
    """A page of the case list found by the (opened_at, id) of a neighbouring row,
    not by an OFFSET: every page costs what the first one does. `invalid_cursor`
    tells the page that the cursor it got was unreadable (the first page is shown)."""

    rows: list[Any]
    has_next: bool
    has_previous: bool
    invalid_cursor: bool = False

    @property
    def next_cursor(self) -> str:
        return case_cursor(self.rows[-1]) if self.rows else ""

    @property
    def previous_cursor(self) -> str:
        return case_cursor(self.rows[0]) if self.rows else ""


_MAX_ID = 2**63 - 1


def case_cursor(case: Case) -> str:
    """`2026-03-01T02:03:04.000005Z_123`: the case's opening time in UTC and its id."""
    opened = case.opened_at.astimezone(dt.UTC).replace(tzinfo=None)
    return f"{opened.isoformat(timespec='microseconds')}Z_{case.pk}"


def parse_case_cursor(value: str) -> tuple[dt.datetime, int] | None:
    """The (opened_at, id) of a cursor, or None when it is not one."""
    stamp, _sep, pk = value.strip().rpartition("_")
    if not (pk.isascii() and pk.isdigit()) or not 0 < int(pk) <= _MAX_ID:
        return None
    try:
        opened = dt.datetime.fromisoformat(stamp)
        if opened.tzinfo is None:
            return None
        return opened.astimezone(dt.UTC), int(pk)
    except (ValueError, OverflowError):
        return None


@dataclass(frozen=True)
class CaseWalk:
    """Cases read newest first by (`stamp`, id) from an index. `joined` holds the
    conditions on the table `stamp` belongs to, when that is not cases_case: they
    go into the same filter() call as the bounds on `stamp`, so that Django joins
    that table once (a second filter() call on a multi-valued relation would join
    it again). The case's own `opened_at` equals `stamp` on every row.

    `handed_over`: a walk of cases the user sees only as a former owner (the list
    shows such rows as moved, with fewer columns). Each row's `transferred_away`
    is decided from its owner by the scoping rule, whatever the walk."""

    queryset: QuerySet[Case]
    user: Any
    stamp: str = "opened_at"
    joined: Q = field(default_factory=Q)
    handed_over: bool = False

    def rows(
        self,
        *,
        newest_first: bool,
        start: tuple[dt.datetime, int] | None,
        horizon: dt.datetime | None,
        limit: int,
    ) -> list[Case]:
        """Up to `limit` rows past the row at `start` (exclusive), not beyond the
        time `horizon` (inclusive).

        One query in two steps: the ids of the page, walked from the index alone
        (it holds the person's name: a search by name reads nothing else), then
        those rows with the columns the list shows."""
        towards, away = ("lte", "gte") if newest_first else ("gte", "lte")
        where = self.joined
        walked = self.queryset
        if start is not None:
            opened, pk = start
            where &= Q(**{f"{self.stamp}__{towards}": opened})
            walked = walked.exclude(opened_at=opened, **{f"pk__{away}": pk})
        if horizon is not None:
            where &= Q(**{f"{self.stamp}__{away}": horizon})
        order = (f"-{self.stamp}", "-pk") if newest_first else (self.stamp, "pk")
        page_ids = walked.filter(where).order_by(*order).values("pk")[:limit]
        shown = case_list_rows(Case.objects.filter(pk__in=page_ids), handed_over=self.handed_over)
        found = list(
            shown.order_by(*(("-opened_at", "-pk") if newest_first else ("opened_at", "pk")))
        )
        return mark_transferred_away(self.user, found)


def _merged_page(
    walks: list[CaseWalk],
    *,
    newest_first: bool,
    start: tuple[dt.datetime, int] | None,
    size: int,
) -> tuple[list[Case], bool]:
    """The next `size` rows of the walks merged in list order, and whether more follow.

    Once a walk fills the page, the later walks read only up to the time of its
    last row on the page: nothing beyond it can be on this page (the formerly owned
    cases then cost a few rows, whatever the fragment searched for). A case read
    twice (an office that owned it twice) is shown once."""
    lists: list[list[Case]] = []
    horizon: dt.datetime | None = None
    for walk in walks:
        rows = walk.rows(newest_first=newest_first, start=start, horizon=horizon, limit=size + 1)
        lists.append(rows)
        if horizon is None and len(rows) > size:
            horizon = rows[size - 1].opened_at
    merged: list[Case] = []
    seen: set[int] = set()
    for case in heapq.merge(*lists, key=lambda c: (c.opened_at, c.pk), reverse=newest_first):
        if case.pk not in seen:
            seen.add(case.pk)
            merged.append(case)
    more = len(merged) > size or any(len(rows) > size for rows in lists)
    return merged[:size], more


def keyset_paginate(
    *walks: CaseWalk, after: str | None, before: str | None, size: int = 25
) -> KeysetPage:
    """Newest first (opened_at desc, id desc) over one or more walks of disjoint
    cases. `after`: the page following the row of that cursor; `before`: the page
    preceding it; neither: the first page. One extra row per walk tells if there is
    more; nothing is counted.

    The bound is written `opened_at <= t AND NOT (opened_at = t AND id >= pk)`
    (not a row comparison the ORM lacks), which PostgreSQL serves from the
    (opened_at, id) indexes: 4-8 ms at any depth of 273k cases (OFFSET: 4-5 s)."""
    steps = list(walks)
    raw = after if after else before
    cursor = parse_case_cursor(raw) if raw else None
    if cursor is None:
        rows, more = _merged_page(steps, newest_first=True, start=None, size=size)
        return KeysetPage(rows=rows, has_next=more, has_previous=False, invalid_cursor=bool(raw))
    if after:
        rows, more = _merged_page(steps, newest_first=True, start=cursor, size=size)
        return KeysetPage(rows=rows, has_next=more, has_previous=True)
    rows, more = _merged_page(steps, newest_first=False, start=cursor, size=size)
    if len(rows) < size:  # back past the start (rows gone since): the first page, full
        rows, more = _merged_page(steps, newest_first=True, start=None, size=size)
        return KeysetPage(rows=rows, has_next=more, has_previous=False)
    return KeysetPage(rows=rows[::-1], has_next=True, has_previous=more)


def case_list_walks(user: Any, case_filter: Any) -> list[CaseWalk]:
    """The case list of `user` as walks for keyset_paginate: the cases owned in the
    user's reach (by opened_at), then the cases the user's office (or kabupaten/kota)
    owned before a transfer and does not own now (by the former-owner row's copy of
    opened_at). Both read from an index in list order; `Case.objects.visible_to`,
    their union in one OR, cannot (docs/PERFORMANCE.md, C6). `case_filter` is a
    CaseFilter; a filter on a case's present state leaves the formerly owned out."""
    if case_filter.names_few_rows():
        # A NIK or a case number: one person's or one case's few rows, in one query
        # (the OR of `visible_to` costs nothing on a handful of rows).
        return [CaseWalk(case_filter.apply(Case.objects.visible_to(user)), user)]
    walks = [CaseWalk(case_filter.apply(Case.objects.owned_in_reach_of(user)), user)]
    if scope_of(user).reach in (Reach.PROVINCE, Reach.NOTHING):
        return walks  # the province owns everything; nothing: nothing
    if case_filter.filters_present_state():
        return walks
    formerly = owned_q(
        user, org_field="former_owners__organization", regency_field="former_owners__regency"
    )
    not_owned = Case.objects.exclude(owned_q(user, org_field="owner_org", regency_field="regency"))
    walks.append(
        CaseWalk(
            case_filter.apply(not_owned),
            user,
            stamp="former_owners__case_opened_at",
            joined=formerly,
            handed_over=True,
        )
    )
    return walks


def household_members(user: Any, beneficiary: Beneficiary) -> list[Beneficiary]:
    """Other persons with the same No. KK that the user may see."""
    if not beneficiary.no_kk:
        return []
    return list(
        Beneficiary.objects.visible_to(user)
        .filter(no_kk=beneficiary.no_kk)
        .exclude(pk=beneficiary.pk)
        .order_by("birth_date", "pk")
    )


def beneficiary_cases(user: Any, beneficiary: Beneficiary) -> list[Case]:
    return list(
        Case.objects.visible_to(user)
        .filter(beneficiary=beneficiary)
        .select_related("primary_category", "owner_org", "assigned_to")
    )


def visible_services(user: Any, case: Case) -> QuerySet[ServiceDelivery]:
    """The case's services as the user may see them: a former owner only those
    recorded up to the transfer (as on the case page, case_page_data)."""
    former = former_ownership(user, case)
    services = case.services.all()
    if former is not None:
        services = services.filter(created_at__lte=former.until)
    return services


def former_ownership(user: Any, case: Case) -> CaseFormerOwner | None:
    """None when the user sees the case as (a supervisor of) its owner; for an office
    that owned it before a transfer, its latest ownership row: such an office keeps
    the history up to `until` and nothing after it."""
    if may_see_owner(user, case.owner_org):
        return None
    return (
        CaseFormerOwner.objects.filter(case=case)
        .filter(owned_q(user, org_field="organization"))
        .order_by("-until", "-pk")
        .first()
    )


def history_cutoff(user: Any, case: Case) -> dt.datetime | None:
    """The moment the user's office stopped owning the case (None: it owns it now)."""
    former = former_ownership(user, case)
    return former.until if former is not None else None


def case_as_it_was(case: Case, former: CaseFormerOwner, data: dict[str, Any]) -> Case:
    """A copy of the case showing its own fields as they were at the transfer, for
    the former owner's page (never saved). `data` is case_page_data's result; its
    other categories are replaced by those of the time.

    Without a recorded snapshot (rows written before snapshots, bulk-generated
    rows) nothing of the present is shown: no status, summary or caseworker.
    """
    past = copy.copy(case)
    past.transferred_away = True  # type: ignore[attr-defined]
    past.closure_reason = past.closure_note = ""
    past.closure_requested_by_id = None
    past.closure_requested_at = past.closed_at = None
    snapshot = former.snapshot
    if not snapshot:
        past.status = ""
        past.summary = ""
        past.assigned_to_id = None
        past.priority = ""
        data["other_categories"] = []
        return past
    past.transferred_away = False  # type: ignore[attr-defined]
    for name in SNAPSHOT_FIELDS:
        if name in snapshot:
            setattr(past, name, snapshot[name])
    data["other_categories"] = list(
        PmksCategory.objects.filter(pk__in=snapshot.get("other_category_ids") or [])
    )
    return past


def mark_transferred_away(user: Any, cases: list[Case]) -> list[Case]:
    """Flag the rows the user sees only as a former owner (lists show them as moved,
    without the present status, priority or caseworker). Reads the cases' own
    owner_org_id and regency_id: no join needed."""
    for case in cases:
        case.transferred_away = not may_see_owned(  # type: ignore[attr-defined]
            user, organization_id=case.owner_org_id, regency_id=case.regency_id
        )
    return cases


def case_page_data(
    case: Case, *, cutoff: dt.datetime | None = None, events_limit: int | None = 200
) -> dict[str, Any]:
    """Everything the case page lists, in a fixed number of queries; with a cutoff
    (former owner), only what was recorded up to it. The page shows the latest
    `events_limit` events; the printed case file all of them (None)."""

    def upto(queryset: QuerySet[Any], field: str) -> QuerySet[Any]:
        return queryset.filter(**{f"{field}__lte": cutoff}) if cutoff else queryset

    referrals = upto(case.referrals.select_related("to_org", "from_org"), "created_at")
    return {
        "other_categories": list(case.other_categories.all()),
        "assessments": list(upto(case.assessments.select_related("assessed_by"), "assessed_at")),
        "services": list(
            upto(case.services.select_related("service_type", "provider_org"), "created_at")
        ),
        "events": list(
            upto(case.events.select_related("actor", "actor_org"), "created_at")[:events_limit]
        ),
        "attachments": list(upto(case.attachments.select_related("uploaded_by"), "uploaded_at")),
        "referrals": list(referrals.order_by("-pk")),
        "history_cutoff": cutoff,
    }


def approval_queue(user: Any) -> QuerySet[Case]:
    """Closure requests of the offices in the user's reach, oldest request first
    (not of cases the user's office handed over: those are another office's now)."""
    return (
        Case.objects.owned_in_reach_of(user)
        .filter(status=CaseStatus.CLOSURE_REQUESTED)
        .select_related(
            "beneficiary", "primary_category", "owner_org", "assigned_to", "closure_requested_by"
        )
        .order_by("closure_requested_at", "pk")
    )


def assignable_caseworkers(user: Any) -> QuerySet[User]:
    """Caseworkers of the offices whose cases the user may reassign."""
    users = User.objects.filter(
        role__in=policy.assignable_roles(), is_active=True, is_integration=False
    ).select_related("organization")
    if not scope_of(user).can_write:
        return users.none()
    return users.filter(owned_q(user, org_field="organization")).order_by(
        "organization__name", "first_name", "username"
    )


# --- home page blocks ------------------------------------------------------------


def caseworker_home(user: Any, *, limit: int = 10) -> dict[str, Any]:
    mine = Case.objects.visible_to(user).filter(assigned_to=user)
    my_open = (
        mine.filter(status__in=ACTIVE_STATUSES)
        .select_related("beneficiary", "primary_category")
        .order_by("-opened_at", "-pk")
    )
    assessment_due = (
        mine.filter(status=CaseStatus.OPEN)
        .exclude(Exists(Assessment.objects.filter(case=OuterRef("pk"))))
        .select_related("beneficiary")
        .order_by("opened_at", "pk")
    )
    services_to_update = (
        ServiceDelivery.objects.filter(
            case__in=mine.filter(status__in=ACTIVE_STATUSES),
            status__in=(ServiceStatus.PLANNED, ServiceStatus.ONGOING),
        )
        .select_related("case", "case__beneficiary", "service_type")
        .order_by("updated_at", "pk")
    )
    recent = (
        Beneficiary.objects.filter(registered_by_org_id=user.organization_id)
        .select_related("registered_by")
        .order_by("-created_at", "-pk")
    )
    return {
        "my_open_cases": list(my_open[:limit]),
        "assessment_due": list(assessment_due[:limit]),
        "services_to_update": list(services_to_update[:limit]),
        "recently_registered": list(recent[:limit]),
    }


def supervisor_home(user: Any) -> dict[str, Any]:
    queue = approval_queue(user)
    return {
        "pending_approvals": queue.count(),
        "oldest_pending": queue.first(),
        "may_approve": scope_of(user).can_write,
    }


# --- history ---------------------------------------------------------------------


def change_history(
    instance: Any, *, limit: int = 30, until: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """django-auditlog entries (changes and accesses) of one object, newest first,
    ready to show: field labels, choice labels, and related rows by name (one query
    per related model, never per entry). Creation entries are not itemised.
    With `until` (a former owner's cutoff), only entries up to that moment."""
    from auditlog.models import LogEntry

    entries_qs = LogEntry.objects.get_for_object(instance)
    if until is not None:
        entries_qs = entries_qs.filter(timestamp__lte=until)
    entries = list(entries_qs.select_related("actor").order_by("-timestamp", "-pk")[:limit])
    model = type(instance)
    wanted: dict[Any, set[str]] = {}
    for entry in entries:
        if entry.action != LogEntry.Action.UPDATE:
            continue
        for name, values in (entry.changes_dict or {}).items():
            field = _field_or_none(model, name)
            if field is not None and field.many_to_one and isinstance(values, list):
                wanted.setdefault(field.related_model, set()).update(
                    str(v) for v in values if str(v).isdigit()
                )
    names = {
        related: {str(obj.pk): str(obj) for obj in related._default_manager.filter(pk__in=ids)}
        for related, ids in wanted.items()
    }
    actions = {
        LogEntry.Action.CREATE: _("dibuat"),
        LogEntry.Action.UPDATE: _("diubah"),
        LogEntry.Action.DELETE: _("dihapus"),
        LogEntry.Action.ACCESS: _("dilihat"),
    }
    rows = []
    for entry in entries:
        changes = []
        if entry.action == LogEntry.Action.UPDATE:
            for name, values in (entry.changes_dict or {}).items():
                changes.append(_describe_change(model, name, values, names))
        rows.append(
            {
                "timestamp": entry.timestamp,
                "actor": entry.actor,
                "action": actions.get(entry.action, ""),
                "changes": changes,
            }
        )
    return rows


def _field_or_none(model: Any, name: str) -> Any:
    try:
        return model._meta.get_field(name)
    except Exception:  # noqa: BLE001  (a field removed since the entry was written)
        return None


def _describe_change(
    model: Any, name: str, values: Any, names: dict[Any, dict[str, str]]
) -> tuple[str, str, str]:
    field = _field_or_none(model, name)
    label = str(field.verbose_name).capitalize() if field is not None else name
    if isinstance(values, dict):  # many-to-many: {"operation": "add", "objects": [...]}
        objects = ", ".join(str(o) for o in values.get("objects", []))
        if values.get("operation") == "delete":
            return label, objects, "—"
        return label, "—", objects

    def show(value: Any) -> str:
        text = str(value)
        if text in ("None", ""):
            return "—"
        if field is None:
            return text
        if field.many_to_one:
            return names.get(field.related_model, {}).get(text, text)
        if field.choices:
            return str(dict(field.flatchoices).get(text, text))
        if text in ("True", "False"):
            return _("Ya") if text == "True" else _("Tidak")
        return text

    old, new = (list(values) + [None, None])[:2]
    return label, show(old), show(new)


# --- likely duplicates -----------------------------------------------------------

MATCH_THRESHOLD = 0.35
MATCH_YEARS = 2
_WORD = re.compile(r"[^\W_]+")


def name_trigrams(text: str) -> set[str]:
    """The trigrams pg_trgm extracts from a text (each word padded '  word ')."""
    grams: set[str] = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def name_similarity(left: str, right: str) -> float:
    """pg_trgm's similarity(): shared trigrams over all distinct trigrams."""
    a, b = name_trigrams(left), name_trigrams(right)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _years_around(birth_date: dt.date, years: int) -> tuple[dt.date, dt.date]:
    def shift(delta: int) -> dt.date:
        try:
            return birth_date.replace(year=birth_date.year + delta)
        except ValueError:  # 29 February
            return birth_date.replace(year=birth_date.year + delta, day=28)

    return shift(-years), shift(years)


def beneficiary_find_matches(
    *,
    full_name: str,
    regency: Region | int,
    birth_date: dt.date | None = None,
    limit: int = 10,
    without_nik_only: bool = False,
    exclude_pk: int | None = None,
) -> list[Beneficiary]:
    """Persons who are likely the same as the one being registered.

    Similar name (trigram similarity ≥ MATCH_THRESHOLD), same kabupaten/kota,
    birth date within ±MATCH_YEARS years when given (or unknown). Each result
    carries `.similarity`; best first. On PostgreSQL the name filter is
    `full_name % name` served by the trigram index of that kabupaten/kota
    (migration 0012); on SQLite the same similarity is computed in Python over the
    candidates of the region and birth window, which is slower but gives the same
    answer.
    """
    name = " ".join(full_name.split())
    if not name:
        return []
    queryset = Beneficiary.objects.select_related("registered_by_org", "regency", "region").filter(
        regency=regency
    )
    if birth_date is not None:
        low, high = _years_around(birth_date, MATCH_YEARS)
        queryset = queryset.filter(Q(birth_date__range=(low, high)) | Q(birth_date__isnull=True))
    if without_nik_only:
        queryset = queryset.filter(nik__isnull=True)
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)

    finder = _similar_names_postgres if settings.IS_POSTGRES else _similar_names_python
    rows = finder(queryset, name, limit * 3)  # Beneficiary rows, each with its `.similarity`

    def closeness(row: Any) -> tuple[float, int, int]:
        days = (
            abs((row.birth_date - birth_date).days)
            if birth_date is not None and row.birth_date is not None
            else 10_000
        )
        return (-round(row.similarity, 3), days, row.pk)

    rows.sort(key=closeness)
    return rows[:limit]


def _similar_names_postgres(queryset: QuerySet[Beneficiary], name: str, count: int) -> list[Any]:
    from django.contrib.postgres.search import TrigramSimilarity

    with transaction.atomic():
        # `full_name % name` (served by the trigram index) keeps names with
        # similarity >= pg_trgm.similarity_threshold (0.3 unless set): at our
        # threshold the index hands over half the candidates to recheck
        # (1M beneficiaries: 9.7k heap blocks -> 4.9k, 65 -> 45 ms).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.similarity_threshold', %s, true)",
                [str(MATCH_THRESHOLD)],
            )
        return list(
            queryset.filter(full_name__trigram_similar=name)
            .annotate(similarity=TrigramSimilarity("full_name", name))
            .filter(similarity__gte=MATCH_THRESHOLD)
            .order_by("-similarity", "pk")[:count]
        )


def _similar_names_python(queryset: QuerySet[Beneficiary], name: str, count: int) -> list[Any]:
    """The same similarity on SQLite: score (pk, name) pairs only, then load the few
    that pass."""
    wanted = name_trigrams(name)
    scores: dict[int, float] = {}
    for pk, candidate in queryset.values_list("pk", "full_name").iterator(chunk_size=5000):
        grams = name_trigrams(candidate)
        score = len(wanted & grams) / len(wanted | grams) if grams else 0.0
        if score >= MATCH_THRESHOLD:
            scores[pk] = score
    best = sorted(scores, key=lambda pk: (-scores[pk], pk))[:count]
    rows: list[Any] = list(queryset.filter(pk__in=best))
    for row in rows:
        row.similarity = scores[row.pk]
    return rows


def describe_matches(user: Any, matches: list[Beneficiary]) -> list[dict[str, Any]]:
    """For each match: the person if the user may see them, else only the office.

    A person the user may see is told apart by age, desa, masked NIK and No. KK
    (cases/nik.py mask_number) and the office and date of their last case the user
    may see; one the user may not see shows only the registering office, as the
    NIK check does (no more of another office's person than registration shows).
    """
    visible = set(
        Beneficiary.objects.visible_to(user)
        .filter(pk__in=[m.pk for m in matches])
        .values_list("pk", flat=True)
    )
    last_cases = _last_cases(user, visible)
    today = timezone.localdate()
    described = []
    for match in matches:
        row: dict[str, Any] = {
            "beneficiary": match,
            "similarity": round(getattr(match, "similarity", 1.0), 2),
            "visible": match.pk in visible,
            "organization": match.registered_by_org,
        }
        if match.pk in visible:
            row.update(
                age=age_on(match.birth_date, today) if match.birth_date else None,
                place=match.region.name,
                nik_masked=mask_number(match.nik),
                no_kk_masked=mask_number(match.no_kk),
                last_case=last_cases.get(match.pk),
            )
        described.append(row)
    return described


def _last_cases(user: Any, pks: set[int]) -> dict[int, Case]:
    """Each person's most recently opened case among those the user may see."""
    latest: dict[int, Case] = {}
    cases = (
        Case.objects.visible_to(user)
        .filter(beneficiary_id__in=pks)
        .select_related("owner_org")
        .order_by("beneficiary_id", "-opened_at", "-pk")
    )
    for case in cases:
        latest.setdefault(case.beneficiary_id, case)
    return latest


def organization_contact(organization: Organization) -> dict[str, str]:
    return {
        "name": organization.name,
        "phone": organization.phone,
        "email": organization.email,
        "address": organization.address,
    }
