"""Settings parsing, /healthz, login, home pages and the language switch."""

import subprocess
import sys

import pytest
from django.urls import reverse

from accounts.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def settings_error(env: dict[str, str]) -> str:
    """Import the settings in a fresh interpreter with `env`; return stderr."""
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "pmks.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**base, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "yes"}, 'DEBUG must be "True" or "False"'),
        ({"DEBUG": "False"}, "SECRET_KEY must be set"),
        ({"DEBUG": "True", "DB_CONN_MAX_AGE": "ten"}, "DB_CONN_MAX_AGE must be an integer"),
        ({"DEBUG": "True", "DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must start with"),
        ({"DEBUG": "True", "REDIS_URL": "localhost:6379"}, "REDIS_URL must start with"),
    ],
)
def test_a_malformed_setting_stops_startup_naming_the_variable(env, message):
    assert message in settings_error(env)


def test_no_environment_means_sqlite_and_inline_tasks():
    assert settings_error({"DEBUG": "True"}) == ""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s;"
            "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER,"
            " s.CACHES['default']['BACKEND'], s.LANGUAGE_CODE, s.TIME_ZONE)",
        ],
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "pmks.settings", "DEBUG": "True"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.cache.backends.locmem.LocMemCache",
        "id",
        "Asia/Makassar",
    ]


def test_healthz_reports_database_and_broker(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"] == ("ok" if settings.REDIS_URL else "inline")


def test_healthz_names_a_broker_that_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]


def test_the_login_page_is_in_indonesian(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert "Nama pengguna" in response.content.decode()
    assert '<html lang="id">' in response.content.decode()


def test_a_wrong_password_gets_a_clear_message(client, alice):
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": "wrong"})
    assert "Nama pengguna atau kata sandi salah" in response.content.decode()


def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona", ["alice", "sari", "prov", "agnes"])
def test_every_role_gets_a_home_page_with_name_and_organization(client, request, persona):
    user = request.getfixturevalue(persona)
    client.login(username=user.username, password=TEST_PASSWORD)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert user.display_name in html
    assert user.organization.name in html


def test_english_is_available(client, alice):
    client.login(username="alice", password=TEST_PASSWORD)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Log out" in html


def test_an_idle_session_expires(client, alice, settings):
    client.login(username="alice", password=TEST_PASSWORD)
    assert client.get("/").status_code == 200
    session = client.session
    session["last_seen"] -= settings.SESSION_IDLE_TIMEOUT_MINUTES * 60 + 1
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert reverse("accounts:login") in response.url


def test_admin_lists_regions_searchable_by_code(client, db):
    from accounts.models import User

    User.objects.create_superuser("root", "root@example.invalid", TEST_PASSWORD, role="admin")
    client.login(username="root", password=TEST_PASSWORD)
    response = client.get("/admin/regions/region/?q=64.72")
    assert response.status_code == 200
    assert "Kota Samarinda" in response.content.decode()


def test_background_polls_do_not_keep_a_session_alive(client, alice, settings):
    client.login(username="alice", password=TEST_PASSWORD)
    client.get("/")
    session = client.session
    session["last_seen"] -= settings.SESSION_IDLE_TIMEOUT_MINUTES * 60 - 5
    session.save()
    client.get("/healthz", headers={"X-Background-Poll": "1"})
    assert client.session["last_seen"] == session["last_seen"]  # not refreshed by the poll
    session = client.session
    session["last_seen"] -= 10  # now past the limit
    session.save()
    response = client.get("/", headers={"X-Background-Poll": "1", "HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("accounts:login")
    assert client.get("/").status_code == 302  # logged out


def test_pages_stay_indonesian_for_an_english_browser_until_english_is_chosen(client, alice):
    client.login(username="alice", password=TEST_PASSWORD)
    html = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()
    assert '<html lang="id">' in html
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()
    assert '<html lang="en">' in html
