"""Login lockout (django-axes): 5 wrong passwords for a username from one IP lock it
for LOGIN_LOCKOUT_MINUTES, on the login page, the admin's login and for bad API keys."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.factories import TEST_PASSWORD
from api.testing import issue_key, key_client
from tests.security_testing import _login_throttle_out_of_the_way  # noqa: F401

pytestmark = pytest.mark.django_db

LOGIN = "/akun/masuk/"


def _fail(client: Client, username: str, times: int, url: str = LOGIN):  # type: ignore[no-untyped-def]
    response = None
    for _ in range(times):
        response = client.post(url, {"username": username, "password": "wrong-password-1"})
    return response


def test_four_failures_still_let_the_right_password_in(alice):
    client = Client()
    assert _fail(client, "alice", 4).status_code == 200
    response = client.post(LOGIN, {"username": "alice", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="alice").exists()  # reset on success


def test_the_fifth_failure_locks_the_username_with_an_indonesian_message(alice, settings):
    client = Client()
    response = _fail(client, "alice", 5)
    assert response.status_code == 429
    text = response.content.decode()
    assert "Terlalu banyak percobaan masuk yang gagal" in text
    assert "selama 15 menit" in text
    assert response["Retry-After"] == "900"

    locked = client.post(LOGIN, {"username": "alice", "password": TEST_PASSWORD})

    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_username_and_ip(alice, amir):
    _fail(Client(REMOTE_ADDR="10.0.0.1"), "alice", 5)
    other_user = Client(REMOTE_ADDR="10.0.0.1").post(
        LOGIN, {"username": "amir", "password": TEST_PASSWORD}
    )
    other_ip = Client(REMOTE_ADDR="10.0.0.2").post(
        LOGIN, {"username": "alice", "password": TEST_PASSWORD}
    )
    assert other_user.status_code == 302
    assert other_ip.status_code == 302


def test_the_right_password_works_again_after_the_lock_expires(alice, settings):
    settings.LOGIN_LOCKOUT_MINUTES = 15
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _fail(Client(), "alice", 5)
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        assert (
            Client().post(LOGIN, {"username": "alice", "password": TEST_PASSWORD}).status_code
            == 429
        )
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        response = Client().post(LOGIN, {"username": "alice", "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_a_try_during_the_lock_does_not_extend_it(alice):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _fail(Client(), "alice", 5)
    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        _fail(Client(), "alice", 1)
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        response = Client().post(LOGIN, {"username": "alice", "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_the_admin_unlocks_with_axes_reset(alice):
    _fail(Client(), "alice", 5)
    call_command("axes_reset_username", "alice")
    assert Client().post(LOGIN, {"username": "alice", "password": TEST_PASSWORD}).status_code == 302


def test_the_admin_sees_the_attempts_and_can_delete_them(alice, admin_client):
    _fail(Client(), "alice", 5)
    attempt = AccessAttempt.objects.get(username="alice")
    listing = admin_client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "alice" in listing.content.decode()
    admin_client.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert not AccessAttempt.objects.exists()


def test_the_admin_login_is_behind_the_same_lockout(django_user_model):
    django_user_model.objects.create_superuser("root", "root@example.go.id", TEST_PASSWORD)
    client = Client()
    response = _fail(client, "root", 5, url="/admin/login/")
    assert response.status_code == 429
    locked = client.post("/admin/login/", {"username": "root", "password": TEST_PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_bad_api_keys_lock_the_ip_with_a_json_error(orgs):
    _key, clear = issue_key(orgs["rsud"])
    client = Client(REMOTE_ADDR="10.9.9.9")
    bad = {"HTTP_AUTHORIZATION": "Api-Key abcdefgh.not-the-secret"}
    codes = [client.get("/api/v1/me/", **bad).status_code for _ in range(5)]
    assert codes == [401, 401, 401, 401, 429]

    locked = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Api-Key zzzzzzzz.another-guess")

    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "locked_out"
    assert "kunci API yang salah" in locked.json()["error"]["message"]
    assert locked["Retry-After"] == "900"
    assert AccessAttempt.objects.get(ip_address="10.9.9.9").failures_since_start == 5
    # A valid key still works from that address (offices share NAT addresses).
    assert key_client(clear, REMOTE_ADDR="10.9.9.9").get("/api/v1/me/").status_code == 200


def test_bad_api_keys_are_let_through_again_after_the_lock(orgs):
    start = timezone.now()
    bad = {"HTTP_AUTHORIZATION": "Api-Key abcdefgh.not-the-secret"}
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            Client(REMOTE_ADDR="10.9.9.9").get("/api/v1/me/", **bad)
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        response = Client(REMOTE_ADDR="10.9.9.9").get("/api/v1/me/", **bad)
    assert response.status_code == 401


def test_bad_api_keys_do_not_lock_the_logins_of_that_ip(alice):
    client = Client(REMOTE_ADDR="10.9.9.9")
    for _ in range(6):
        client.get("/api/v1/me/", HTTP_AUTHORIZATION="Api-Key abcdefgh.nope")
    response = Client(REMOTE_ADDR="10.9.9.9").post(
        LOGIN, {"username": "alice", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302


def test_behind_a_proxy_the_forwarded_address_is_locked(alice, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        Client(REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR="203.0.113.5").post(
            LOGIN, {"username": "alice", "password": "wrong-password-1"}
        )
    other_client = Client(REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR="203.0.113.6").post(
        LOGIN, {"username": "alice", "password": TEST_PASSWORD}
    )
    assert other_client.status_code == 302
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"


def test_the_lockout_works_with_the_cache_down(alice, settings):
    """The database handler never asks the cache: a dead Redis does not open the lock."""
    from django.core.cache import caches

    settings.CACHES = {
        "default": {
            "BACKEND": "pmks.cache.DegradingRedisCache",  # as configured with REDIS_URL
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
        }
    }
    caches["default"].set("probe", 1)
    assert caches["default"].get("probe") is None  # the cache is really down
    client = Client()
    assert _fail(client, "alice", 5).status_code == 429
    assert client.post(LOGIN, {"username": "alice", "password": TEST_PASSWORD}).status_code == 429
    assert AccessAttempt.objects.get(username="alice").failures_since_start == 5
