"""The real e-mail path: a referral sent through the web page enqueues its e-mail
after commit, and a real Celery worker on Redis sends it with the configured
backend (the console backend: the message appears in the worker's output)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from cases.models import ServiceType
from pmks.celery import app as celery_app
from referrals.models import Referral
from referrals.testing import make_case

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def worker_output():
    """`celery -A pmks worker` on this run's test database; yields its output lines."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": "test-only-not-secret",
        "DEBUG": "False",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    celery_app.control.purge()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "pmks", "worker", "-l", "info", "--pool", "solo"]
        + ["--without-heartbeat", "--without-gossip", "--without-mingle"]
        + ["-Q", settings.CELERY_TASK_DEFAULT_QUEUE],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if " ready." in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    assert ready.wait(60), "".join(lines[-30:])
    yield lines
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    celery_app.control.purge()


def test_the_receiver_gets_an_email_through_the_worker(client, worker_output, orgs, alice, agnes):
    agnes.email = "agnes@rsud.invalid"
    agnes.save()
    case = make_case(orgs["samarinda"], assigned_to=alice)
    client.force_login(alice)
    response = client.post(
        reverse("referrals:create", args=[case.pk]),
        {
            "kind": "service",
            "to_org": orgs["rsud"].pk,
            "service_type": ServiceType.objects.get(code="health").pk,
            "urgency": "normal",
            "reason": "Perlu pemeriksaan.",
            "shared_summary": "Ringkasan.",
            "legal_basis": "consent",
        },
    )
    assert response.status_code == 302, response.content[:300]
    number = Referral.objects.get().number

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        output = "".join(worker_output)
        if "To: agnes@rsud.invalid" in output and number in output:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("no e-mail from the worker:\n" + "".join(worker_output[-40:]))
    assert "succeeded" in "".join(worker_output)
