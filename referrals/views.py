"""Referral pages: inbox/outbox, the referral with its thread and actions, the
"Rujuk" page from a case, the surat rujukan, the service directory and the
notifications. Every object comes through referrals.selectors (404 outside scope)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise, cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts import policy
from accounts.http import AuthenticatedHttpRequest
from cases.audit import log_access
from pmks.errors import DomainError, VersionConflict
from referrals import selectors
from referrals.filters import ServiceOfferFilter
from referrals.forms import AcceptForm, CapacityForm, ReferralForm
from referrals.models import Referral, ReferralKind, ReferralStatus, ServiceOffer
from referrals.selectors import Box
from referrals.services import capacity, conversation, creation, decisions, notify, transitions

PAGE_SIZE = 25

BOX_LABELS = {
    Box.INBOX: gettext_lazy("Rujukan masuk"),
    Box.OUTBOX: gettext_lazy("Rujukan keluar"),
    Box.ALL: gettext_lazy("Semua rujukan di wilayah"),
}


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


class CountedPaginator(Paginator):
    """A paginator told its total when the status counts already give it, so the
    page runs no COUNT(*) of its own; it counts only when `total` is None."""

    def __init__(self, object_list: Any, per_page: int, *, total: int | None) -> None:
        super().__init__(object_list, per_page)
        self.total = total

    @cached_property
    def count(self) -> int:
        return self.total if self.total is not None else super().count


# --- lists --------------------------------------------------------------------------


def _referral_list(request: AuthenticatedHttpRequest, box: str) -> HttpResponse:
    user = request.user
    boxes = selectors.boxes_for(user)
    if box not in boxes:
        if box == Box.INBOX and boxes:
            return redirect(f"referrals:{boxes[0]}")
        raise Http404
    filterset = selectors.referral_filterset(user=user, box=box, filters=request.GET)
    referrals = selectors.referral_list(user=user, box=box, filters=request.GET)
    counts = selectors.status_counts(user=user, box=box)
    paginator = CountedPaginator(
        referrals, PAGE_SIZE, total=selectors.counted_total(filterset, counts)
    )
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    status_links = []
    for status, label in ReferralStatus.choices:
        link = query.copy()
        link["status"] = status
        status_links.append(
            {
                "status": status,
                "label": label,
                "count": counts[status],
                "query": link.urlencode(),
                "active": request.GET.get("status") == status,
            }
        )
    return render(
        request,
        "referrals/list.html",
        {
            "box": box,
            "box_label": BOX_LABELS[box],
            "boxes": [(name, BOX_LABELS[name]) for name in boxes],
            "filter": filterset,
            "page": page,
            "status_links": status_links,
            "total": sum(counts.values()),
            "query": query.urlencode(),
            "now": timezone.now(),
        },
    )


@login_required
@require_GET
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _referral_list(request, Box.INBOX)


@login_required
@require_GET
def outbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _referral_list(request, Box.OUTBOX)


@login_required
@require_GET
def all_referrals(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _referral_list(request, Box.ALL)


# --- one referral -------------------------------------------------------------------


@login_required
@require_GET
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = selectors.get_referral_for_user(request.user, pk)
    log_access(user=request.user, instance=referral.case.beneficiary)  # UU PDP: who viewed
    actions = transitions.allowed_actions(request.user, referral)
    accept_form = None
    if "accept" in actions and referral.kind == ReferralKind.TRANSFER:
        accept_form = AcceptForm(to_org_id=referral.to_org_id)
        if policy.default_assignee(request.user) is not None:
            accept_form = None  # the accepting caseworker takes the case
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            "beneficiary": referral.case.beneficiary,
            "actions": actions,
            "accept_form": accept_form,
            "thread": selectors.referral_messages(referral),
            "may_post": policy.may_post_referral_message(request.user, referral),
            "show_case_link": selectors.case_link_visible(request.user, referral),
            "is_overdue_now": referral.status == ReferralStatus.PENDING
            and referral.due_at < timezone.now(),
        },
    )


def _run(request: HttpRequest, referral: Referral, move: Callable[[], Any], done: str) -> None:
    try:
        move()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, done)


def _expected_version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


class _Refused(Exception):
    """The action's input is not valid: say so on the page, change nothing."""


