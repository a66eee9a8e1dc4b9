"""Writes of the api app: API keys, their integration users, webhook endpoints.

Who may manage an organization's integration:
- keys: a Django admin (staff/superuser or role admin), or a supervisor of that
  organization (on the "Integrasi API" page);
- webhooks: the same people, and the organization's own API keys (an agency,
  which has no supervisor, registers its webhook through the API).

A key acts as the organization's *integration user* for one role, made on the
first key and reused afterwards (username `api.<organization code>.<role>`,
no usable password, so nobody logs in with it):
- partner agency → `agency_staff` (referrals addressed to it);
- Dinas Sosial kabupaten/kota and UPTD → `caseworker` by default (its own cases,
  writes), or `supervisor` (its kabupaten/kota, closures, statistics);
- Dinas Sosial Provinsi → `supervisor` (province-wide, read-only, statistics).
"""

from __future__ import annotations

import datetime as dt
import secrets
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import Organization, User
from accounts.policy import allowed_key_roles, has_role, may_manage_keys, may_manage_webhooks
from api.models import OrganizationAPIKey, WebhookEndpoint, WebhookEvent
from pmks.errors import NotAllowed


def integration_user_for(*, organization: Organization, role: str) -> User:
    """The organization's integration user for `role`: made once, then reused."""
    username = f"api.{organization.code}.{role}"
    user = User.objects.filter(username=username).first()
    if user is not None:
        if user.organization_id != organization.pk or not has_role(user, role):
            raise ValidationError(
                {"role": _("Nama pengguna integrasi %(name)s sudah dipakai.") % {"name": username}}
            )
        return user
    user = User(
        username=username,
        first_name=_("Integrasi API"),
        last_name=organization.name[:150],
        organization=organization,
        role=role,
        is_active=True,
        is_integration=True,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def api_key_create(
    *,
    actor: User,
    organization: Organization,
    name: str,
    role: str | None = None,
    expiry_date: dt.datetime | None = None,
) -> tuple[OrganizationAPIKey, str]:
    """Create a key; returns it and the clear key, which is never stored nor shown again."""
    if not may_manage_keys(actor, organization):
        raise NotAllowed(_("Anda tidak berwenang mengelola kunci API organisasi ini."))
    roles = allowed_key_roles(organization)
    role = role or roles[0]
    errors: dict[str, list[str]] = {}
    if role not in roles:
        errors["role"] = [_("Peran ini tidak tersedia untuk jenis organisasi ini.")]
    if not organization.is_active:
        errors["organization"] = [_("Organisasi tidak aktif.")]
    now = timezone.now()
    if expiry_date is None:
        expiry_date = now + dt.timedelta(days=settings.API_KEY_DEFAULT_VALID_DAYS)
    if expiry_date <= now:
        errors["expiry_date"] = [_("Tanggal kedaluwarsa harus di masa depan.")]
    if not name.strip():
        errors["name"] = [_("Nama kunci wajib diisi.")]
    if errors:
        raise ValidationError(errors)
    user = integration_user_for(organization=organization, role=role)
    key = OrganizationAPIKey(
        name=name.strip()[:50],
        organization=organization,
        user=user,
        created_by=actor,
        expiry_date=expiry_date,
    )
    clear_key = OrganizationAPIKey.objects.assign_key(key)
    key.full_clean(exclude=["id", "prefix", "hashed_key"])
    key.save()
    return key, clear_key


@transaction.atomic
def api_key_revoke(*, actor: User, key: OrganizationAPIKey) -> OrganizationAPIKey:
    """Revoke for good (the library refuses to un-revoke)."""
    if not may_manage_keys(actor, key.organization):
        raise NotAllowed(_("Anda tidak berwenang mengelola kunci API organisasi ini."))
    if not key.revoked:
        key.revoked = True
        key.revoked_at = timezone.now()
        key.revoked_by = actor
        key.save(update_fields=["revoked", "revoked_at", "revoked_by"])
    return key


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


@transaction.atomic
def webhook_endpoint_create(
    *,
    actor: User,
    organization: Organization,
    url: str,
    events: list[str] | None = None,
    description: str = "",
) -> tuple[WebhookEndpoint, str]:
    """Register a URL; returns the endpoint and its secret (shown once).

    The URL must be https to a public address (pmks/outbound.py, the model field's
    validator); an organization has at most WEBHOOK_MAX_ENDPOINTS active endpoints,
    one per URL."""
    if not may_manage_webhooks(actor, organization):
        raise NotAllowed(_("Anda tidak berwenang mengelola webhook organisasi ini."))
    events = _known_events(events) if events else [event.value for event in WebhookEvent]
    secret = new_webhook_secret()
    endpoint = WebhookEndpoint(
        organization=organization,
        url=normalized_url(url),
        secret=secret,
        events=events,
        description=description,
        created_by=actor,
    )
    endpoint.full_clean(validate_constraints=False)  # the URL's rules (resolves the host)
    _check_endpoint_room(endpoint)
    try:
        with transaction.atomic():
            endpoint.save()
    except IntegrityError:  # the same URL registered at the same moment
        raise ValidationError({"url": [DUPLICATE_URL]}) from None
    return endpoint, secret


DUPLICATE_URL = gettext_lazy("URL ini sudah terdaftar sebagai webhook organisasi ini.")


def _known_events(events: list[str]) -> list[str]:
    events = list(dict.fromkeys(events))
    unknown = [event for event in events if event not in WebhookEvent.values]
    if unknown:
        raise ValidationError(
            {"events": [_("Peristiwa tidak dikenal: %(e)s.") % {"e": ", ".join(unknown)}]}
        )
    return events


@transaction.atomic
def webhook_endpoint_update(
    *,
    actor: User,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events: list[str] | None = None,
    description: str | None = None,
) -> WebhookEndpoint:
    """Change what was given of the URL (same rules as registration), the events and
    the description; the secret and the deliveries stay."""
    if not may_manage_webhooks(actor, endpoint.organization):
        raise NotAllowed(_("Anda tidak berwenang mengelola webhook organisasi ini."))
    if events is not None:
        endpoint.events = _known_events(events)
    if description is not None:
        endpoint.description = description
    moved = url is not None and normalized_url(url) != endpoint.url
    if url is not None:
        endpoint.url = normalized_url(url)
    endpoint.full_clean(validate_constraints=False)  # the URL's rules (resolves the host)
    if moved and endpoint.is_active:
        Organization.objects.select_for_update().filter(pk=endpoint.organization_id).first()
        others = WebhookEndpoint.objects.filter(
            organization_id=endpoint.organization_id, is_active=True, url=endpoint.url
        ).exclude(pk=endpoint.pk)
        if others.exists():
            raise ValidationError({"url": [DUPLICATE_URL]})
    try:
        with transaction.atomic():
            endpoint.save(update_fields=["url", "events", "description"])
    except IntegrityError:  # the same URL given to another endpoint at the same moment
        raise ValidationError({"url": [DUPLICATE_URL]}) from None
    return endpoint


def normalized_url(url: str) -> str:
    """Scheme and host in lower case, so one URL is not registered twice by spelling."""
    parts = urlsplit(url.strip())
    return urlunsplit(parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()))


