"""Redis down: login, pages and the API keep working; the cache counts errors as misses.

Starts its own redis-server on a free port (never the shared one) and stops it mid-test.
"""

import socket
import subprocess
import time

import pytest
from django.core.cache import cache
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(50):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.1)
    raise AssertionError("redis-server did not start")


@pytest.fixture
def own_redis(settings):
    port = _free_port()
    process = _start_redis(port)
    settings.CACHES = {
        "default": {
            "BACKEND": "pmks.cache.DegradingRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.5},
        }
    }
    state = {"process": process, "port": port}
    yield state
    state["process"].terminate()
    state["process"].wait()


def _stop(state):
    state["process"].terminate()
    state["process"].wait()


def test_pages_login_and_api_work_while_redis_is_down_and_the_cache_comes_back(
    client, alice, own_redis
):
    cache.set("probe", "up")
    assert cache.get("probe") == "up"

    _stop(own_redis)
    started = time.monotonic()
    assert cache.get("probe") is None  # an error is a miss
    cache.set("probe", "x")  # dropped, no exception
    assert cache.add("other", 1) is False
    assert time.monotonic() - started < 2

    response = client.post(
        reverse("accounts:login"), {"username": "alice", "password": "pass-for-tests-1"}
    )
    assert response.status_code == 302
    for path in ("/", "/kasus/", "/rujukan/"):
        assert client.get(path).status_code == 200, path
    assert client.get("/api/v1/referrals/").status_code == 200

    own_redis["process"] = _start_redis(own_redis["port"])
    cache.set("probe", "again")
    assert cache.get("probe") == "again"
