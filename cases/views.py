"""Pages of the beneficiary registry and the case work. Thin: they fetch through
the selectors (404 outside scope), call the services, and render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    QueryDict,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import policy
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Organization, User
from accounts.scoping import Reach, is_office_supervisor_of, scope_of
from cases import selectors
from cases.audit import log_access
from cases.filters import BeneficiaryFilter, CaseFilter
from cases.forms import (
    AssessmentForm,
    AssignForm,
    AttachmentForm,
    BeneficiaryForm,
    CaseEditForm,
    CaseOpenForm,
    NoteForm,
    ServiceForm,
    ServiceUpdateForm,
    TransitionForm,
    apply_errors,
    goals_met_from,
)
from cases.models import Beneficiary, Case, CaseStatus, ClosureReason, ServiceDelivery
from cases.nik import mask_number, nik_mismatches, normalize_number, parse_nik
from cases.services import (
    attachments,
    closure,
    delivery,
    opening,
    registration,
    timeline,
    workflow,
)
from households.selectors import household_for_page
from pmks.dates import parse_day_month_year
from pmks.errors import DomainError, DuplicateFound, NotAllowed, VersionConflict
from regions.models import Level, Region

PAGE_SIZE = 25

View = Callable[..., HttpResponseBase]


def office_user(view: View) -> View:
    """Pages of the case work: only users whose role reaches cases (else 404)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if scope_of(request.user).reach is Reach.NOTHING:
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except NotAllowed as exc:
            return render(request, "cases/not_allowed.html", {"message": exc.message}, status=403)

    return wrapped


def _office_of(user: User) -> Organization:
    """The user's organization: office_user lets in only users whose scope reaches
    cases, and scope_of gives a user without an organization no reach."""
    organization = user.organization
    assert organization is not None, "office_user let in a user without an organization"
    return organization


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _with_version(data: QueryDict, version: int) -> QueryDict:
    """The user's input, unchanged, but carrying the version now saved (after a
    conflict the user sees the differences and may save again knowingly)."""
    copy = data.copy()
    copy["version"] = str(version)
    return copy


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _id_or_none(value: str | None) -> int | None:
    """A primary key from a query string, or None for anything else (letters,
    signs, non-ASCII digits, numbers too large for the database)."""
    if value and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


# --- regions and NIK helpers (htmx) ----------------------------------------------


@require_GET
@office_user
def region_options(request: AuthenticatedHttpRequest) -> HttpResponse:
    """<option>s of the kecamatan of a kabupaten/kota, or desa of a kecamatan."""
    regency = _id_or_none(request.GET.get("regency"))
    district = _id_or_none(request.GET.get("district"))
    level, parent = (Level.VILLAGE, district) if "district" in request.GET else (None, None)
    if "regency" in request.GET:
        level, parent = Level.DISTRICT, regency
    options = []
    if level and parent:
        options = list(
            Region.objects.filter(level=level, parent_id=parent)
            .order_by("code")
            .values_list("pk", "name")
        )
    return render(
        request,
        "cases/_region_options.html",
        {"options": options, "clear_villages": level == Level.DISTRICT},
    )