def _accept_arguments(request: AuthenticatedHttpRequest, referral: Referral) -> dict[str, Any]:
    form = AcceptForm(request.POST, to_org_id=referral.to_org_id)
    if not form.is_valid():
        # A caseworker who is not (or no longer) at the receiving office: say so
        # rather than accept with nobody assigned.
        raise _Refused(
            _("Pekerja sosial yang dipilih bukan pekerja sosial aktif di kantor penerima.")
        )
    return {"assigned_to": form.cleaned_data.get("assigned_to")}


def _post_field(name: str) -> Callable[[AuthenticatedHttpRequest, Referral], dict[str, Any]]:
    return lambda request, referral: {name: request.POST.get(name, "")}


@dataclass(frozen=True)
class _Decision:
    """One referral action of the page: the service, how to read its input, what to say."""

    service: Callable[..., Referral]
    arguments: Callable[[AuthenticatedHttpRequest, Referral], dict[str, Any]]
    done: Promise


DECISIONS: dict[str, _Decision] = {
    "accept": _Decision(
        decisions.referral_accept, _accept_arguments, gettext_lazy("Rujukan diterima.")
    ),
    "decline": _Decision(
        decisions.referral_decline, _post_field("reason"), gettext_lazy("Rujukan ditolak.")
    ),
    "cancel": _Decision(
        decisions.referral_cancel, _post_field("reason"), gettext_lazy("Rujukan dibatalkan.")
    ),
    "complete": _Decision(
        decisions.referral_complete,
        _post_field("outcome"),
        gettext_lazy("Rujukan selesai; hasil layanan tercatat."),
    ),
}


