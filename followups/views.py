"""Pages of the due work: Tugas saya, the supervisor's overdue view, and the
follow-up and visit forms of the case page. Thin: selectors fetch (404 outside
scope), services write."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import policy
from accounts.http import AuthenticatedHttpRequest
from cases import selectors as case_selectors
from cases.forms import apply_errors
from cases.views import _id_or_none, _next_url, office_user
from followups import selectors, services
from followups.forms import CompleteForm, FollowUpForm, ReassignForm, VisitForm
from followups.models import FollowUp
from pmks.errors import DomainError


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@require_GET
@office_user
def my_work(request: AuthenticatedHttpRequest) -> HttpResponse:
    work = selectors.my_work(request.user)
    return render(
        request, "followups/my_work.html", {"work": work, "complete_form": CompleteForm()}
    )


@require_POST
@office_user
def complete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Done in one step, with the result: the user's own open follow-up only."""
    followup = selectors.get_my_open_followup(request.user, pk)
    form = CompleteForm(request.POST)
    back = _next_url(request, reverse("followups:my_work"))
    if not form.is_valid():
        messages.error(request, _("Tuliskan hasil tindak lanjut."))
        return HttpResponseRedirect(back)
    try:
        services.followup_complete(
            actor=request.user, followup=followup, result=form.cleaned_data["result"]
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Tindak lanjut kasus %(number)s selesai.") % {"number": followup.case.number},
        )
    return HttpResponseRedirect(back)


@require_GET
@office_user
def office_overdue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Overdue work per worker in the supervisor's reach; reassignment for office
    supervisors (a provincial supervisor reads only)."""
    user = request.user
    if not policy.is_supervisor(user):
        raise Http404
    worker = _id_or_none(request.GET.get("petugas"))
    may_assign = policy.may_assign(user)
    context = {
        "workers": selectors.overdue_by_worker(user),
        "rows": list(selectors.overdue_rows(user, assignee=worker)[:200]),
        "worker": worker,
        "may_assign": may_assign,
        "assignees": (list(case_selectors.assignable_caseworkers(user)) if may_assign else []),
    }
    return render(request, "followups/office_overdue.html", context)


@require_POST
@office_user
def reassign(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if not policy.may_assign(user):
        raise Http404
    form = ReassignForm(
        request.POST,
        followups=selectors.office_followups(user),
        assignees=case_selectors.assignable_caseworkers(user),
    )
    back = _next_url(request, reverse("followups:office_overdue"))
    if not form.is_valid():
        messages.error(request, _("Pilih tindak lanjut dan pekerja sosial yang dituju."))
        return HttpResponseRedirect(back)
    try:
        count = services.followups_reassign(
            actor=user,
            followups=form.cleaned_data["followups"],
            assignee=form.cleaned_data["assignee"],
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(count)d tindak lanjut ditugaskan kepada %(user)s.")
            % {"count": count, "user": form.cleaned_data["assignee"].display_name},
        )
    return HttpResponseRedirect(back)


def _case_url(case_pk: int, anchor: str) -> str:
    return reverse("cases:case_detail", args=[case_pk]) + anchor


@require_POST
@office_user
def followup_add(request: AuthenticatedHttpRequest, case_pk: int) -> HttpResponse:
    case = case_selectors.get_case_for_user(request.user, case_pk, write=True)
    form = FollowUpForm(
        request.POST,
        assignees=case_selectors.assignable_caseworkers(request.user).filter(
            organization=case.owner_org
        ),
        prefix="followup",
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.followup_create(
                actor=request.user,
                case=case,
                kind=data["kind"],
                due_date=data["due_date"],
                assignee=data.get("assignee"),
                note=data["note"],
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("Tindak lanjut ditambahkan."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return HttpResponseRedirect(_case_url(case.pk, "#followups"))


# The site's Permissions-Policy turns geolocation off (settings.PERMISSIONS_POLICY);
# this page alone lets its own origin ask, for the "Ambil lokasi" button, which
# asks only when pressed (static/js/geolocation.js).
def _geolocation_allowed(response: HttpResponse) -> HttpResponse:
    response["Permissions-Policy"] = settings.PERMISSIONS_POLICY.replace(
        "geolocation=()", "geolocation=(self)"
    )
    return response


@require_http_methods(["GET", "POST"])
@office_user
def visit_add(request: AuthenticatedHttpRequest, case_pk: int) -> HttpResponse:
    """The visit form on a page of its own; refused input is shown again with the
    errors, nothing typed is lost."""
    case = case_selectors.get_case_for_user(request.user, case_pk, write=True)
    open_followups = FollowUp.objects.open().filter(case=case)
    form = VisitForm(request.POST or None, open_followups=open_followups, prefix="visit")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.visit_record(
                actor=request.user,
                case=case,
                visited_on=data["visited_on"],
                place=data["place"],
                met_with=data["met_with"],
                notes=data["notes"],
                latitude=data.get("latitude"),
                longitude=data.get("longitude"),
                followup=data.get("followup"),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Kunjungan dicatat."))
            return HttpResponseRedirect(_case_url(case.pk, "#visits"))
    response = render(request, "followups/visit_form.html", {"case": case, "form": form})
    return _geolocation_allowed(response)