@require_GET
@office_user
def nik_check(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Live feedback on the NIK field: what it says, or which digits are wrong,
    and whether the person is already registered."""
    nik = normalize_number(request.GET.get("nik"))
    context: dict[str, Any] = {"nik": nik}
    if nik:
        try:
            info = parse_nik(nik)
        except ValidationError as exc:
            context["error"] = exc.messages[0]
        else:
            context["info"] = info
            existing = (
                Beneficiary.objects.filter(nik=info.nik).select_related("registered_by_org").first()
            )
            if existing is not None:
                context["duplicate"] = {
                    "beneficiary": existing,
                    "visible": Beneficiary.objects.visible_to(request.user)
                    .filter(pk=existing.pk)
                    .exists(),
                    "organization": existing.registered_by_org,
                }
            sex = request.GET.get("sex")
            # dd/mm/yyyy as typed (or ISO); not a date (31/02): nothing to compare
            birth_date = parse_day_month_year(request.GET.get("birth_date"))
            context["mismatches"] = list(
                nik_mismatches(info, sex=sex, birth_date=birth_date).values()
            )
    return render(request, "cases/_nik_check.html", context)


# --- beneficiaries ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@office_user
def beneficiary_register(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not policy.may_register(request.user):
        raise NotAllowed(_("Anda hanya dapat melihat data, tidak dapat mendaftarkan orang."))
    context: dict[str, Any] = {}
    if request.method == "POST":
        form = BeneficiaryForm(request.POST)
        if form.is_valid():
            try:
                beneficiary = registration.beneficiary_register(
                    actor=request.user,
                    data=form.service_data(),
                    confirm_new="confirm_new" in request.POST,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            except DuplicateFound as exc:
                context["duplicate"] = exc.details
                context["duplicate_message"] = exc.message
            else:
                messages.success(
                    request,
                    _("%(name)s terdaftar. Lanjutkan dengan membuka kasus.")
                    % {"name": beneficiary.full_name},
                )
                return redirect("cases:case_create_for", beneficiary_pk=beneficiary.pk)
    else:
        form = BeneficiaryForm(initial={"regency": _office_of(request.user).region_id})
    context["form"] = form
    return render(request, "cases/beneficiary_form.html", context)


@require_GET
@office_user
def beneficiary_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    beneficiary = selectors.get_beneficiary_for_user(request.user, pk)
    log_access(user=request.user, instance=beneficiary)
    household = household_for_page(request.user, beneficiary)
    context = {
        "beneficiary": beneficiary,
        "household": household,
        # the same No. KK without a household row (data loaded before households)
        "household_members": (
            [] if household else selectors.household_members(request.user, beneficiary)
        ),
        "cases": selectors.mark_transferred_away(
            request.user, selectors.beneficiary_cases(request.user, beneficiary)
        ),
        "may_write": selectors.may_write_beneficiary(request.user, beneficiary),
        "may_open_case": selectors.may_open_case_for(request.user, beneficiary),
        "history": (
            selectors.change_history(beneficiary)
            if policy.may_see_change_history(request.user)
            else None
        ),
    }
    return render(request, "cases/beneficiary_detail.html", context)


@require_GET
@office_user
def beneficiary_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Search the persons the user may see, by name or NIK."""
    queryset = Beneficiary.objects.visible_to(request.user).select_related(
        "regency", "registered_by_org"
    )
    people_filter = BeneficiaryFilter(request.GET or None, queryset=queryset)
    rows = people_filter.qs if people_filter.is_bound else queryset.order_by("-created_at", "-pk")
    page = selectors.paginate(rows, request.GET.get("page"), size=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/beneficiary_list.html",
        {
            "filter": people_filter,
            "page": page,
            "query": query.urlencode(),
            "may_register": policy.may_register(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@office_user
def beneficiary_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    beneficiary = selectors.get_beneficiary_for_user(request.user, pk)
    if not selectors.may_write_beneficiary(request.user, beneficiary):
        raise NotAllowed(_("Anda tidak dapat mengubah data orang ini."))
    context: dict[str, Any] = {"beneficiary": beneficiary}
    if request.method == "POST":
        form = BeneficiaryForm(request.POST)
        if form.is_valid():
            try:
                registration.beneficiary_update(
                    actor=request.user,
                    beneficiary=beneficiary,
                    expected_version=form.cleaned_data["version"] or 0,
                    data=form.service_data(),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            except DuplicateFound as exc:
                context["duplicate"] = exc.details
                context["duplicate_message"] = exc.message
            except VersionConflict as exc:
                context["conflict"] = exc
                form = BeneficiaryForm(_with_version(request.POST, exc.details["current"].version))
            else:
                messages.success(request, _("Data penerima manfaat disimpan."))
                return redirect("cases:beneficiary_detail", pk=beneficiary.pk)
    else:
        log_access(user=request.user, instance=beneficiary)
        form = BeneficiaryForm(initial=BeneficiaryForm.initial_for(beneficiary))
    context["form"] = form
    return render(request, "cases/beneficiary_form.html", context)


# --- case list, approvals, reassignment ------------------------------------------


@require_GET
@office_user
def case_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Newest first, paged by cursor (?after= / ?before= a row's opened_at and id),
    so a deep page costs what the first does; the links keep the filters. The cases
    owned in reach and those the office handed over are read as two walks and
    merged (selectors.case_list_walks)."""
    case_filter = CaseFilter(request.GET or None, queryset=Case.objects.none(), user=request.user)
    page = selectors.keyset_paginate(
        *selectors.case_list_walks(request.user, case_filter),
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        size=PAGE_SIZE,
    )
    query = request.GET.copy()
    for cursor in ("page", "after", "before"):
        query.pop(cursor, None)
    may_assign = policy.may_assign(request.user)
    context = {
        "filter": case_filter,
        "page": page,
        "query": query.urlencode(),
        "may_assign": may_assign,
        "assignees": list(selectors.assignable_caseworkers(request.user)) if may_assign else [],
    }
    return render(request, "cases/case_list.html", context)


@require_POST
@office_user
def case_assign(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = AssignForm(
        request.POST,
        cases=Case.objects.visible_to(user),
        assignees=selectors.assignable_caseworkers(user),
    )
    back = _next_url(request, reverse("cases:case_list"))
    if not form.is_valid():
        messages.error(request, _("Pilih kasus dan pekerja sosial yang dituju."))
        return HttpResponseRedirect(back)
    try:
        count = opening.case_assign(
            actor=user, cases=form.cleaned_data["cases"], assignee=form.cleaned_data["assignee"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(count)d kasus ditugaskan kepada %(user)s.")
            % {"count": count, "user": form.cleaned_data["assignee"].display_name},
        )
    return HttpResponseRedirect(back)


@require_GET
@office_user
def approval_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not policy.is_supervisor(request.user):
        raise Http404
    rows = selectors.approval_queue(request.user)
    page = selectors.paginate(rows, request.GET.get("page"), size=PAGE_SIZE)
    return render(
        request,
        "cases/approval_queue.html",
        {"page": page, "may_decide": policy.may_assign(request.user)},
    )


# --- cases -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@office_user
def case_create(
    request: AuthenticatedHttpRequest, beneficiary_pk: int | None = None
) -> HttpResponse:
    user = request.user
    if not policy.may_register(user):
        raise NotAllowed(_("Anda hanya dapat melihat kasus, tidak dapat membukanya."))
    if beneficiary_pk is None:
        # Choose the person first: registration does the duplicate check.
        return redirect("cases:beneficiary_register")
    beneficiary = selectors.get_beneficiary_for_user(user, beneficiary_pk)
    if not selectors.may_open_case_for(user, beneficiary):
        raise NotAllowed(
            _("Kasus orang ini sudah dipindahkan ke kantor lain; hubungi kantor tersebut.")
        )
    assignees = selectors.assignable_caseworkers(user).filter(organization=_office_of(user))
    if request.method == "POST":
        form = CaseOpenForm(request.POST, assignees=assignees)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = opening.case_open(
                    actor=user,
                    beneficiary=beneficiary,
                    primary_category=data["primary_category"],
                    other_categories=data["other_categories"],
                    priority=data["priority"],
                    summary=data["summary"],
                    assigned_to=data.get("assigned_to"),
                    age_mismatch_confirmed=data["age_mismatch_confirmed"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Kasus %(number)s dibuka.") % {"number": case.number})
                return redirect("cases:case_detail", pk=case.pk)
    else:
        form = CaseOpenForm(
            assignees=assignees,
            initial={"assigned_to": getattr(policy.default_assignee(user), "pk", None)},
        )
    return render(request, "cases/case_open.html", {"form": form, "beneficiary": beneficiary})


def _case_context(request: AuthenticatedHttpRequest, case: Case) -> dict[str, Any]:
    user = request.user
    former = selectors.former_ownership(user, case)
    cutoff = former.until if former is not None else None
    data = selectors.case_page_data(case, cutoff=cutoff)
    if former is not None:
        # A former owner: the case as it was at the transfer, nothing after it.
        case = selectors.case_as_it_was(case, former, data)
    may_write = selectors.may_write_case(user, case)
    moves = workflow.allowed_moves(user, case)
    return {
        "case": case,
        **data,
        "may_write": may_write,
        "moves": moves,
        "closure_reasons": ClosureReason.choices,
        "is_active": case.is_active,
        "assessment_form": AssessmentForm(prefix="assessment"),
        "service_form": ServiceForm(prefix="service") if may_write and case.is_active else None,
        "note_form": NoteForm(),
        "attachment_form": AttachmentForm(),
        "is_supervisor_of_office": is_office_supervisor_of(user, case.owner_org),
        "history": (
            selectors.change_history(case, until=cutoff)
            if policy.may_see_change_history(user)
            else None
        ),
        "attachment_max": settings.ATTACHMENT_MAX_BYTES,
        "assignees": (
            list(selectors.assignable_caseworkers(user).filter(organization=case.owner_org))
            if selectors.may_approve_case(user, case)
            else None
        ),
    }


@require_GET
@office_user
def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk)
    log_access(user=request.user, instance=case)
    return render(request, "cases/case_detail.html", _case_context(request, case))


@require_GET
@office_user
def case_file(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The printable case file (issue 17): the case page's door and rules (a former
    owner sees the case as it was at the transfer), every section for paper."""
    user = request.user
    case = selectors.get_case_for_user(user, pk)
    former = selectors.former_ownership(user, case)
    cutoff = former.until if former is not None else None
    data = selectors.case_page_data(case, cutoff=cutoff, events_limit=None)
    if former is not None:
        case = selectors.case_as_it_was(case, former, data)
    beneficiary = case.beneficiary
    log_access(user=user, instance=case)
    return render(
        request,
        "cases/case_file.html",
        {
            "case": case,
            **data,
            "office": _office_of(user),
            "household": household_for_page(user, beneficiary),
            "nik_masked": mask_number(beneficiary.nik),
            "no_kk_masked": mask_number(beneficiary.no_kk),
            "printed_at": timezone.localtime(),
        },
    )


@require_http_methods(["GET", "POST"])
@office_user
def case_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk, write=True)
    context: dict[str, Any] = {"case": case}
    if request.method == "POST":
        form = CaseEditForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            confirmed = data.pop("age_mismatch_confirmed")
            try:
                opening.case_update(
                    actor=request.user,
                    case=case,
                    expected_version=version,
                    data=data,
                    age_mismatch_confirmed=confirmed,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            except VersionConflict as exc:
                context["conflict"] = exc
                form = CaseEditForm(_with_version(request.POST, exc.details["current"].version))
            else:
                messages.success(request, _("Kasus disimpan."))
                return redirect("cases:case_detail", pk=case.pk)
    else:
        log_access(user=request.user, instance=case)
        form = CaseEditForm(
            initial=CaseEditForm.initial_for(case, list(case.other_categories.all()))
        )
    context["form"] = form
    return render(request, "cases/case_edit.html", context)


def _status_response(
    request: AuthenticatedHttpRequest, case: Case, error: str = ""
) -> HttpResponse:
    """htmx: the case page again (the form's hx-select swaps the page body in place,
    no navigation); otherwise a redirect back to where the form was."""
    if _is_htmx(request) and not request.POST.get("next"):
        fresh = selectors.get_case_for_user(request.user, case.pk)
        context = _case_context(request, fresh)
        context["status_error"] = error
        return render(request, "cases/case_detail.html", context)
    if error:
        messages.error(request, error)
    return HttpResponseRedirect(_next_url(request, reverse("cases:case_detail", args=[case.pk])))


def _make_move(request: AuthenticatedHttpRequest, case: Case, data: dict[str, Any]) -> Case:
    """A closure request carries the answers about the plan's goals (if it has one)."""
    if data["to_status"] == CaseStatus.CLOSURE_REQUESTED:
        return closure.case_request_closure(
            actor=request.user,
            case=case,
            closure_reason=data.get("closure_reason", ""),
            note=data.get("reason", ""),
            expected_version=data.get("version"),
            goals_met=goals_met_from(request.POST),
        )
    return workflow.case_transition(
        actor=request.user,
        case=case,
        to_status=data["to_status"],
        expected_version=data.get("version"),
        reason=data.get("reason", ""),
        closure_reason=data.get("closure_reason", ""),
    )


@require_POST
@office_user
def case_transition(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk, write=True)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return _status_response(request, case, _("Permintaan tidak lengkap."))
    data = form.cleaned_data
    try:
        moved = _make_move(request, case, data)
    except ValidationError as exc:
        return _status_response(request, case, " ".join(exc.messages))
    except VersionConflict:
        return _status_response(
            request,
            case,
            _("Kasus ini baru saja diubah orang lain. Periksa statusnya lalu ulangi."),
        )
    except DomainError as exc:
        return _status_response(request, case, str(exc.message))
    if not _is_htmx(request) or request.POST.get("next"):
        messages.success(
            request,
            _("Status kasus %(number)s: %(status)s")
            % {"number": moved.number, "status": moved.get_status_display()},
        )
    return _status_response(request, moved)


@require_POST
@office_user
def case_note(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk, write=True)
    form = NoteForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            timeline.case_add_note(actor=request.user, case=case, text=form.cleaned_data["text"])
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = _("Catatan tidak boleh kosong.")
    if _is_htmx(request):
        context = {
            "case": case,
            "events": list(case.events.select_related("actor", "actor_org")[:200]),
            "note_form": NoteForm() if not error else form,
            "note_error": error,
            "may_write": True,
        }
        return render(request, "cases/_timeline.html", context)
    if error:
        messages.error(request, error)
    return redirect("cases:case_detail", pk=case.pk)


@require_http_methods(["GET", "POST"])
@office_user
def assessment_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk, write=True)
    form = AssessmentForm(request.POST or None, prefix="assessment")
    if request.method == "POST" and form.is_valid():
        try:
            delivery.assessment_record(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Asesmen dicatat."))
            return redirect("cases:case_detail", pk=case.pk)
    return render(request, "cases/step_form.html", _step(case, form, _("Catat asesmen")))


def _step(case: Case, form: Any, title: str, **extra: Any) -> dict[str, Any]:
    return {"case": case, "form": form, "title": title, **extra}


@require_http_methods(["GET", "POST"])
@office_user
def service_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk, write=True)
    form = ServiceForm(request.POST or None, prefix="service")
    if request.method == "POST" and form.is_valid():
        try:
            delivery.service_delivery_add(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Layanan dicatat."))
            return redirect("cases:case_detail", pk=case.pk)
    return render(request, "cases/step_form.html", _step(case, form, _("Catat layanan")))


@require_http_methods(["GET", "POST"])
@office_user
def service_update(request: AuthenticatedHttpRequest, pk: int, service_pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk, write=True)
    service = (
        ServiceDelivery.objects.filter(case=case, pk=service_pk)
        .select_related("service_type", "provider_org")
        .first()
    )
    if service is None:
        raise Http404
    service.case = case
    conflict = None
    if request.method == "POST":
        form = ServiceUpdateForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                delivery.service_delivery_update(
                    actor=request.user, service=service, expected_version=version, data=data
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            except VersionConflict as exc:
                conflict = exc
                form = ServiceUpdateForm(
                    _with_version(request.POST, exc.details["current"].version)
                )
            else:
                messages.success(request, _("Layanan diperbarui."))
                return redirect("cases:case_detail", pk=case.pk)
    else:
        form = ServiceUpdateForm(initial=ServiceUpdateForm.initial_for(service))
    title = _("Perbarui layanan: %(name)s") % {"name": service.service_type.name}
    return render(request, "cases/step_form.html", _step(case, form, title, conflict=conflict))


@require_http_methods(["GET", "POST"])
@office_user
def attachment_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk, write=True)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            attachments.attachment_add(
                actor=request.user,
                case=case,
                uploaded_file=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Lampiran diunggah."))
            return redirect("cases:case_detail", pk=case.pk)
    return render(
        request,
        "cases/step_form.html",
        _step(case, form, _("Unggah lampiran"), multipart=True),
    )


@require_GET
@office_user
def attachment_download(
    request: AuthenticatedHttpRequest, pk: int, attachment_pk: int
) -> FileResponse:
    case = selectors.get_case_for_user(request.user, pk)
    attachments = case.attachments.all()
    cutoff = selectors.history_cutoff(request.user, case)
    if cutoff is not None:  # a former owner: only what was there at the transfer
        attachments = attachments.filter(uploaded_at__lte=cutoff)
    attachment = attachments.filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404
    log_access(user=request.user, instance=case)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
