"""Pages of the case plan. Thin: the case through cases.selectors.get_case_for_user
(404 outside the user's scope; NotAllowed for a reader who tries to write), the
version through plans.selectors, the rules in plans.services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import policy
from accounts.http import AuthenticatedHttpRequest
from cases import selectors as case_selectors
from cases.audit import log_access
from cases.forms import apply_errors
from cases.models import Case
from cases.views import _with_version, office_user
from plans import selectors, services
from plans.forms import ActionForm, ApproveForm, GoalForm, ProgressForm, ReturnForm
from plans.models import CasePlan
from pmks.errors import DomainError, NotAllowed, VersionConflict

PAGE_SIZE = 25


def _plan_url(plan: CasePlan) -> HttpResponse:
    return redirect("plans:plan_version", pk=plan.case_id, number=plan.number)


def _action_form(case: Case, *args: Any, **kwargs: Any) -> ActionForm:
    return ActionForm(
        *args,
        organizations=selectors.responsible_organizations(),
        people=selectors.responsible_people(case),
        **kwargs,
    )


def _page_context(
    request: AuthenticatedHttpRequest, case: Case, plan: CasePlan | None
) -> dict[str, Any]:
    user = request.user
    plans = selectors.case_plans(user, case)
    may = selectors.plan_may(user, case, plan) if plan else {}
    if plan is not None and may.get("edit"):
        for goal in plan.goals.all():
            goal.action_form = _action_form(  # type: ignore[attr-defined]
                case, prefix=f"g{goal.pk}", initial={"version": plan.version}
            )
    return {
        "case": case,
        "plan": plan,
        "plans": plans,
        "may": may,
        "may_draft": selectors.open_plan(plans) is None
        and case_selectors.may_write_case(user, case)
        and case.status != "closed",
        "needs": selectors.need_choices(case),
        "goal_form": GoalForm(
            prefix="goal", needs=selectors.need_choices(case), initial={"version": plan.version}
        )
        if plan is not None and may.get("edit")
        else None,
        "approve_form": ApproveForm(
            prefix="approve",
            initial={"version": plan.version, "review_date": services.default_review_date()},
        )
        if may.get("decide") and plan is not None
        else None,
        "return_form": ReturnForm(prefix="return", initial={"version": plan.version})
        if may.get("decide") and plan is not None
        else None,
    }


@require_GET
@office_user
def plan_page(
    request: AuthenticatedHttpRequest, pk: int, number: int | None = None
) -> HttpResponse:
    """One version of the case's plan (by default the one in the works, else the
    newest), with its goals and actions, the list of versions and the forms."""
    case = case_selectors.get_case_for_user(request.user, pk)
    log_access(user=request.user, instance=case)
    plan = None
    if number is None:
        plans = selectors.case_plans(request.user, case)
        chosen = selectors.open_plan(plans) or (plans[0] if plans else None)
        number = chosen.number if chosen else None
    if number is not None:
        plan = selectors.get_plan_for_user(request.user, case, number)
    return render(request, "plans/plan.html", _page_context(request, case, plan))


@require_POST
@office_user
def plan_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = case_selectors.get_case_for_user(request.user, pk, write=True)
    try:
        plan = services.plan_create(actor=request.user, case=case)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("plans:plan_page", pk=case.pk)
    messages.success(request, _("Draf rencana versi %(number)s dibuat.") % {"number": plan.number})
    return _plan_url(plan)


def _writable_version(request: AuthenticatedHttpRequest, pk: int, number: int) -> CasePlan:
    case = case_selectors.get_case_for_user(request.user, pk, write=True)
    return selectors.get_plan_for_user(request.user, case, number)


def _step(
    request: AuthenticatedHttpRequest, plan: CasePlan, form: Any, title: str, conflict: Any = None
) -> HttpResponse:
    context = {"case": plan.case, "form": form, "title": title, "conflict": conflict}
    return render(request, "cases/step_form.html", context)


def _form_write(
    request: AuthenticatedHttpRequest,
    plan: CasePlan,
    form: Any,
    title: str,
    write: Callable[[int, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    """Validate, write, and go back to the plan; errors and conflicts show the form
    again with what the user typed (nothing saved is lost)."""
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            write(version, data)
        except ValidationError as exc:
            apply_errors(form, exc)
        except VersionConflict as exc:
            conflict = exc
            form = type(form)(
                _with_version_prefixed(request, form, exc.details["current"].version),
                **_form_kwargs(plan, form),
            )
            form.is_valid()
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, done)
            return _plan_url(plan)
    return _step(request, plan, form, title, conflict)


def _with_version_prefixed(request: AuthenticatedHttpRequest, form: Any, version: int) -> Any:
    data = _with_version(request.POST, version)
    if form.prefix:
        data[f"{form.prefix}-version"] = str(version)
    return data


def _form_kwargs(plan: CasePlan, form: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"prefix": form.prefix}
    if isinstance(form, GoalForm):
        kwargs["needs"] = selectors.need_choices(plan.case, keep=form.data.get("need", ""))
    if isinstance(form, ActionForm):
        kwargs["organizations"] = selectors.responsible_organizations()
        kwargs["people"] = selectors.responsible_people(plan.case)
    return kwargs


@require_POST
@office_user
def goal_add(request: AuthenticatedHttpRequest, pk: int, number: int) -> HttpResponse:
    plan = _writable_version(request, pk, number)
    form = GoalForm(request.POST, prefix="goal", needs=selectors.need_choices(plan.case))

    def write(version: int, data: dict[str, Any]) -> Any:
        return services.plan_goal_add(
            actor=request.user, plan=plan, expected_version=version, data=data
        )

    return _form_write(request, plan, form, _("Tambah tujuan"), write, _("Tujuan ditambahkan."))


@require_http_methods(["GET", "POST"])
@office_user
def goal_edit(
    request: AuthenticatedHttpRequest, pk: int, number: int, goal_pk: int
) -> HttpResponse:
    plan = _writable_version(request, pk, number)
    goal = selectors.get_goal(plan, goal_pk)
    needs = selectors.need_choices(plan.case, keep=goal.need)
    if request.method == "POST":
        form = GoalForm(request.POST, prefix="goal", needs=needs)
    else:
        form = GoalForm(
            prefix="goal", needs=needs, initial=GoalForm.initial_for(goal, plan.version)
        )

    def write(version: int, data: dict[str, Any]) -> Any:
        return services.plan_goal_update(
            actor=request.user, goal=goal, expected_version=version, data=data
        )

    return _form_write(request, plan, form, _("Ubah tujuan"), write, _("Tujuan disimpan."))


@require_POST
@office_user
def goal_delete(
    request: AuthenticatedHttpRequest, pk: int, number: int, goal_pk: int
) -> HttpResponse:
    plan = _writable_version(request, pk, number)
    goal = selectors.get_goal(plan, goal_pk)
    return _simple_write(
        request,
        plan,
        lambda version: services.plan_goal_delete(
            actor=request.user, goal=goal, expected_version=version
        ),
        _("Tujuan dihapus."),
    )


@require_POST
@office_user
def action_add(
    request: AuthenticatedHttpRequest, pk: int, number: int, goal_pk: int
) -> HttpResponse:
    plan = _writable_version(request, pk, number)
    goal = selectors.get_goal(plan, goal_pk)
    form = _action_form(plan.case, request.POST, prefix=f"g{goal.pk}")

    def write(version: int, data: dict[str, Any]) -> Any:
        return services.plan_action_add(
            actor=request.user, goal=goal, expected_version=version, data=data
        )

    title = _("Tambah tindakan: %(goal)s") % {"goal": goal.text}
    return _form_write(request, plan, form, title, write, _("Tindakan ditambahkan."))


@require_http_methods(["GET", "POST"])
@office_user
def action_edit(
    request: AuthenticatedHttpRequest, pk: int, number: int, action_pk: int
) -> HttpResponse:
    plan = _writable_version(request, pk, number)
    action = selectors.get_action(plan, action_pk)
    if plan.is_active:
        return _progress_edit(request, plan, action)
    if not plan.is_editable:
        raise NotAllowed(_("Versi rencana ini hanya dapat dibaca."))
    if request.method == "POST":
        form = _action_form(plan.case, request.POST, prefix="action")
    else:
        initial = ActionForm.initial_for(action, plan.version)
        form = _action_form(plan.case, prefix="action", initial=initial)

    def write(version: int, data: dict[str, Any]) -> Any:
        return services.plan_action_update(
            actor=request.user, action=action, expected_version=version, data=data
        )

    title = _("Ubah tindakan: %(action)s") % {"action": action.text}
    return _form_write(request, plan, form, title, write, _("Tindakan disimpan."))


def _progress_edit(request: AuthenticatedHttpRequest, plan: CasePlan, action: Any) -> HttpResponse:
    """An action of the approved plan: its status and progress only."""
    if request.method == "POST":
        form = ProgressForm(request.POST, prefix="action")
    else:
        form = ProgressForm(prefix="action", initial=ProgressForm.initial_for(action, plan.version))

    def write(version: int, data: dict[str, Any]) -> Any:
        return services.plan_action_progress(
            actor=request.user, action=action, expected_version=version, data=data
        )

    title = _("Perbarui kemajuan: %(action)s") % {"action": action.text}
    return _form_write(request, plan, form, title, write, _("Kemajuan tindakan disimpan."))


@require_POST
@office_user
def action_delete(
    request: AuthenticatedHttpRequest, pk: int, number: int, action_pk: int
) -> HttpResponse:
    plan = _writable_version(request, pk, number)
    action = selectors.get_action(plan, action_pk)
    return _simple_write(
        request,
        plan,
        lambda version: services.plan_action_delete(
            actor=request.user, action=action, expected_version=version
        ),
        _("Tindakan dihapus."),
    )


def _posted_version(request: AuthenticatedHttpRequest, prefix: str = "") -> int | None:
    value = request.POST.get(f"{prefix}-version" if prefix else "version", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


def _simple_write(
    request: AuthenticatedHttpRequest,
    plan: CasePlan,
    write: Callable[[int], Any],
    done: str,
    prefix: str = "",
) -> HttpResponse:
    """A button (submit, delete): back to the plan with a message either way."""
    version = _posted_version(request, prefix)
    if version is None:
        messages.error(request, _("Permintaan tidak lengkap."))
        return _plan_url(plan)
    try:
        write(version)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except VersionConflict:
        messages.error(
            request, _("Rencana ini baru saja diubah orang lain. Periksa isinya lalu ulangi.")
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return _plan_url(plan)


@require_POST
@office_user
def plan_submit(request: AuthenticatedHttpRequest, pk: int, number: int) -> HttpResponse:
    plan = _writable_version(request, pk, number)
    return _simple_write(
        request,
        plan,
        lambda version: services.plan_submit(
            actor=request.user, plan=plan, expected_version=version
        ),
        _("Rencana diajukan ke supervisor."),
    )


@require_POST
@office_user
def plan_approve(request: AuthenticatedHttpRequest, pk: int, number: int) -> HttpResponse:
    plan = _writable_version(request, pk, number)
    form = ApproveForm(request.POST, prefix="approve")
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return _plan_url(plan)
    review_date = form.cleaned_data.get("review_date")
    return _simple_write(
        request,
        plan,
        lambda version: services.plan_approve(
            actor=request.user, plan=plan, expected_version=version, review_date=review_date
        ),
        _("Rencana disetujui."),
        prefix="approve",
    )


@require_POST
@office_user
def plan_return(request: AuthenticatedHttpRequest, pk: int, number: int) -> HttpResponse:
    plan = _writable_version(request, pk, number)
    return _simple_write(
        request,
        plan,
        lambda version: services.plan_return(
            actor=request.user,
            plan=plan,
            expected_version=version,
            reason=request.POST.get("return-reason", ""),
        ),
        _("Rencana dikembalikan ke pekerja sosial."),
        prefix="return",
    )


@require_GET
@office_user
def approval_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not policy.is_supervisor(request.user):
        raise Http404
    rows = selectors.plan_approval_queue(request.user)
    page = case_selectors.paginate(rows, request.GET.get("page"), size=PAGE_SIZE)
    return render(
        request,
        "plans/approval_queue.html",
        {"page": page, "may_decide": policy.may_assign(request.user)},
    )
