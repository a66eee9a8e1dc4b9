"""The "Integrasi API" page: a supervisor manages the organization's API keys and
webhooks and sees recent deliveries. Admins use the Django admin."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from api import services, webhook_actions
from api.errors import error_body
from api.forms import KeyCreateForm, WebhookCreateForm, WebhookReplayForm
from api.models import OrganizationAPIKey, WebhookDelivery, WebhookEndpoint
from pmks.errors import DomainError

RECENT_DELIVERIES = 20


@csrf_exempt
def not_found(request: HttpRequest) -> JsonResponse:
    """Unknown path under /api/v1/: a 404 in the API's error shape."""
    return JsonResponse(error_body("not_found", _("Data tidak ditemukan.")), status=404)


def _organization(request: HttpRequest) -> Any:
    user = request.user
    organization = getattr(user, "organization", None)
    if organization is None or not services.may_manage_keys(user, organization):  # type: ignore[arg-type]
        raise PermissionDenied
    return organization


def _page(request: HttpRequest, organization: Any, **context: Any) -> HttpResponse:
    context.setdefault("key_form", KeyCreateForm(organization=organization))
    context.setdefault("webhook_form", WebhookCreateForm())
    context.setdefault("replay_form", WebhookReplayForm(organization=organization))
    context.update(
        organization=organization,
        keys=OrganizationAPIKey.objects.filter(organization=organization).select_related(
            "user", "created_by"
        ),
        endpoints=WebhookEndpoint.objects.filter(organization=organization),
        deliveries=WebhookDelivery.objects.filter(organization=organization).select_related(
            "endpoint"
        )[:RECENT_DELIVERIES],
    )
    response = render(request, "api/integration.html", context)
    response["Cache-Control"] = "no-store"  # a new key or secret may be on the page
    return response


@login_required
@never_cache
def integration(request: HttpRequest) -> HttpResponse:
    return _page(request, _organization(request))


@login_required
@require_POST
def key_create(request: HttpRequest) -> HttpResponse:
    organization = _organization(request)
    form = KeyCreateForm(request.POST, organization=organization)
    if not form.is_valid():
        return _page(request, organization, key_form=form)
    try:
        key, clear_key = services.api_key_create(
            actor=request.user,  # type: ignore[arg-type]
            organization=organization,
            name=form.cleaned_data["name"],
            role=form.cleaned_data["role"],
            expiry_date=form.expiry_datetime(),
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _page(request, organization, key_form=form)
    return _page(request, organization, new_key=key, clear_key=clear_key)


@login_required
@require_POST
def key_revoke(request: HttpRequest, prefix: str) -> HttpResponse:
    organization = _organization(request)
    key = get_object_or_404(
        OrganizationAPIKey.objects.select_related("organization"),
        prefix=prefix,
        organization=organization,
    )
    services.api_key_revoke(actor=request.user, key=key)  # type: ignore[arg-type]
    messages.success(request, _("Kunci %(name)s sudah dicabut.") % {"name": key.name})
    return redirect("api:integration")


@login_required
@require_POST
def webhook_create(request: HttpRequest) -> HttpResponse:
    organization = _organization(request)
    form = WebhookCreateForm(request.POST)
    if not form.is_valid():
        return _page(request, organization, webhook_form=form)
    try:
        endpoint, secret = services.webhook_endpoint_create(
            actor=request.user,  # type: ignore[arg-type]
            organization=organization,
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            description=form.cleaned_data["description"],
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _page(request, organization, webhook_form=form)
    return _page(request, organization, new_endpoint=endpoint, secret=secret)


@login_required
@require_POST
def webhook_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _organization(request)
    endpoint = get_object_or_404(
        WebhookEndpoint.objects.select_related("organization"), pk=pk, organization=organization
    )
    services.webhook_endpoint_deactivate(actor=request.user, endpoint=endpoint)  # type: ignore[arg-type]
    messages.success(request, _("Webhook dinonaktifkan."))
    return redirect("api:integration")


# --- webhook operations (api/webhook_actions.py) ------------------------------------


def _endpoint(organization: Any, pk: int) -> WebhookEndpoint:
    return get_object_or_404(
        WebhookEndpoint.objects.select_related("organization"), pk=pk, organization=organization
    )


@login_required
@require_POST
def webhook_ping(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(_organization(request), pk)
    try:
        webhook_actions.webhook_ping(actor=request.user, endpoint=endpoint)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Ping dikirim ke %(url)s.") % {"url": endpoint.url})
    return redirect("api:integration")


@login_required
@require_POST
def webhook_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _organization(request)
    endpoint = _endpoint(organization, pk)
    try:
        endpoint, secret = webhook_actions.webhook_rotate_secret(
            actor=request.user,  # type: ignore[arg-type]
            endpoint=endpoint,
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("api:integration")
    return _page(request, organization, new_endpoint=endpoint, secret=secret, rotated=True)


@login_required
@require_POST
def webhook_redeliver(request: HttpRequest, delivery_id: UUID) -> HttpResponse:
    organization = _organization(request)
    delivery = get_object_or_404(
        WebhookDelivery.objects.select_related("endpoint__organization"),
        delivery_id=delivery_id,
        organization=organization,
    )
    try:
        _queued, created = webhook_actions.webhook_redeliver(
            actor=request.user,  # type: ignore[arg-type]
            delivery=delivery,
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Peristiwa dikirim ulang.") if created else _("Peristiwa ini sedang dikirim."),
        )
    return redirect("api:integration")


@login_required
@require_POST
def webhook_replay(request: HttpRequest) -> HttpResponse:
    organization = _organization(request)
    endpoint_pk = request.POST.get("endpoint", "")
    # another organization's webhook is not found, as everywhere (not a form error)
    _endpoint(organization, int(endpoint_pk) if endpoint_pk.isdigit() else 0)
    form = WebhookReplayForm(request.POST, organization=organization)
    if not form.is_valid():
        return _page(request, organization, replay_form=form)
    try:
        replay = webhook_actions.webhook_replay(
            actor=request.user,  # type: ignore[arg-type]
            endpoint=form.cleaned_data["endpoint"],
            since=form.cleaned_data["since"],
            until=form.cleaned_data["until"],
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _page(request, organization, replay_form=form)
    except DomainError as exc:
        form.add_error(None, str(exc.message))
        return _page(request, organization, replay_form=form)
    messages.success(
        request,
        _("%(queued)s peristiwa dikirim ulang; %(waiting)s masih dalam pengiriman.")
        % {"queued": len(replay.queued), "waiting": replay.already_queued},
    )
    return redirect("api:integration")
