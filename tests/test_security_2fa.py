"""Two-factor login (django-otp TOTP + recovery codes) for the roles in REQUIRE_2FA_FOR,
driven with real TOTP codes computed from the device key."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.factories import TEST_PASSWORD
from tests.security_testing import _login_throttle_out_of_the_way  # noqa: F401

pytestmark = pytest.mark.django_db

LOGIN = "/akun/masuk/"
VERIFY = "/akun/2fa/"
SETUP = "/akun/2fa/daftar/"


@pytest.fixture(autouse=True)
def _two_factor_for_supervisors(settings):  # type: ignore[no-untyped-def]
    settings.REQUIRE_2FA_FOR = ["admin", "supervisor"]


def code_for(device: TOTPDevice) -> str:
    """The code an authenticator app shows now (the travelled time under time_machine)."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=0)
    return f"{value:0{device.digits}d}"


def _password_login(client: Client, username: str):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": username, "password": TEST_PASSWORD})


def _enrol(client: Client, start: dt.datetime) -> tuple[TOTPDevice, list[str]]:
    with time_machine.travel(start, tick=False):
        assert client.get(SETUP).status_code == 200
        device = TOTPDevice.objects.get(confirmed=False)
        response = client.post(SETUP, {"token": code_for(device), "next": "/"})
        assert response.status_code == 302
        codes_page = client.get(response["Location"])
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", codes_page.content.decode())
    return device, codes


def test_a_caseworker_is_not_asked_for_a_second_factor(alice):
    client = Client()
    _password_login(client, "alice")
    assert client.get("/").status_code == 200


def test_a_supervisor_without_a_device_is_sent_to_enrol_and_nothing_else(sari):
    client = Client()
    assert _password_login(client, "sari").status_code == 302
    response = client.get("/kasus/")
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)
    assert "next=%2Fkasus%2F" in response["Location"]
    api = client.get("/api/v1/me/")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "two_factor_required"
    page = client.get(SETUP)
    assert "Aktifkan verifikasi dua langkah" in page.content.decode()
    qr = client.get("/akun/2fa/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content


def test_enrolment_confirms_a_code_and_shows_ten_recovery_codes_once(sari):
    client = Client()
    _password_login(client, "sari")
    device, codes = _enrol(client, timezone.now())

    device.refresh_from_db()
    assert device.confirmed
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user=sari).count() == 10
    assert client.get("/kasus/").status_code == 200  # verified in this session
    again = client.get("/akun/2fa/kode-pemulihan/").content.decode()
    assert not any(code in again for code in codes)


def test_a_wrong_code_does_not_confirm_the_device(sari):
    client = Client()
    _password_login(client, "sari")
    client.get(SETUP)
    response = client.post(SETUP, {"token": "000000"})
    assert response.status_code == 200
    assert "Kode salah" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_each_later_login_asks_for_the_code_after_the_password(sari):
    start = timezone.now()
    device, _codes = _enrol(_logged_in_by_password("sari"), start)
    later = start + dt.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        client = _logged_in_by_password("sari")
        blocked = client.get("/kasus/")
        assert blocked.status_code == 302
        assert blocked["Location"].startswith(VERIFY)
        wrong = client.post(VERIFY, {"token": "123456", "next": "/kasus/"})
        assert "Kode salah" in wrong.content.decode()
        device.refresh_from_db()
        device.throttling_failure_count = 0  # the wrong try above backs off for a second
        device.throttling_failure_timestamp = None
        device.save()
        right = client.post(VERIFY, {"token": code_for(device), "next": "/kasus/"})
        assert right.status_code == 302
        assert right["Location"] == "/kasus/"
        assert client.get("/kasus/").status_code == 200


def test_a_supervisor_cannot_enrol_a_second_device_without_the_first(sari):
    _enrol(_logged_in_by_password("sari"), timezone.now())
    client = _logged_in_by_password("sari")
    response = client.get(SETUP)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert client.get("/akun/2fa/qr.svg").status_code == 404
    assert TOTPDevice.objects.count() == 1


def test_a_recovery_code_works_once(sari):
    _device, codes = _enrol(_logged_in_by_password("sari"), timezone.now())
    first = _logged_in_by_password("sari")
    response = first.post(VERIFY, {"token": codes[0].upper(), "next": "/"})
    assert response.status_code == 302
    assert first.get("/kasus/").status_code == 200
    assert StaticToken.objects.filter(device__user=sari).count() == 9

    second = _logged_in_by_password("sari")
    reused = second.post(VERIFY, {"token": codes[0], "next": "/"})
    assert reused.status_code == 200
    assert second.get("/kasus/").status_code == 302


def test_new_recovery_codes_replace_the_old_ones(sari):
    _device, codes = _enrol(_logged_in_by_password("sari"), timezone.now())
    client = _logged_in_by_password("sari")
    client.post(VERIFY, {"token": codes[0]})
    client.post("/akun/2fa/kode-pemulihan/baru/")
    page = client.get("/akun/2fa/kode-pemulihan/").content.decode()
    new_codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)
    assert len(new_codes) == 10
    assert not set(new_codes) & set(codes)
    assert StaticToken.objects.filter(device__user=sari).count() == 10


def test_a_superuser_needs_two_factors_for_the_admin(django_user_model):
    django_user_model.objects.create_superuser("root", "root@example.go.id", TEST_PASSWORD)
    client = Client()
    client.post("/admin/login/", {"username": "root", "password": TEST_PASSWORD})
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)


def test_a_next_url_elsewhere_is_not_followed(sari):
    start = timezone.now()
    device, _codes = _enrol(_logged_in_by_password("sari"), start)
    later = start + dt.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        client = _logged_in_by_password("sari")
        response = client.post(VERIFY, {"token": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def _logged_in_by_password(username: str) -> Client:
    client = Client()
    assert _password_login(client, username).status_code == 302
    return client
