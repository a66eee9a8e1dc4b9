"""A partner's developer generates a client from our schema and uses nothing else:
openapi-python-client builds a package from the live server's /api/v1/schema/ into
a temporary directory, and that package (its models, enums, typed errors and
headers) drives a referral's whole life and the webhook management. No request is
written by hand here."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from api import webhooks
from api.testing import WebhookReceiver, celery_inline, issue_key
from cases.factories import CaseFactory

pytestmark = pytest.mark.django_db(transaction=True)

PACKAGE = "pmks_client"


class Generated:
    """The generated package: `gen.op("referrals", "referrals_create")` is its module
    for that operation, `gen.model("ReferralKindEnum")` a model or enum."""

    def __init__(self, package: ModuleType) -> None:
        self.package = package
        self.models = importlib.import_module(f"{PACKAGE}.models")
        self.opened: list[Any] = []

    def op(self, tag: str, name: str) -> Any:
        return importlib.import_module(f"{PACKAGE}.api.{tag}.{name}")

    def model(self, name: str) -> Any:
        return getattr(self.models, name)

    def client(self, base_url: str, key: str) -> Any:
        client = self.package.AuthenticatedClient(
            base_url=base_url, token=key, prefix="Api-Key", raise_on_unexpected_status=True
        )
        self.opened.append(client)
        return client

    def close(self) -> None:
        """Close the kept-alive connections (a live-server thread holds a database
        connection while its HTTP connection stays open)."""
        while self.opened:
            self.opened.pop().get_httpx_client().close()


@pytest.fixture(scope="module")
def gen(
    live_server: Any, tmp_path_factory: pytest.TempPathFactory, django_db_blocker: Any
) -> Iterator[Generated]:
    where = tmp_path_factory.mktemp("generated")
    schema = where / "openapi.json"
    url = f"{live_server.url}/api/v1/schema/?format=json"
    # The schema reads no table, but the server's request start checks its connection.
    with django_db_blocker.unblock(), urllib.request.urlopen(url) as answer:  # noqa: S310
        schema.write_bytes(answer.read())
    config = where / "config.yaml"
    # No formatting of the generated code; XLSX bodies (the import's row report) are
    # files, as the generator types application/octet-stream (docs/api.md says so).
    config.write_text(
        "post_hooks: []\n"
        "content_type_overrides:\n"
        "  application/vnd.openxmlformats-officedocument.spreadsheetml.sheet:"
        " application/octet-stream\n"
    )
    generator = Path(sys.executable).with_name("openapi-python-client")
    run = subprocess.run(  # noqa: S603 (our own venv's generator, our own schema)
        [
            str(generator),
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--config",
            str(config),
            "--output-path",
            str(where / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Every operation and model generated: the generator skips what it cannot type.
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    sys.path.insert(0, str(where))
    try:
        yield Generated(importlib.import_module(PACKAGE))
    finally:
        sys.path.remove(str(where))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


@pytest.fixture(autouse=True)
def _close_clients(gen: Generated) -> Iterator[None]:
    yield
    gen.close()


def _referral_input(gen: Generated, case_id: int) -> Any:
    return gen.model("ReferralCreateInputRequest")(
        case=case_id,
        kind=gen.model("ReferralKindEnum").SERVICE,
        to_org="rsud-aws",
        service_type="health",
        reason="Pemeriksaan hipertensi dan pendaftaran BPJS PBI.",
        urgency=gen.model("UrgencyEnum").HIGH,
        shared_summary="Lansia, tinggal sendiri, tekanan darah tinggi.",
        legal_basis=gen.model("LegalBasisEnum").PUBLIC_TASK,
    )


def test_a_generated_client_drives_a_referral_from_sending_to_outcome(gen, live_server, orgs):
    case = CaseFactory(owner_org=orgs["samarinda"])
    office = gen.client(live_server.url, issue_key(orgs["samarinda"], name="SIKS-NG")[1])
    agency = gen.client(live_server.url, issue_key(orgs["rsud"], name="SIMRS")[1])
    referrals, Status = "referrals", gen.model("ReferralStatusEnum")  # noqa: N806

    # the office sends; the same referral again while it is pending is a typed 409
    sent = gen.op(referrals, "referrals_create").sync_detailed(
        client=office, body=_referral_input(gen, case.pk)
    )
    assert sent.status_code == 201
    assert sent.parsed.status is Status.PENDING
    assert sent.parsed.due_at.utcoffset().total_seconds() == 8 * 3600  # WITA
    again = gen.op(referrals, "referrals_create").sync_detailed(
        client=office, body=_referral_input(gen, case.pk)
    )
    assert again.status_code == 409
    assert isinstance(again.parsed, gen.model("Error"))
    referral_id = sent.parsed.id

    # the hospital finds it in its inbox, reads it (ETag) and accepts with If-Match
    inbox = gen.op(referrals, "referrals_list").sync(client=agency, status=Status.PENDING)
    assert [row.id for row in inbox.results] == [referral_id]
    assert inbox.next_ is None
    read = gen.op(referrals, "referrals_retrieve").sync_detailed(referral_id, client=agency)
    Action = gen.model("AllowedActionsEnum")  # noqa: N806
    assert read.parsed.allowed_actions == [Action.ACCEPT, Action.DECLINE]
    assert read.parsed.beneficiary.full_name == case.beneficiary.full_name
    accepted = gen.op(referrals, "referrals_accept_create").sync_detailed(
        referral_id,
        client=agency,
        body=gen.model("AcceptInputRequest")(),
        if_match=read.headers["ETag"],
    )
    assert (accepted.status_code, accepted.parsed.status) == (200, Status.ACCEPTED)

    # a stale If-Match is a typed 412 and changes nothing
    stale = gen.op(referrals, "referrals_complete_create").sync_detailed(
        referral_id,
        client=agency,
        body=gen.model("CompleteInputRequest")(outcome="x"),
        if_match=read.headers["ETag"],
    )
    assert (stale.status_code, stale.parsed.error.code) == (412, "precondition_failed")

    # the conversation, both ways
    message = gen.model("MessageInputRequest")
    gen.op(referrals, "referrals_messages_create").sync(
        referral_id, client=agency, body=message(body="Jadwal Senin 08.00.")
    )
    gen.op(referrals, "referrals_messages_create").sync(
        referral_id, client=office, body=message(body="Baik, kami antar.")
    )
    thread = gen.op(referrals, "referrals_messages_list").sync(referral_id, client=office)
    assert [(m.author_org.code, m.body) for m in thread.results] == [
        ("rsud-aws", "Jadwal Senin 08.00."),
        ("dinsos-samarinda", "Baik, kami antar."),
    ]

    # the outcome, with the ETag of the accepted referral
    completed = gen.op(referrals, "referrals_complete_create").sync_detailed(
        referral_id,
        client=agency,
        body=gen.model("CompleteInputRequest")(outcome="Terkontrol; terdaftar BPJS PBI."),
        if_match=accepted.headers["ETag"],
    )
    assert (completed.status_code, completed.parsed.status) == (200, Status.COMPLETED)

    # a late decision: 409, naming who completed it and when (WITA)
    late = gen.op(referrals, "referrals_decline_create").sync_detailed(
        referral_id, client=agency, body=gen.model("DeclineInputRequest")(reason="x")
    )
    assert (late.status_code, late.parsed.error.code) == (409, "already_decided")
    details = late.parsed.error.details.additional_properties
    assert details["decided_at"].endswith("+08:00")
    assert set(details["decided_by"]) == {"id", "name", "organization"}

    # the office sees the outcome and the service on its case
    seen = gen.op(referrals, "referrals_retrieve").sync(referral_id, client=office)
    assert (seen.status, seen.outcome) == (Status.COMPLETED, "Terkontrol; terdaftar BPJS PBI.")
    services = gen.op("services", "cases_services_list").sync(case.pk, client=office)
    assert [(s.service_type.code, s.provider_org.code) for s in services.results] == [
        ("health", "rsud-aws")
    ]

    # a second referral is declined, a third cancelled by the office
    second = gen.op(referrals, "referrals_create").sync(
        client=office, body=_referral_input(gen, case.pk)
    )
    declined = gen.op(referrals, "referrals_decline_create").sync(
        second.id, client=agency, body=gen.model("DeclineInputRequest")(reason="Kuota penuh.")
    )
    assert (declined.status, declined.decision_reason) == (Status.DECLINED, "Kuota penuh.")
    third = gen.op(referrals, "referrals_create").sync(
        client=office, body=_referral_input(gen, case.pk)
    )
    cancelled = gen.op(referrals, "referrals_cancel_create").sync(
        third.id, client=office, body=gen.model("CancelInputRequest")()
    )
    assert cancelled.status is Status.CANCELLED
    outbox = gen.op(referrals, "referrals_list").sync(
        client=office, box=gen.model("ReferralsListBox").OUTBOX
    )
    assert [(row.id, row.status) for row in outbox.results] == [
        (third.id, Status.CANCELLED),
        (second.id, Status.DECLINED),
        (referral_id, Status.COMPLETED),
    ]


def test_a_generated_client_manages_the_organizations_webhooks(gen, live_server, orgs):
    agency = gen.client(live_server.url, issue_key(orgs["rsud"], name="SIMRS")[1])
    ops = "webhooks"
    Event = gen.model("WebhookEventEnum")  # noqa: N806

    with WebhookReceiver() as receiver, WebhookReceiver() as moved, celery_inline():
        # registered with the model's defaults (description "" among them)
        created = gen.op(ops, "webhooks_create").sync_detailed(
            client=agency,
            body=gen.model("WebhookEndpointInputRequest")(
                url=receiver.url, events=[Event.NEW_REFERRAL]
            ),
        )
        assert created.status_code == 201, created.content
        endpoint, secret = created.parsed, created.parsed.secret
        assert (endpoint.description, endpoint.is_active) == ("", True)

        listed = gen.op(ops, "webhooks_list").sync(client=agency)
        assert [(hook.id, hook.url) for hook in listed] == [(endpoint.id, receiver.url)]

        # moved to another URL, with more events
        changed = gen.op(ops, "webhooks_partial_update").sync_detailed(
            endpoint.id,
            client=agency,
            body=gen.model("PatchedWebhookEndpointUpdateInputRequest")(
                url=moved.url, events=[Event.NEW_REFERRAL, Event.DECISION], description="SIMRS"
            ),
        )
        assert changed.status_code == 200, changed.content
        read = gen.op(ops, "webhooks_retrieve").sync(endpoint.id, client=agency)
        assert (read.url, read.events, read.description) == (
            moved.url,
            [Event.NEW_REFERRAL, Event.DECISION],
            "SIMRS",
        )

        # a ping reaches the new URL, signed with the secret shown at registration
        pinged = gen.op(ops, "webhooks_ping_create").sync_detailed(endpoint.id, client=agency)
        assert pinged.status_code in (200, 201, 202), pinged.content
        assert receiver.received == []
        headers, body = moved.received[-1]
        assert json.loads(body)["event"] == "ping"
        assert webhooks.verify_signature(secret, headers["x-pmks-signature"], body)

        # a bad URL is a typed 400 naming the field
        bad = gen.op(ops, "webhooks_partial_update").sync_detailed(
            endpoint.id,
            client=agency,
            body=gen.model("PatchedWebhookEndpointUpdateInputRequest")(url="bukan url"),
        )
        assert bad.status_code == 400
        assert "url" in bad.parsed.error.fields.additional_properties

        # deactivated: still listed, inactive; another organization's id is a typed 404
        gone = gen.op(ops, "webhooks_destroy").sync_detailed(endpoint.id, client=agency)
        assert gone.status_code == 204
        listed = gen.op(ops, "webhooks_list").sync(client=agency)
        assert [(hook.id, hook.is_active) for hook in listed] == [(endpoint.id, False)]
        other = gen.client(live_server.url, issue_key(orgs["samarinda"], role="supervisor")[1])
        foreign = gen.op(ops, "webhooks_retrieve").sync_detailed(endpoint.id, client=other)
        assert (foreign.status_code, foreign.parsed.error.code) == (404, "not_found")


def test_a_generated_client_reads_the_typed_statistics(gen, live_server, orgs):
    CaseFactory(owner_org=orgs["samarinda"])
    supervisor = gen.client(live_server.url, issue_key(orgs["samarinda"], role="supervisor")[1])
    summary = gen.op("statistics", "stats_summary_retrieve").sync_detailed(
        client=supervisor, period=gen.model("PeriodEnum").TWELVE_MONTHS
    )
    assert summary.status_code == 200, summary.content
    body = summary.parsed
    assert isinstance(body, gen.model("StatsSummary"))
    assert (body.scope.level, body.scope.regency.code) == ("regency", "64.72")
    assert body.period.key == gen.model("PeriodEnum").TWELVE_MONTHS
    assert body.headline.open_cases >= 0
    assert {table.key for table in body.tables} >= {"by_status", "trend"}
