"""Two-factor login (django-otp): TOTP plus 10 single-use recovery codes.

settings.REQUIRE_2FA_FOR names the roles that must use it ("admin" also covers
superusers and staff). After the password, such a user is signed in but not
verified: TwoFactorRequiredMiddleware lets them reach only these pages (and
logout) until they confirm a code. A user without a device enrols first: scans
the QR code (or types the secret), confirms one code, and is shown ten recovery
codes once. A confirmed device is never replaced without a verified session, so a
stolen password cannot enrol a new one; an admin removes a lost device in the admin.
"""

from __future__ import annotations

from base64 import b32encode
from collections.abc import Callable
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, match_token, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.lockout import api_error

RECOVERY_CODE_COUNT = 10
SESSION_CODES = "two_factor_new_codes"


def requires_two_factor(user: Any) -> bool:
    roles = set(settings.REQUIRE_2FA_FOR)
    if not roles or not user.is_authenticated:
        return False
    if getattr(user, "role", None) in roles:
        return True
    return "admin" in roles and (user.is_superuser or user.is_staff)


def is_verified(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_verified", lambda: False)())


class TwoFactorRequiredMiddleware:
    """After django_otp's OTPMiddleware: an unverified user of a role that needs
    two factors reaches only the two-factor pages, logout and language switch."""

    OPEN_PREFIXES = ("/akun/2fa/", "/akun/keluar/", "/i18n/", "/static/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            requires_two_factor(user)
            and not is_verified(request)
            and not request.path.startswith(self.OPEN_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                return api_error(
                    "two_factor_required",
                    _("Selesaikan verifikasi dua langkah di halaman masuk terlebih dahulu."),
                    status=403,
                )
            target = "accounts:two_factor" if user_has_device(user) else "accounts:two_factor_setup"
            next_url = request.get_full_path() if request.method == "GET" else "/"
            return redirect(f"{reverse(target)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
        return self.get_response(request)


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _clean_token(raw: str) -> str:
    return raw.replace(" ", "").replace("-", "").strip().lower()


def _pending_device(user: Any) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def new_recovery_codes(user: Any) -> list[str]:
    """Replace the user's recovery codes with ten new single-use ones."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user_has_device(user) and not is_verified(request):
        return redirect(
            f"{reverse('accounts:two_factor')}?{urlencode({'next': _next_url(request)})}"
        )
    device = _pending_device(user)
    error = ""
    if request.method == "POST":
        if device.verify_token(_clean_token(request.POST.get("token", ""))):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            otp_login(request, device)
            request.session[SESSION_CODES] = new_recovery_codes(user)
            return redirect(
                f"{reverse('accounts:two_factor_codes')}?{urlencode({'next': _next_url(request)})}"
            )
        error = _("Kode salah atau sudah kedaluwarsa. Masukkan kode yang sedang tampil.")
    secret = b32encode(device.bin_key).decode()
    context = {
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "error": error,
        "next": _next_url(request),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@login_required
def two_factor_qr(request: HttpRequest) -> HttpResponse:
    """The otpauth:// QR code of the device being enrolled, as SVG."""
    if user_has_device(request.user) and not is_verified(request):
        return HttpResponse(status=404)
    image = qrcode.make(
        _pending_device(request.user).config_url, image_factory=qrcode.image.svg.SvgPathImage
    )
    return HttpResponse(image.to_string(), content_type="image/svg+xml")


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user_has_device(user):
        return redirect(
            f"{reverse('accounts:two_factor_setup')}?{urlencode({'next': _next_url(request)})}"
        )
    error = ""
    if request.method == "POST":
        device = match_token(user, _clean_token(request.POST.get("token", "")))
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    _(
                        "Satu kode pemulihan telah dipakai; sisa %(left)d. "
                        "Buat kode baru bila perlu."
                    )
                    % {"left": left},
                )
            return redirect(_next_url(request))
        error = _("Kode salah. Coba lagi, atau pakai salah satu kode pemulihan.")
    return render(
        request, "accounts/two_factor_verify.html", {"error": error, "next": _next_url(request)}
    )


@login_required
def two_factor_codes(request: HttpRequest) -> HttpResponse:
    """Shows newly made recovery codes once (then they are gone from the session)."""
    codes = request.session.pop(SESSION_CODES, None)
    has_device = any(isinstance(d, TOTPDevice) for d in devices_for_user(request.user))
    return render(
        request,
        "accounts/two_factor_codes.html",
        {"codes": codes, "has_device": has_device, "next": _next_url(request)},
    )


@require_POST
@login_required
def two_factor_codes_renew(request: HttpRequest) -> HttpResponse:
    if not is_verified(request):
        return redirect("accounts:two_factor")
    request.session[SESSION_CODES] = new_recovery_codes(request.user)
    return redirect("accounts:two_factor_codes")
