"""Deploy settings: `check --deploy` with exactly .env.example's values (plus a strong
SECRET_KEY) reports no issues; the embedded default stays plain http; seed_demo
refuses without DEBUG; the admin moves with ADMIN_URL."""

import importlib
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import clear_url_caches

from tests.security_testing import _login_throttle_out_of_the_way  # noqa: F401

ROOT = Path(settings.BASE_DIR)


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _sep, value = line.partition("=")
            values[name] = value
    return values


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_with_exactly_env_example_reports_no_issues():
    env = {**env_example(), "SECRET_KEY": secrets.token_urlsafe(50)}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    # The one silenced check is HSTS preload (off on purpose, see settings).
    assert "(1 silenced)" in result.stdout


def test_env_example_turns_the_deploy_settings_on():
    values = env_example()
    assert values["DEBUG"] == "False"
    assert values["SECURE_SSL_REDIRECT"] == "True"
    assert int(values["SECURE_HSTS_SECONDS"]) >= 31536000
    assert values["SECURE_HSTS_PRELOAD"] == "False"
    assert values["SECURE_PROXY_SSL_HEADER"] == "HTTP_X_FORWARDED_PROTO,https"
    assert values["SECURE_COOKIES"] == "True"
    assert values["REQUIRE_2FA_FOR"] == "admin,supervisor"


def test_without_the_deploy_settings_check_deploy_names_them():
    env = {**env_example(), "SECRET_KEY": secrets.token_urlsafe(50)}
    for name in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_COOKIES"):
        env.pop(name)
    result = _manage("check", "--deploy", env=env)
    output = result.stdout + result.stderr
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in output


def test_a_malformed_proxy_header_stops_start_up():
    env = {"DEBUG": "True", "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER must look like" in result.stderr


def test_the_embedded_default_is_plain_http():
    assert settings.SECURE_SSL_REDIRECT is False
    assert settings.SECURE_HSTS_SECONDS == 0
    assert settings.SECURE_PROXY_SSL_HEADER is None
    assert settings.REQUIRE_2FA_FOR == []


@pytest.mark.django_db
def test_behind_the_proxy_an_https_request_is_secure_and_http_is_redirected(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    plain = Client().get("/akun/masuk/")
    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    secure = Client().get("/akun/masuk/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.django_db
def test_seed_demo_refuses_without_debug_and_says_why(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError) as refusal:
        call_command("seed_demo", quiet_logins=True)
    assert "DEBUG" in str(refusal.value)
    assert "--i-know-this-is-not-production" in str(refusal.value)
    assert "produksi" in str(refusal.value)
    from accounts.models import User

    assert not User.objects.exists()


@pytest.mark.django_db
def test_seed_demo_runs_with_the_explicit_flag(settings):
    settings.DEBUG = False
    call_command("seed_demo", quiet_logins=True, i_know_this_is_not_production=True)
    from accounts.models import User

    assert User.objects.exists()


@pytest.fixture
def moved_admin(settings):  # type: ignore[no-untyped-def]
    import pmks.urls

    settings.ADMIN_URL = "kelola-xyz/"
    importlib.reload(pmks.urls)
    clear_url_caches()
    yield
    settings.ADMIN_URL = "admin/"
    importlib.reload(pmks.urls)
    clear_url_caches()


@pytest.mark.django_db
def test_the_admin_moves_to_admin_url_behind_the_same_lockout(moved_admin, django_user_model):
    django_user_model.objects.create_superuser("root", "root@example.go.id", "pass-for-tests-1")
    client = Client()
    assert client.get("/admin/").status_code == 404
    assert client.get("/kelola-xyz/").status_code == 302
    for _ in range(5):
        response = client.post(
            "/kelola-xyz/login/", {"username": "root", "password": "nope-nope-1"}
        )
    assert response.status_code == 429
    assert "Terlalu banyak percobaan masuk" in response.content.decode()


def test_a_malformed_admin_url_stops_start_up():
    result = _manage("check", env={"DEBUG": "True", "ADMIN_URL": "/kelola"})
    assert result.returncode != 0
    assert "ADMIN_URL" in result.stderr


@pytest.mark.django_db
def test_the_health_probes_are_not_redirected_to_https(settings):
    settings.SECURE_SSL_REDIRECT = True
    assert Client().get("/healthz/live").status_code != 301
    assert Client().get("/kasus/").status_code == 301