def _decide(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    """The one handler of accept/decline/cancel/complete: read, call, say, go back."""
    decision = DECISIONS[action]
    referral = selectors.get_referral_for_user(request.user, pk)
    try:
        arguments = decision.arguments(request, referral)
    except _Refused as refused:
        messages.error(request, str(refused))
        return redirect("referrals:detail", pk=pk)
    _run(
        request,
        referral,
        lambda: decision.service(
            actor=request.user,
            referral=referral,
            expected_version=_expected_version(request),
            **arguments,
        ),
        str(decision.done),
    )
    return redirect("referrals:detail", pk=pk)


def _decision_view(action: str) -> Callable[..., HttpResponse]:
    def view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        return _decide(request, pk, action)

    view.__name__ = view.__qualname__ = action
    return login_required(require_POST(view))


accept = _decision_view("accept")
decline = _decision_view("decline")
cancel = _decision_view("cancel")
complete = _decision_view("complete")


@login_required
@require_POST
def message_post(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = selectors.get_referral_for_user(request.user, pk)
    try:
        message = conversation.referral_message_post(
            actor=request.user, referral=referral, body=request.POST.get("body", "")
        )
    except (ValidationError, DomainError) as error:
        text = (
            " ".join(error.messages) if isinstance(error, ValidationError) else str(error.message)
        )
        if _is_htmx(request):
            response = render(request, "referrals/_message_error.html", {"error": text})
            response["HX-Retarget"] = "#message-errors"
            response["HX-Reswap"] = "innerHTML"
            return response
        messages.error(request, text)
        return redirect(reverse("referrals:detail", args=[pk]) + "#thread")
    if _is_htmx(request):
        return render(request, "referrals/_message.html", {"message": message, "fresh": True})
    return redirect(reverse("referrals:detail", args=[pk]) + "#thread")


@login_required
@require_GET
def letter(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = selectors.get_referral_for_user(request.user, pk)
    log_access(user=request.user, instance=referral.case.beneficiary)
    return render(
        request,
        "referrals/letter.html",
        {"referral": referral, "beneficiary": referral.case.beneficiary},
    )


# --- refer from a case ----------------------------------------------------------------


@login_required
def create(request: AuthenticatedHttpRequest, case_pk: int) -> HttpResponse:
    case = selectors.get_writable_case_for_user(request.user, case_pk)
    offer_filter = ServiceOfferFilter(data=request.GET)
    offers = selectors.offer_list(filters=request.GET)[:50]
    chosen = _chosen_offer(request)
    if request.method == "POST":
        form = ReferralForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                referral = creation.referral_create(
                    actor=request.user,
                    case=case,
                    kind=data["kind"],
                    to_org=data["to_org"],
                    reason=data["reason"],
                    urgency=data["urgency"],
                    shared_summary=data["shared_summary"],
                    legal_basis=data["legal_basis"],
                    consent_note=data["consent_note"],
                    service_type=data["service_type"],
                    offer=data["offer"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
            except DomainError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(
                    request,
                    _("Rujukan %(number)s terkirim ke %(org)s.")
                    % {"number": referral.number, "org": referral.to_org.name},
                )
                return redirect("referrals:detail", pk=referral.pk)
    else:
        form = _blank_referral_form(request, case, chosen)
    return render(
        request,
        "referrals/create.html",
        {
            "case": case,
            "form": form,
            "offer_filter": offer_filter,
            "offers": offers,
            "chosen": chosen,
        },
    )


def _chosen_offer(request: AuthenticatedHttpRequest) -> ServiceOffer | None:
    """The directory offer the caseworker came from (or kept in the form), if active."""
    chosen_pk = request.POST.get("offer") or request.GET.get("offer")
    if not (chosen_pk and str(chosen_pk).isdigit()):
        return None
    return (
        ServiceOffer.objects.filter(pk=chosen_pk, is_active=True)
        .select_related("organization", "service_type")
        .first()
    )


def _blank_referral_form(
    request: AuthenticatedHttpRequest, case: Any, chosen: ServiceOffer | None
) -> ReferralForm:
    initial: dict[str, Any] = {"shared_summary": case.summary}
    if chosen is not None:
        initial.update(
            kind=ReferralKind.SERVICE,
            offer=chosen.pk,
            to_org=chosen.organization_id,
            service_type=chosen.service_type_id,
        )
    elif request.GET.get("kind") in ReferralKind.values:
        initial["kind"] = request.GET["kind"]
    return ReferralForm(initial=initial)


# --- directory --------------------------------------------------------------------------


@login_required
@require_GET
def directory(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not selectors.boxes_for(request.user):
        raise Http404
    offers = list(selectors.offer_list(filters=request.GET, user=request.user)[:200])
    editable = {offer.pk for offer in offers if policy.may_update_offer(request.user, offer)}
    return render(
        request,
        "referrals/directory.html",
        {
            "filter": ServiceOfferFilter(data=request.GET),
            "offers": offers,
            "editable": editable,
            "agency_only": policy.has_referral_inbox_only(request.user),
        },
    )


@login_required
@require_POST
def offer_capacity(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    offer = get_object_or_404(
        selectors.offer_list(user=request.user), pk=pk
    )  # agency staff only reach their own offers
    form = CapacityForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            offer = capacity.offer_update_capacity(
                actor=request.user,
                offer=offer,
                capacity_free=form.cleaned_data["capacity_free"],
                capacity_total=form.cleaned_data["capacity_total"],
                expected_free=(
                    form.cleaned_data["seen_free"]
                    if "seen_free" in request.POST
                    else capacity.NOT_CHECKED
                ),
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except VersionConflict as exc:
            error = str(exc.message)
        except DomainError as exc:
            if not _is_htmx(request):
                raise Http404 from exc
            error = str(exc.message)
    else:
        error = _("Isi kapasitas dengan angka 0 atau lebih.")
    if _is_htmx(request):
        offer = selectors.offer_list().get(pk=offer.pk)
        return render(
            request,
            "referrals/_offer_row.html",
            {"offer": offer, "editable": {offer.pk}, "error": error},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Kapasitas diperbarui."))
    return redirect("referrals:directory")


# --- notifications ----------------------------------------------------------------------


@login_required
@require_GET
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.notification_list(request.user), 30).get_page(
        request.GET.get("page")
    )
    items = list(page.object_list)
    unread_ids = [item.pk for item in items if item.read_at is None]
    if unread_ids:
        notify.notifications_mark_read(user=request.user, ids=unread_ids)
    return render(
        request,
        "referrals/notifications.html",
        {"page": page, "items": items, "unread_ids": set(unread_ids)},
    )


@login_required
@require_GET
def notification_badge(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "referrals/_notification_badge.html",
        {"unread": selectors.unread_notification_count(request.user)},
    )
