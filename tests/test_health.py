"""/healthz/live, /healthz/ready and the 503 of a database outage."""

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_live_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_checks_every_part(client, settings):
    response = client.get("/healthz/ready?check=database,redis")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"]["status"] == "ok"
    assert body["down"] == []


def test_ready_names_redis_when_it_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert "redis" in response.json()["down"]


def test_ready_fails_on_a_stale_worker_heartbeat(client, settings):
    import time

    from django.core.cache import cache

    from pmks.health import HEARTBEAT_KEY

    settings.REDIS_URL = settings.REDIS_URL or "redis://127.0.0.1:1/0"
    cache.set(HEARTBEAT_KEY, time.time() - 600)
    response = client.get("/healthz/ready?check=worker")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["age_seconds"] >= 600
    cache.set(HEARTBEAT_KEY, time.time())
    assert client.get("/healthz/ready?check=worker").status_code == 200


def test_ready_names_the_worker_when_its_heartbeat_is_missing(client, settings):
    from django.core.cache import cache

    from pmks.health import HEARTBEAT_KEY

    settings.REDIS_URL = settings.REDIS_URL or "redis://127.0.0.1:1/0"
    cache.delete(HEARTBEAT_KEY)  # no worker ever ran beat's heartbeat task
    response = client.get("/healthz/ready?check=database,worker")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["worker"]
    assert body["checks"]["worker"] == {"status": "down", "age_seconds": None}
    assert body["checks"]["database"]["status"] == "ok"


def test_ready_refuses_an_unknown_part(client):
    assert client.get("/healthz/ready?check=nope").status_code == 400


def test_a_database_outage_answers_503_in_indonesian_not_a_trace(client, alice):
    from pmks.middleware import server_error

    client.force_login(alice)
    from django.test import RequestFactory

    request = RequestFactory().get("/kasus/")
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "Layanan sedang tidak tersedia" in response.content.decode()
    api_request = RequestFactory().get("/api/v1/referrals/")
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(api_request)
    assert response.status_code == 503
    assert b'"database_unavailable"' in response.content


def test_a_views_database_outage_logs_its_cause(caplog):
    from django.test import RequestFactory

    from pmks.middleware import DatabaseOutageMiddleware

    middleware = DatabaseOutageMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    request = RequestFactory().post("/akun/masuk/")
    error = OperationalError("server closed the connection unexpectedly\n\tThis probably…")
    response = middleware.process_exception(request, error)
    assert response is not None and response.status_code == 503
    assert (
        "database unavailable: POST /akun/masuk/: OperationalError: "
        "server closed the connection unexpectedly"
    ) in caplog.text


def test_login_has_its_own_throttle_per_username(client, alice, settings):
    from django.urls import reverse

    settings.LOGIN_THROTTLE_USERNAME_PER_MINUTE = 3
    answers = [
        client.post(reverse("accounts:login"), {"username": "alice", "password": "x"})
        for _ in range(4)
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert "Silakan coba lagi sebentar lagi" in answers[3].content.decode()  # ours, not axes'
    assert answers[3]["Retry-After"]
