"""Reads of follow-ups and visits. Days are WITA days (timezone.localdate)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.scoping import owned_q
from cases.models import Case
from followups.models import FollowUp, Visit

WEEK_DAYS = 7  # "minggu ini": today and the six days after it


@dataclass
class MyWork:
    today: dt.date
    overdue: list[FollowUp] = field(default_factory=list)
    due_today: list[FollowUp] = field(default_factory=list)
    this_week: list[FollowUp] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.due_today) + len(self.this_week)


def my_work(user: User, *, today: dt.date | None = None) -> MyWork:
    """The user's own open follow-ups, on cases their office owns now: overdue
    (due before today), today, and the rest of the next seven days. One query."""
    today = today or timezone.localdate()
    rows = (
        FollowUp.objects.open()
        .filter(
            assignee=user,
            case__owner_org_id=user.organization_id,
            due_date__lt=today + dt.timedelta(days=WEEK_DAYS),
        )
        .select_related("case")
        .only(
            "kind",
            "note",
            "due_date",
            "source",
            "is_overdue",
            "case__number",
            "case__beneficiary_name",
        )
        .order_by("due_date", "pk")
    )
    work = MyWork(today=today)
    for row in rows:
        if row.due_date < today:
            work.overdue.append(row)
        elif row.due_date == today:
            work.due_today.append(row)
        else:
            work.this_week.append(row)
    return work


def get_my_open_followup(user: User, pk: int) -> FollowUp:
    """The user's own open follow-up, else 404 (a colleague's, another office's)."""
    followup = (
        FollowUp.objects.open()
        .select_related("case", "case__owner_org")
        .filter(pk=pk, assignee=user, case__owner_org_id=user.organization_id)
        .first()
    )
    if followup is None:
        raise Http404(_("Tindak lanjut tidak ditemukan."))
    return followup


def office_followups(user: User) -> QuerySet[FollowUp]:
    """Open follow-ups of the cases owned within the user's reach."""
    return FollowUp.objects.open().filter(
        owned_q(user, org_field="case__owner_org", regency_field="case__regency")
    )


def overdue_by_worker(user: User, *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Per assignee (None: nobody), how many open follow-ups are overdue and due today."""
    today = today or timezone.localdate()
    rows = (
        office_followups(user)
        .filter(due_date__lte=today)
        .values("assignee", "assignee__first_name", "assignee__username", "case__owner_org__name")
        .annotate(
            overdue=Count("pk", filter=Q(due_date__lt=today)),
            due_today=Count("pk", filter=Q(due_date=today)),
        )
        .order_by("-overdue", "assignee__first_name", "assignee__username")
    )
    return [dict(row) for row in rows]


def overdue_rows(
    user: User, *, today: dt.date | None = None, assignee: int | None = None
) -> QuerySet[FollowUp]:
    today = today or timezone.localdate()
    rows = (
        office_followups(user)
        .filter(due_date__lt=today)
        .select_related("case", "assignee", "case__owner_org")
        .order_by("due_date", "pk")
    )
    if assignee is not None:
        rows = rows.filter(assignee_id=assignee)
    return rows


def overdue_count(user: User, *, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    return office_followups(user).filter(due_date__lt=today).count()


def case_followups(case: Case, *, until: dt.datetime | None = None) -> list[FollowUp]:
    """The case's follow-ups; for a former owner (`until`: the transfer), only
    those made before it, as the rest of the page shows the case then."""
    rows = FollowUp.objects.filter(case=case)
    if until is not None:
        rows = rows.filter(created_at__lte=until)
    return list(
        rows.select_related("assignee", "done_by").order_by(
            F("done_at").asc(nulls_first=True), "due_date", "pk"
        )
    )


def case_visits(case: Case, *, until: dt.datetime | None = None) -> list[Visit]:
    rows = Visit.objects.filter(case=case)
    if until is not None:
        rows = rows.filter(created_at__lte=until)
    return list(rows.select_related("created_by", "followup").order_by("-visited_on", "-pk"))


def home_counts(user: User, *, supervisor: bool) -> dict[str, int]:
    """The home page's block: the user's own overdue and today's follow-ups; for a
    supervisor, the overdue ones of every worker in reach. Counted on the partial
    index of open follow-ups (one query)."""
    today = timezone.localdate()
    if supervisor:
        rows = office_followups(user)
    else:
        rows = FollowUp.objects.open().filter(
            assignee=user, case__owner_org_id=user.organization_id
        )
    return rows.aggregate(
        overdue=Count("pk", filter=Q(due_date__lt=today)),
        due_today=Count("pk", filter=Q(due_date=today)),
    )