def _check_endpoint_room(endpoint: WebhookEndpoint) -> None:
    """The limit and the duplicate, counted under a lock on the organization's row so
    two registrations at once cannot both take the last place."""
    Organization.objects.select_for_update().filter(pk=endpoint.organization_id).first()
    active = WebhookEndpoint.objects.filter(
        organization_id=endpoint.organization_id, is_active=True
    )
    if active.filter(url=endpoint.url).exists():
        raise ValidationError({"url": [DUPLICATE_URL]})
    limit = settings.WEBHOOK_MAX_ENDPOINTS
    if active.count() >= limit:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    ngettext(
                        "Organisasi ini sudah memiliki %(n)d webhook aktif, batasnya. "
                        "Nonaktifkan satu dulu.",
                        "Organisasi ini sudah memiliki %(n)d webhook aktif, batasnya. "
                        "Nonaktifkan satu dulu.",
                        limit,
                    )
                    % {"n": limit}
                ]
            }
        )


@transaction.atomic
def webhook_endpoint_deactivate(*, actor: User, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    if not may_manage_webhooks(actor, endpoint.organization):
        raise NotAllowed(_("Anda tidak berwenang mengelola webhook organisasi ini."))
    if endpoint.is_active:
        endpoint.is_active = False
        endpoint.save(update_fields=["is_active"])
    return endpoint
