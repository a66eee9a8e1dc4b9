"""Helpers for the API tests (tests/test_api_*.py): keys and clients."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.test import Client
from django.utils import timezone

from accounts.models import Organization, Role, User
from api.models import OrganizationAPIKey
from api.services import api_key_create


def key_admin() -> User:
    """A Django admin who creates keys in tests (the admin path of key creation)."""
    user, _created = User.objects.get_or_create(
        username="key-admin", defaults={"role": Role.ADMIN, "is_staff": True}
    )
    return user


def issue_key(
    organization: Organization,
    *,
    role: str | None = None,
    name: str = "test",
    expiry_date: dt.datetime | None = None,
) -> tuple[OrganizationAPIKey, str]:
    return api_key_create(
        actor=key_admin(),
        organization=organization,
        name=name,
        role=role,
        expiry_date=expiry_date or timezone.now() + dt.timedelta(days=30),
    )


def key_client(clear_key: str, **defaults: Any) -> Client:
    """A test client that sends `Authorization: Api-Key <key>` on every request."""
    return Client(HTTP_AUTHORIZATION=f"Api-Key {clear_key}", **defaults)


def client_for(organization: Organization, *, role: str | None = None) -> Client:
    _key, clear = issue_key(organization, role=role)
    return key_client(clear)


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


class WebhookReceiver:
    """A real HTTP server on 127.0.0.1 that records what it receives.

    `plan` is a list of status codes to answer, in order (then 200).
    """

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.plan: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {key.lower(): value for key, value in self.headers.items()}
                receiver.received.append((headers, body))
                self.send_response(receiver.plan.pop(0) if receiver.plan else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/pmks-webhook"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[str]:
        return [headers["x-pmks-event"] for headers, _body in self.received]


@contextmanager
def celery_inline() -> Iterator[None]:
    """Run Celery tasks in the test's thread even when REDIS_URL configures a broker."""
    from pmks.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    # Not propagating lets Celery run a task's retries inline (countdown skipped).
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = before
