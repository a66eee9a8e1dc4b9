"""The real e-mail path: a referral sent through the web page enqueues its e-mail
after commit, and a real Celery worker on Redis sends it with the configured
backend (the console backend: the message appears in the worker's output)."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from cases.models import ServiceType
from pmks.testing import celery_worker_process
from referrals.models import Referral
from referrals.testing import make_case

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def worker_output():
    """A real worker with the console e-mail backend; yields its output lines."""
    with celery_worker_process(
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend"
    ) as lines:
        yield lines


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
        # The task logs "succeeded" just after the e-mail is printed: wait for both.
        if "To: agnes@rsud.invalid" in output and number in output and "succeeded" in output:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("no e-mail from the worker:\n" + "".join(worker_output[-40:]))
    assert "succeeded" in "".join(worker_output)
