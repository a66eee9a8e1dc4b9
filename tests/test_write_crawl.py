"""Writes obey the same door as reads: every state-changing URL of the HTML app and
every state-changing API call, tried on objects of every side by every persona.

Each persona has its own logged-in `Client(enforce_csrf_checks=True)` and its own
CSRF token (read from the cookie a page set, sent as the form field or the
X-CSRFToken header), so a refusal is never a mere CSRF failure: the failure view
is replaced by one that marks its answer, and no attempt may carry the mark. API
keys are tried as well, each acting as its organization's integration user.

The expected outcome comes from ORACLE rules written here from ../shared/DESIGN.md
("People and access" and the table at its end), not from accounts.scoping or
accounts.policy. For every (URL, object, persona):
- the oracle forbids it: the answer is a refusal (400/401/403/404/405/409/412/428,
  a redirect to the login page, or a redirect back carrying an error message) and
  the database is exactly as before (a fingerprint of every domain table);
- the oracle allows it: the same request with the same payload changes the table
  it is about (a positive control, so no refusal passes because of a bad payload).
Every attempt runs in a savepoint that is rolled back, so one world serves all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
from django.contrib import messages as django_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.utils import timezone

from accounts.factories import OrganizationFactory, UserFactory
from accounts.models import Organization, OrganizationKind, Role, Sector, User
from api.models import OrganizationAPIKey, WebhookDelivery, WebhookEndpoint
from api.services import webhook_endpoint_create
from api.testing import issue_key, key_admin
from cases.factories import BeneficiaryFactory, CaseFactory
from cases.models import (
    Assessment,
    Attachment,
    Beneficiary,
    Case,
    CaseEvent,
    CaseFormerOwner,
    PmksCategory,
    ServiceDelivery,
    ServiceType,
)
from cases.services import opening as case_opening
from plans.models import CasePlan, PlanAction, PlanGoal
from referrals.factories import ServiceOfferFactory
from referrals.models import Notification, Referral, ReferralMessage, ServiceOffer
from referrals.services.decisions import referral_accept
from referrals.testing import send

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"
CSRF_MARK = "X-Crawl-CSRF-Failure"
ATTEMPTS: list[int] = []  # attempts made by each test (reported at the end of the module)
BEFORE_TRANSFER = "Sebelum pemindahan: tinggal di Samarinda Ulu"
AFTER_TRANSFER = "Sesudah pemindahan: tinggal di Balikpapan Selatan"


@pytest.fixture(autouse=True, scope="module")
def _report_attempts(request: pytest.FixtureRequest) -> Any:
    yield
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is not None and capture is not None and ATTEMPTS:
        with capture.global_and_fixture_disabled():
            reporter.write_line(
                f"\nwrite crawl: {sum(ATTEMPTS)} attempts in {len(ATTEMPTS)} crawls "
                "(each persona with its own client and CSRF token)"
            )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Stands in for Django's CSRF failure view: a marked 403."""
    response = HttpResponse(f"CSRF: {reason}", status=403)
    response[CSRF_MARK] = "1"
    return response


# --- the oracle: who may change what, from DESIGN.md ---------------------------------
#
# Organizations and people as DESIGN.md describes them. "office" means a Dinas Sosial
# kabupaten/kota office or a UPTD (they own cases); the provincial office reads only;
# partner agencies own nothing and act only on referrals addressed to them.


@dataclass(frozen=True)
class Org:
    kind: str  # "province", "office", "uptd", "agency"
    regency: str
    active: bool = True


ORGS = {
    "province": Org("province", "64"),
    "samarinda": Org("office", "64.72"),
    "balikpapan": Org("office", "64.71"),
    "uptd": Org("uptd", "64.72"),  # a UPTD sitting in Samarinda
    "rsud": Org("agency", "64.72"),
    "ppa": Org("agency", "64.71"),
    "bontang": Org("office", "64.74", active=False),  # a deactivated office
}


@dataclass(frozen=True)
class Actor:
    org: str
    role: str
    active: bool = True
    integration: bool = False


ACTORS: dict[str, Actor | None] = {
    "alice": Actor("samarinda", "caseworker"),
    "amir": Actor("samarinda", "caseworker"),
    "bob": Actor("balikpapan", "caseworker"),
    "sari": Actor("samarinda", "supervisor"),
    "budi": Actor("balikpapan", "supervisor"),
    "prov": Actor("province", "supervisor"),
    "agnes": Actor("rsud", "agency_staff"),
    "adam": Actor("ppa", "agency_staff"),
    "ulfa": Actor("uptd", "caseworker"),
    "dewi": Actor("samarinda", "caseworker", active=False),  # a deactivated user
    "dani": Actor("bontang", "caseworker"),  # a member of a deactivated office
    "anonymous": None,
    # API keys: the organization's integration user for one role.
    "key:samarinda": Actor("samarinda", "caseworker", integration=True),
    "key:samarinda-sup": Actor("samarinda", "supervisor", integration=True),
    "key:balikpapan": Actor("balikpapan", "caseworker", integration=True),
    "key:province": Actor("province", "supervisor", integration=True),
    "key:rsud": Actor("rsud", "agency_staff", integration=True),
    "key:ppa": Actor("ppa", "agency_staff", integration=True),
    "key:uptd": Actor("uptd", "caseworker", integration=True),
    "key:bontang": Actor("bontang", "caseworker", integration=True),
}
SESSION_PERSONAS = [name for name in ACTORS if not name.startswith("key:")]
KEY_PERSONAS = [name for name in ACTORS if name.startswith("key:")]
# HTML pages know no API key: one key is enough to show it opens nothing there.
HTML_PERSONAS = [*SESSION_PERSONAS, "key:samarinda"]
API_PERSONAS = [*SESSION_PERSONAS, *KEY_PERSONAS]


def acts(actor: Actor | None) -> bool:
    """An active person of an active organization (deactivating either ends all)."""
    return actor is not None and actor.active and ORGS[actor.org].active


def writes_for(actor: Actor | None, owner: str) -> bool:
    """May change what the office `owner` owns: its caseworkers; the supervisors of an
    office in the same kabupaten/kota. The province reads only; agencies own nothing."""
    if actor is None or not acts(actor) or ORGS[actor.org].kind not in ("office", "uptd"):
        return False
    if actor.role == "caseworker":
        return actor.org == owner
    if actor.role == "supervisor":
        return ORGS[owner].regency == ORGS[actor.org].regency
    return False


def sees_owned(actor: Actor | None, owner: str) -> bool:
    """Sees what `owner` owns: writers, and the provincial supervisor."""
    if not acts(actor):
        return False
    assert actor is not None
    if ORGS[actor.org].kind == "province" and actor.role == "supervisor":
        return True
    if ORGS[actor.org].kind not in ("office", "uptd"):
        return False
    if actor.role == "supervisor":
        return ORGS[owner].regency == ORGS[actor.org].regency
    return actor.role == "caseworker" and actor.org == owner


def registers(actor: Actor | None) -> bool:
    """Registers people and opens cases: staff of an office that writes."""
    return actor is not None and writes_for(actor, actor.org)


@dataclass(frozen=True)
class CaseFacts:
    owner: str
    former: tuple[str, ...] = ()


CASES = {
    "S": CaseFacts("samarinda"),
    "S2": CaseFacts("samarinda"),  # has a transfer to Balikpapan waiting
    "B": CaseFacts("balikpapan"),
    "U": CaseFacts("uptd"),
    "T": CaseFacts("balikpapan", former=("samarinda",)),  # transferred Samarinda → Balikpapan
    "X": CaseFacts("bontang"),
}


def changes_case(actor: Actor | None, case: str) -> bool:
    """The office that owns the case NOW (a former owner only reads)."""
    return writes_for(actor, CASES[case].owner)


def sees_case(actor: Actor | None, case: str) -> bool:
    facts = CASES[case]
    return any(sees_owned(actor, org) for org in (facts.owner, *facts.former))


def assigns(actor: Actor | None, case: str) -> bool:
    """Reassigning is for the office supervisors of the case's kabupaten/kota."""
    return actor is not None and actor.role == "supervisor" and changes_case(actor, case)


@dataclass(frozen=True)
class PersonFacts:
    case_owners: tuple[str, ...]
    registered_by: str
    handed_over_by: tuple[str, ...] = ()


PEOPLE = {
    "S": PersonFacts(("samarinda",), "samarinda"),
    "S2": PersonFacts(("samarinda",), "samarinda"),
    "B": PersonFacts(("balikpapan",), "balikpapan"),
    "U": PersonFacts(("uptd",), "uptd"),
    "T": PersonFacts(("balikpapan",), "samarinda", handed_over_by=("samarinda",)),
    "X": PersonFacts(("bontang",), "bontang"),
    "L": PersonFacts((), "samarinda"),  # registered, no case yet
}


def changes_person(actor: Actor | None, person: str) -> bool:
    """Offices that own one of the person's cases now; the registering office while it
    has not handed the person over (after a transfer the former office only reads and
    opens no new case)."""
    facts = PEOPLE[person]
    if any(writes_for(actor, owner) for owner in facts.case_owners):
        return True
    return writes_for(actor, facts.registered_by) and not any(
        writes_for(actor, org) for org in facts.handed_over_by
    )


def opens_case_for(actor: Actor | None, person: str) -> bool:
    return registers(actor) and changes_person(actor, person)


@dataclass(frozen=True)
class ReferralFacts:
    case: str
    to: str
    kind: str = "service"
    status: str = "pending"
    # The office acting for the sending side NOW: for a service referral the office
    # that owns its case now, for a transfer the office that sent it.
    sending: str = ""


REFERRALS = {
    "s_rsud": ReferralFacts("S", "rsud", sending="samarinda"),
    "s_uptd": ReferralFacts("S", "uptd", sending="samarinda"),
    "b_uptd": ReferralFacts("B", "uptd", sending="balikpapan"),
    "b_smd": ReferralFacts("B", "samarinda", sending="balikpapan"),
    "u_rsud": ReferralFacts("U", "rsud", sending="uptd"),
    "s2_transfer": ReferralFacts("S2", "balikpapan", kind="transfer", sending="samarinda"),
    "t_transfer": ReferralFacts(
        "T", "balikpapan", kind="transfer", status="accepted", sending="samarinda"
    ),
    "t_rsud": ReferralFacts("T", "rsud", sending="balikpapan"),  # sent before the transfer
    "s_ppa_accepted": ReferralFacts("S", "ppa", status="accepted", sending="samarinda"),
    "b_uptd_accepted": ReferralFacts("B", "uptd", status="accepted", sending="balikpapan"),
    "b_rsud_accepted": ReferralFacts("B", "rsud", status="accepted", sending="balikpapan"),
    "s_bontang": ReferralFacts("S", "bontang", sending="samarinda"),  # addressee deactivated
}
RECEIVING_ROLES = ("caseworker", "supervisor", "agency_staff")


def decides(actor: Actor | None, referral: str) -> bool:
    """Decisions belong to the staff of the addressed organization, nobody else (not
    the supervisor of the regency where it sits)."""
    return (
        acts(actor)
        and actor is not None
        and actor.org == REFERRALS[referral].to
        and actor.role in RECEIVING_ROLES
    )


def sends(actor: Actor | None, referral: str) -> bool:
    return writes_for(actor, REFERRALS[referral].sending)


def may_accept(actor: Actor | None, referral: str) -> bool:
    return REFERRALS[referral].status == "pending" and decides(actor, referral)


def may_complete(actor: Actor | None, referral: str) -> bool:
    facts = REFERRALS[referral]
    return facts.status == "accepted" and facts.kind == "service" and decides(actor, referral)


def may_cancel(actor: Actor | None, referral: str) -> bool:
    return REFERRALS[referral].status == "pending" and sends(actor, referral)


def may_message(actor: Actor | None, referral: str) -> bool:
    """The thread belongs to the two parties."""
    return decides(actor, referral) or sends(actor, referral)


OFFERS = ("samarinda", "uptd", "rsud", "ppa", "bontang")  # one offer of each


def updates_offer(actor: Actor | None, organization: str) -> bool:
    """Staff of the offering organization (agency staff of an agency; caseworkers and
    supervisors of an office)."""
    if not acts(actor) or actor is None or actor.org != organization:
        return False
    if ORGS[organization].kind == "agency":
        return actor.role == "agency_staff"
    return actor.role in ("caseworker", "supervisor")


INTEGRATED = ("samarinda", "balikpapan", "province", "uptd", "rsud", "ppa", "bontang")


def manages_keys(actor: Actor | None, organization: str) -> bool:
    """The organization's own supervisor (admins use the Django admin)."""
    return (
        acts(actor)
        and actor is not None
        and actor.role == "supervisor"
        and actor.org == organization
    )


def manages_webhooks(actor: Actor | None, organization: str) -> bool:
    """Key managers, and the organization's own integration user (its API key)."""
    return manages_keys(actor, organization) or (
        acts(actor) and actor is not None and actor.integration and actor.org == organization
    )


# --- the world ------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, User]
    orgs: dict[str, Organization]
    cases: dict[str, Case]
    people: dict[str, Beneficiary]
    referrals: dict[str, Referral]
    services: dict[str, ServiceDelivery]
    offers: dict[str, ServiceOffer]
    keys: dict[str, str]  # persona → clear key
    victim_keys: dict[str, OrganizationAPIKey]  # organization → a key to revoke
    webhooks: dict[str, WebhookEndpoint]
    assignees: dict[str, User]
    category: PmksCategory
    shelter: ServiceType
    health: ServiceType
    clients: dict[str, Client] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def world(
    settings: Any, orgs: Any, regions: Any, alice, amir, bob, sari, budi, prov, agnes, adam
) -> World:
    settings.CSRF_FAILURE_VIEW = "tests.test_write_crawl.csrf_failure"
    organizations = {
        "province": orgs["province"],
        "samarinda": orgs["samarinda"],
        "balikpapan": orgs["balikpapan"],
        "rsud": orgs["rsud"],
        "ppa": orgs["ppa"],
        "uptd": OrganizationFactory(
            code="uptd-panti-samarinda",
            name="UPTD Panti Sosial Samarinda",
            kind=OrganizationKind.UPTD,
            region=regions["64.72"],
        ),
        "bontang": OrganizationFactory(
            code="dinsos-bontang",
            name="Dinas Sosial Kota Bontang",
            kind=OrganizationKind.REGENCY_OFFICE,
            sector=Sector.SOCIAL,
            region=regions["64.74"],
        ),
    }
    users = {
        "alice": alice,
        "amir": amir,
        "bob": bob,
        "sari": sari,
        "budi": budi,
        "prov": prov,
        "agnes": agnes,
        "adam": adam,
        "ulfa": UserFactory(username="ulfa", organization=organizations["uptd"]),
        "dewi": UserFactory(username="dewi", organization=orgs["samarinda"], is_active=False),
        "dani": UserFactory(username="dani", organization=organizations["bontang"]),
        # Not a persona: a second Balikpapan caseworker to hand the transferred case to.
        "bima": UserFactory(username="bima", organization=orgs["balikpapan"]),
    }
    shelter = ServiceType.objects.get(code="shelter")
    health = ServiceType.objects.get(code="health")
    built_by = {"S": "samarinda", "S2": "samarinda", "B": "balikpapan", "U": "uptd"}
    built_by.update(T="samarinda", X="bontang")  # T is transferred to Balikpapan below
    cases = {
        name: CaseFactory.create(owner_org=organizations[owner], summary=BEFORE_TRANSFER)
        for name, owner in built_by.items()
    }
    send_as = {"samarinda": alice, "balikpapan": bob, "uptd": users["ulfa"]}
    accepted_by = {
        "s_ppa_accepted": adam,
        "b_uptd_accepted": users["ulfa"],
        "b_rsud_accepted": agnes,
    }
    referrals: dict[str, Referral] = {}
    # The accepted ones first, accepted at once: a case has at most one pending referral
    # to an organization for a service (b_uptd waits beside the accepted b_uptd_accepted).
    for name, facts in sorted(REFERRALS.items(), key=lambda item: item[0] not in accepted_by):
        if name == "t_transfer":
            continue
        case = cases[facts.case]
        referrals[name] = send(
            send_as[built_by[facts.case]],
            case,
            organizations[facts.to],
            kind=facts.kind,
            service_type="shelter" if facts.to in ("uptd", "bontang", "samarinda") else "health",
        )
        if name in accepted_by:
            referral_accept(actor=accepted_by[name], referral=referrals[name])
    referrals["t_transfer"] = send(alice, cases["T"], orgs["balikpapan"], kind="transfer")
    referral_accept(actor=bob, referral=referrals["t_transfer"])
    # After the transfer the new owner works on: the former owner must not see this.
    transferred = Case.objects.get(pk=cases["T"].pk)
    case_opening.case_update(
        actor=bob,
        case=transferred,
        expected_version=transferred.version,
        data={"summary": AFTER_TRANSFER},
    )
    people = {name: Case.objects.get(pk=case.pk).beneficiary for name, case in cases.items()}
    people["L"] = BeneficiaryFactory.create(
        registered_by_org=orgs["samarinda"], registered_by=alice
    )
    services = {
        name: ServiceDelivery.objects.create(case=case, service_type=shelter)
        for name, case in cases.items()
    }
    offers = {
        name: cast(
            ServiceOffer,
            ServiceOfferFactory(
                organization=organizations[name],
                service_type=shelter,
                capacity_total=10,
                capacity_free=5,
            ),
        )
        for name in OFFERS
    }
    keys = {
        "key:samarinda": issue_key(organizations["samarinda"])[1],
        "key:samarinda-sup": issue_key(organizations["samarinda"], role=Role.SUPERVISOR)[1],
        "key:balikpapan": issue_key(organizations["balikpapan"])[1],
        "key:province": issue_key(organizations["province"])[1],
        "key:rsud": issue_key(organizations["rsud"])[1],
        "key:ppa": issue_key(organizations["ppa"])[1],
        "key:uptd": issue_key(organizations["uptd"])[1],
        "key:bontang": issue_key(organizations["bontang"])[1],
    }
    victim_keys = {name: issue_key(organizations[name], name="victim")[0] for name in INTEGRATED}
    webhooks = {
        name: webhook_endpoint_create(
            actor=key_admin(), organization=organizations[name], url=f"https://{name}.example/h"
        )[0]
        for name in INTEGRATED
    }
    # Deactivated last: the office's key, webhook, case and referral were made first.
    organizations["bontang"].is_active = False
    organizations["bontang"].save()
    world = World(
        users=users,
        orgs=organizations,
        cases={name: Case.objects.get(pk=case.pk) for name, case in cases.items()},
        people={name: Beneficiary.objects.get(pk=p.pk) for name, p in people.items()},
        referrals={name: Referral.objects.get(pk=r.pk) for name, r in referrals.items()},
        services=services,
        offers=offers,
        keys=keys,
        victim_keys=victim_keys,
        webhooks=webhooks,
        assignees={
            "S": amir,
            "S2": amir,
            "B": bob,
            "U": users["ulfa"],
            "T": users["bima"],
            "X": users["dani"],
        },
        category=PmksCategory.objects.get(code="PMKS19"),
        shelter=shelter,
        health=health,
    )
    return world


def client_for(world: World, persona: str) -> Client:
    """The persona's own client, logged in, holding its own CSRF cookie."""
    if persona in world.clients:
        return world.clients[persona]
    if persona.startswith("key:"):
        client = Client(
            enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Api-Key {world.keys[persona]}"
        )
    else:
        client = Client(enforce_csrf_checks=True)
        if persona != "anonymous":
            client.force_login(world.users[persona])
    client.get("/akun/kata-sandi/", follow=True)  # a page with a form sets the cookie
    token = client.cookies["csrftoken"].value
    assert token, persona
    world.clients[persona] = client
    world.tokens[persona] = token
    return client


# --- fingerprint of every domain table -------------------------------------------------

FINGERPRINT: list[tuple[Any, tuple[str, ...]]] = [
    (Case, ("owner_org", "assigned_to", "status", "priority", "summary", "version", "updated_at")),
    (Beneficiary, ("full_name", "version", "updated_at", "registered_by_org")),
    (CaseFormerOwner, ("case", "organization")),
    (CaseEvent, ("case", "kind")),
    (Assessment, ("case",)),
    (ServiceDelivery, ("case", "status", "version", "updated_at")),
    (Attachment, ("case",)),
    (
        Referral,
        ("status", "version", "decided_by", "completed_by", "outcome", "updated_at", "to_org"),
    ),
    (ReferralMessage, ("referral", "author")),
    (Notification, ("user", "read_at")),
    (ServiceOffer, ("capacity_free", "capacity_total", "capacity_updated_at", "is_active")),
    (OrganizationAPIKey, ("revoked", "expiry_date", "name", "organization")),
    (WebhookEndpoint, ("is_active", "url", "organization", "secret", "events", "description")),
    (WebhookDelivery, ("status",)),
    (User, ("is_active", "organization", "role")),
    (Organization, ("is_active",)),
    (CasePlan, ("case", "status", "version", "superseded", "review_date", "returned_reason")),
    (PlanGoal, ("plan", "text", "need", "met")),
    (PlanAction, ("goal", "text", "status", "progress", "responsible_name")),
]


def fingerprint() -> dict[str, list[tuple[Any, ...]]]:
    return {
        model.__name__: list(model.objects.order_by("pk").values_list("pk", *fields))
        for model, fields in FINGERPRINT
    }


def changed_tables(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    return {name for name in before if before[name] != after[name]}


# --- one attempt ------------------------------------------------------------------------


@dataclass
class Target:
    """One URL on one object: how to call it and who may."""

    label: str
    method: str
    path: str
    data: Callable[[], Any]
    allowed: Callable[[Actor | None], bool]
    changes: str  # the table an allowed call changes
    api: bool = False
    if_match: bool = False


def about(check: Callable[[Actor | None, str], bool], name: str) -> Callable[[Actor | None], bool]:
    """The oracle's rule `check` for the object `name`."""

    def rule(actor: Actor | None) -> bool:
        return check(actor, name)

    return rule


def fixed(data: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    """A payload made once (a fresh copy per attempt)."""
    return lambda: dict(data)


def _call(world: World, persona: str, target: Target) -> Any:
    client = client_for(world, persona)
    token = world.tokens[persona]
    data = target.data()
    extra: dict[str, Any] = {"HTTP_X_CSRFTOKEN": token} if target.api else {}
    if target.if_match:
        extra["HTTP_IF_MATCH"] = "*"
    if target.api:
        return getattr(client, target.method)(
            target.path, data, content_type="application/json", **extra
        )
    return client.post(target.path, {**data, "csrfmiddlewaretoken": token})


def _is_refusal(response: Any, api: bool) -> bool:
    code = response.status_code
    if code in (400, 401, 403, 404, 405, 409, 412, 428):
        return True
    if code == 302 and not api:
        if response["Location"].startswith("/akun/masuk/"):
            return True
        # Pages that answer a refused move with a redirect back and an error message.
        return any(
            message.level == django_messages.ERROR
            for message in django_messages.get_messages(response.wsgi_request)
        )
    return False


def _csrf_failed(response: Any) -> bool:
    return response.get(CSRF_MARK) == "1" or b"CSRF Failed" in response.content


def crawl(world: World, targets: list[Target], personas: list[str]) -> int:
    """Try every target as every persona; returns the number of attempts."""
    for persona in personas:
        client_for(world, persona)
    before = fingerprint()
    failures = []
    attempts = 0
    for target in targets:
        for persona in personas:
            # An HTML page knows no API key: a key there is nobody.
            actor = None if persona.startswith("key:") and not target.api else ACTORS[persona]
            allowed = target.allowed(actor)
            with transaction.atomic():
                response = _call(world, persona, target)
                after = fingerprint()
                transaction.set_rollback(True)
            attempts += 1
            changed = changed_tables(before, after)
            where = f"{target.label} as {persona}: {response.status_code}"
            if _csrf_failed(response):
                failures.append(f"{where} CSRF failure (the test's token was refused)")
            elif allowed and target.changes not in changed:
                failures.append(f"{where} allowed, but {target.changes} did not change")
            elif not allowed and changed:
                failures.append(f"{where} FORBIDDEN, yet changed {sorted(changed)}")
            elif not allowed and not _is_refusal(response, target.api):
                failures.append(f"{where} forbidden, but the answer is not a refusal")
    assert fingerprint() == before
    assert failures == [], f"{len(failures)} of {attempts} attempts:\n" + "\n".join(failures)
    ATTEMPTS.append(attempts)
    return attempts


# --- the HTML pages ---------------------------------------------------------------------


def _case_targets(world: World) -> dict[str, list[Target]]:
    targets: dict[str, list[Target]] = {}

    def add(family: str, case: str, target: Target) -> None:
        targets.setdefault(family, []).append(target)

    for name, case in world.cases.items():
        service = world.services[name]
        change = about(changes_case, name)
        add(
            "case_edit",
            name,
            Target(
                f"/kasus/{name}/ubah/",
                "post",
                f"/kasus/{case.pk}/ubah/",
                fixed(
                    {
                        "primary_category": case.primary_category_id,
                        "priority": "high",
                        "summary": "Diubah oleh crawl",
                        "version": case.version,
                    }
                ),
                change,
                "Case",
            ),
        )
        add(
            "case_transition",
            name,
            Target(
                f"/kasus/{name}/status/",
                "post",
                f"/kasus/{case.pk}/status/",
                lambda: {"to_status": "assessment"},
                change,
                "Case",
            ),
        )
        add(
            "case_note",
            name,
            Target(
                f"/kasus/{name}/catatan/",
                "post",
                f"/kasus/{case.pk}/catatan/",
                lambda: {"text": "Catatan crawl"},
                change,
                "CaseEvent",
            ),
        )
        add(
            "assessment_create",
            name,
            Target(
                f"/kasus/{name}/asesmen/",
                "post",
                f"/kasus/{case.pk}/asesmen/",
                lambda: {"assessment-risk_level": "low", "assessment-needs": ["shelter"]},
                change,
                "Assessment",
            ),
        )
        add(
            "service_create",
            name,
            Target(
                f"/kasus/{name}/layanan/",
                "post",
                f"/kasus/{case.pk}/layanan/",
                lambda: {
                    "service-service_type": world.shelter.pk,
                    "service-status": "planned",
                },
                change,
                "ServiceDelivery",
            ),
        )
        add(
            "service_update",
            name,
            Target(
                f"/kasus/{name}/layanan/{name}/",
                "post",
                f"/kasus/{case.pk}/layanan/{service.pk}/",
                fixed({"status": "ongoing", "version": service.version}),
                change,
                "ServiceDelivery",
            ),
        )
        add(
            "attachment_upload",
            name,
            Target(
                f"/kasus/{name}/lampiran/",
                "post",
                f"/kasus/{case.pk}/lampiran/",
                lambda: {
                    "file": SimpleUploadedFile("surat.pdf", PDF, content_type="application/pdf"),
                    "description": "crawl",
                },
                change,
                "Attachment",
            ),
        )
        add(
            "case_assign",
            name,
            Target(
                f"/kasus/tugaskan/ {name}",
                "post",
                "/kasus/tugaskan/",
                fixed(
                    {
                        "cases": [case.pk],
                        "assignee": world.assignees[name].pk,
                    }
                ),
                about(assigns, name),
                "Case",
            ),
        )
        add(
            "referral_create",
            name,
            Target(
                f"/rujukan/kasus/{name}/rujuk/",
                "post",
                f"/rujukan/kasus/{case.pk}/rujuk/",
                lambda: {
                    "kind": "service",
                    "to_org": world.orgs["rsud"].pk,
                    # not health: the world's cases have one pending at RSUD already
                    "service_type": ServiceType.objects.get(code="psychosocial").pk,
                    "urgency": "normal",
                    "reason": "Perlu pemeriksaan",
                    "shared_summary": "Ringkasan",
                    "legal_basis": "consent",
                },
                change,
                "Referral",
            ),
        )
    return targets


def _person_targets(world: World) -> dict[str, list[Target]]:
    targets: dict[str, list[Target]] = {"beneficiary_edit": [], "case_create_for": []}
    for name, person in world.people.items():
        targets["beneficiary_edit"].append(
            Target(
                f"/kasus/penerima/{name}/ubah/",
                "post",
                f"/kasus/penerima/{person.pk}/ubah/",
                fixed(
                    {
                        "full_name": "Nama Diubah Crawl",
                        "sex": "F",
                        "nik_absent_reason": "not_registered",
                        "regency": person.regency_id,
                        "legal_basis": "consent",
                        "consent_note": "Ybs., lisan, 3 Mei",
                        "version": person.version,
                    }
                ),
                about(changes_person, name),
                "Beneficiary",
            )
        )
        targets["case_create_for"].append(
            Target(
                f"/kasus/baru/{name}/",
                "post",
                f"/kasus/baru/{person.pk}/",
                lambda: {
                    "primary_category": world.category.pk,
                    "priority": "normal",
                    "summary": "Kasus baru crawl",
                },
                about(opens_case_for, name),
                "Case",
            )
        )
    targets["beneficiary_register"] = [
        Target(
            "/kasus/penerima/daftar/",
            "post",
            "/kasus/penerima/daftar/",
            lambda: {
                "nik_absent_reason": "street",
                "full_name": "Orang Baru Dari Crawl",
                "sex": "M",
                "regency": world.orgs["samarinda"].region_id,
                "legal_basis": "public_task",
                "confirm_new": "1",
            },
            registers,
            "Beneficiary",
        )
    ]
    return targets


REFERRAL_MOVES: dict[str, tuple[str, str, Callable[..., bool], dict[str, str]]] = {
    # move: (HTML path, API path, who may, payload)
    "accept": ("terima", "accept", may_accept, {}),
    "decline": ("tolak", "decline", may_accept, {"reason": "Kuota penuh"}),
    "cancel": ("batalkan", "cancel", may_cancel, {"reason": "Sudah pulang"}),
    "complete": ("selesai", "complete", may_complete, {"outcome": "Layanan selesai"}),
}


def _referral_targets(world: World, *, api: bool) -> dict[str, list[Target]]:
    targets: dict[str, list[Target]] = {}
    for move, (html, endpoint, rule, payload) in REFERRAL_MOVES.items():
        targets[move] = [
            Target(
                f"{move} {name}",
                "post",
                f"/api/v1/referrals/{referral.pk}/{endpoint}/"
                if api
                else f"/rujukan/{referral.pk}/{html}/",
                fixed(payload),
                about(rule, name),
                "Referral",
                api=api,
            )
            for name, referral in world.referrals.items()
        ]
    targets["message"] = [
        Target(
            f"message {name}",
            "post",
            f"/api/v1/referrals/{referral.pk}/messages/"
            if api
            else f"/rujukan/{referral.pk}/pesan/",
            lambda: {"body": "Halo dari crawl"},
            about(may_message, name),
            "ReferralMessage",
            api=api,
        )
        for name, referral in world.referrals.items()
    ]
    return targets


def _integration_targets(world: World) -> dict[str, list[Target]]:
    expiry = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    own_org = lambda rule: lambda actor: actor is not None and rule(actor, actor.org)  # noqa: E731
    return {
        "offer_capacity": [
            Target(
                f"/rujukan/direktori/{name}/kapasitas/",
                "post",
                f"/rujukan/direktori/{offer.pk}/kapasitas/",
                lambda: {"capacity_free": 3, "capacity_total": 10},
                about(updates_offer, name),
                "ServiceOffer",
            )
            for name, offer in world.offers.items()
        ],
        "key_create": [
            Target(
                "/api/v1/integrasi/kunci/",
                "post",
                "/api/v1/integrasi/kunci/",
                lambda: {"name": "Crawl", "role": "supervisor", "expiry": expiry},
                own_org(manages_keys),
                "OrganizationAPIKey",
            )
        ],
        "key_revoke": [
            Target(
                f"/api/v1/integrasi/kunci/{name}/cabut/",
                "post",
                f"/api/v1/integrasi/kunci/{key.prefix}/cabut/",
                lambda: {},
                about(manages_keys, name),
                "OrganizationAPIKey",
            )
            for name, key in world.victim_keys.items()
        ],
        "webhook_create": [
            Target(
                "/api/v1/integrasi/webhook/",
                "post",
                "/api/v1/integrasi/webhook/",
                lambda: {"url": "https://crawl.example/hook", "events": ["new_referral"]},
                own_org(manages_keys),
                "WebhookEndpoint",
            )
        ],
        "webhook_deactivate": [
            Target(
                f"/api/v1/integrasi/webhook/{name}/nonaktif/",
                "post",
                f"/api/v1/integrasi/webhook/{endpoint.pk}/nonaktif/",
                lambda: {},
                about(manages_keys, name),
                "WebhookEndpoint",
            )
            for name, endpoint in world.webhooks.items()
        ],
    }


def _webhook_operation_targets(world: World, *, api: bool) -> dict[str, list[Target]]:
    """Ping, rotate, redeliver, replay on every organization's webhook (one delivered
    event each). The API lets webhook managers do them; the page, key managers."""
    rule = manages_webhooks if api else manages_keys
    now = timezone.localtime()
    families: dict[str, list[Target]] = {}
    for name, endpoint in world.webhooks.items():
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            organization_id=endpoint.organization_id,
            event="new_referral",
            payload={},
            status="succeeded",
        )
        paths: dict[str, tuple[str, dict[str, Any], str]]
        if api:
            base, uid = f"/api/v1/webhooks/{endpoint.pk}", delivery.delivery_id
            paths = {
                "webhook_ping": (f"{base}/ping/", {}, "WebhookDelivery"),
                "webhook_rotate": (f"{base}/rotate-secret/", {}, "WebhookEndpoint"),
                "webhook_redeliver": (f"{base}/deliveries/{uid}/redeliver/", {}, "WebhookDelivery"),
                "webhook_replay": (
                    f"{base}/replay/",
                    {
                        "since": (now - dt.timedelta(days=1)).isoformat(),
                        "until": (now + dt.timedelta(days=1)).isoformat(),
                    },
                    "WebhookDelivery",
                ),
            }
        else:
            base = f"/api/v1/integrasi/webhook/{endpoint.pk}"
            day = {
                "endpoint": endpoint.pk,
                "since": (now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
                "until": (now + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            }
            paths = {
                "webhook_ping": (f"{base}/ping/", {}, "WebhookDelivery"),
                "webhook_rotate": (f"{base}/ganti-rahasia/", {}, "WebhookEndpoint"),
                "webhook_redeliver": (
                    f"/api/v1/integrasi/pengiriman/{delivery.delivery_id}/kirim-ulang/",
                    {},
                    "WebhookDelivery",
                ),
                "webhook_replay": (
                    "/api/v1/integrasi/webhook/putar-ulang/",
                    day,
                    "WebhookDelivery",
                ),
            }
        for family, (path, data, table) in paths.items():
            families.setdefault(family, []).append(
                Target(
                    f"{family} {name}",
                    "post",
                    path,
                    fixed(data),
                    about(rule, name),
                    table,
                    api=api,
                )
            )
    return families


WEBHOOK_OPERATIONS = ["webhook_ping", "webhook_rotate", "webhook_redeliver", "webhook_replay"]


def html_targets(world: World, family: str) -> list[Target]:
    if family in WEBHOOK_OPERATIONS:
        return _webhook_operation_targets(world, api=False)[family]
    for build in (_case_targets, _person_targets, _integration_targets):
        found = build(world)
        if family in found:
            return found[family]
    return _referral_targets(world, api=False)[family]


HTML_FAMILIES = [
    "case_edit",
    "case_transition",
    "case_note",
    "assessment_create",
    "service_create",
    "service_update",
    "attachment_upload",
    "case_assign",
    "referral_create",
    "beneficiary_edit",
    "case_create_for",
    "beneficiary_register",
    "accept",
    "decline",
    "cancel",
    "complete",
    "message",
    "offer_capacity",
    "key_create",
    "key_revoke",
    "webhook_create",
    "webhook_deactivate",
    *WEBHOOK_OPERATIONS,
]


@pytest.mark.parametrize("family", HTML_FAMILIES)
def test_every_html_write_obeys_the_door(world, family):
    targets = html_targets(world, family)
    assert crawl(world, targets, HTML_PERSONAS) == len(targets) * len(HTML_PERSONAS)


# --- case plans (plans/) ------------------------------------------------------------------
# DESIGN.md: a case plan is changed by the case's office (changes_case); it is approved
# or returned by that office's supervisor (assigns: a supervisor who changes the case).

PLAN_DRAFT_FAMILIES = [
    "plan_goal_add",
    "plan_goal_edit",
    "plan_goal_delete",
    "plan_action_add",
    "plan_action_edit",
    "plan_action_delete",
    "plan_submit",
]
PLAN_FAMILIES = [
    "plan_create",
    *PLAN_DRAFT_FAMILIES,
    "plan_approve",
    "plan_return",
    "plan_action_progress",  # an action of the approved plan: status and progress
]


def _plan_on(case: Case, status: str) -> tuple[CasePlan, PlanGoal, PlanAction]:
    """Version 1 of the case's plan in `status`, with a goal and an action (made
    directly: the deactivated office's case gets one too)."""
    plan = CasePlan.objects.create(case=case, number=1, status=status)
    goal = PlanGoal.objects.create(plan=plan, need="shelter", text="Tujuan awal")
    action = PlanAction.objects.create(goal=goal, text="Tindakan awal", responsible_name="Petugas")
    return plan, goal, action


def _plan_target(name: str, case: Case, family: str, suffix: str, data: dict[str, Any]) -> Target:
    decide = family in ("plan_approve", "plan_return")
    changes = {"goal": "PlanGoal", "action": "PlanAction"}.get(family.split("_")[1], "CasePlan")
    return Target(
        f"/kasus/{name}/rencana/{suffix}",
        "post",
        f"/kasus/{case.pk}/rencana/{suffix}",
        fixed(data),
        about(assigns if decide else changes_case, name),
        changes,
    )


def plan_targets(world: World, family: str) -> list[Target]:
    """Every plan write on every case; the plans they need are made first."""
    targets = []
    for name, case in world.cases.items():
        if family == "plan_create":
            targets.append(_plan_target(name, case, family, "baru/", {}))
            continue
        status = "draft" if family in PLAN_DRAFT_FAMILIES else "submitted"
        if family == "plan_action_progress":
            status = "approved"
        plan, goal, action = _plan_on(case, status)
        v = plan.version
        forms: dict[str, tuple[str, dict[str, Any]]] = {
            "plan_goal_add": ("1/tujuan/", {"goal-version": v, "goal-text": "Tujuan crawl"}),
            "plan_goal_edit": (f"1/tujuan/{goal.pk}/", {"goal-version": v, "goal-text": "Ubah"}),
            "plan_goal_delete": (f"1/tujuan/{goal.pk}/hapus/", {"version": v}),
            "plan_action_add": (
                f"1/tujuan/{goal.pk}/tindakan/",
                {
                    f"g{goal.pk}-version": v,
                    f"g{goal.pk}-text": "Tindakan crawl",
                    f"g{goal.pk}-responsible_name": "Crawl",
                    f"g{goal.pk}-status": "not_started",
                    f"g{goal.pk}-progress": 0,
                },
            ),
            "plan_action_edit": (
                f"1/tindakan/{action.pk}/",
                {
                    "action-version": v,
                    "action-text": "Tindakan diubah",
                    "action-responsible_name": "Crawl",
                    "action-status": "ongoing",
                    "action-progress": 10,
                },
            ),
            "plan_action_delete": (f"1/tindakan/{action.pk}/hapus/", {"version": v}),
            "plan_submit": ("1/ajukan/", {"version": v}),
            "plan_approve": ("1/setujui/", {"approve-version": v}),
            "plan_return": ("1/kembalikan/", {"return-version": v, "return-reason": "Crawl"}),
            "plan_action_progress": (
                f"1/tindakan/{action.pk}/",
                {"action-version": v, "action-status": "ongoing", "action-progress": 30},
            ),
        }
        suffix, data = forms[family]
        targets.append(_plan_target(name, case, family, suffix, data))
    return targets


@pytest.mark.parametrize("family", PLAN_FAMILIES)
def test_every_plan_write_obeys_the_door(world, family):
    targets = plan_targets(world, family)
    assert any(t.allowed(ACTORS[p]) for t in targets for p in HTML_PERSONAS), family
    assert crawl(world, targets, HTML_PERSONAS) == len(targets) * len(HTML_PERSONAS)


# --- the API --------------------------------------------------------------------------------


def api_targets(world: World, family: str) -> list[Target]:
    if family in WEBHOOK_OPERATIONS:
        return _webhook_operation_targets(world, api=True)[family]
    if family in ("accept", "decline", "cancel", "complete", "message"):
        return _referral_targets(world, api=True)[family]
    cases = world.cases.items()
    if family == "case_patch":
        return [
            Target(
                f"PATCH /cases/{name}/",
                "patch",
                f"/api/v1/cases/{case.pk}/",
                lambda: {"priority": "urgent"},
                about(changes_case, name),
                "Case",
                api=True,
                if_match=True,
            )
            for name, case in cases
        ]
    if family == "case_transition":
        return [
            Target(
                f"POST /cases/{name}/transition/",
                "post",
                f"/api/v1/cases/{case.pk}/transition/",
                lambda: {"to_status": "assessment"},
                about(changes_case, name),
                "Case",
                api=True,
            )
            for name, case in cases
        ]
    if family == "service_create":
        return [
            Target(
                f"POST /cases/{name}/services/",
                "post",
                f"/api/v1/cases/{case.pk}/services/",
                lambda: {"service_type": "shelter"},
                about(changes_case, name),
                "ServiceDelivery",
                api=True,
            )
            for name, case in cases
        ]
    if family == "service_patch":
        return [
            Target(
                f"PATCH /cases/{name}/services/{name}/",
                "patch",
                f"/api/v1/cases/{case.pk}/services/{world.services[name].pk}/",
                lambda: {"status": "ongoing"},
                about(changes_case, name),
                "ServiceDelivery",
                api=True,
                if_match=True,
            )
            for name, case in cases
        ]
    if family == "referral_send":
        return [
            Target(
                f"POST /referrals/ case {name}",
                "post",
                "/api/v1/referrals/",
                fixed(
                    {
                        "case": case.pk,
                        "kind": "service",
                        "to_org": "rsud-aws",
                        "service_type": "psychosocial",  # health is pending there already
                        "reason": "Perlu pemeriksaan",
                        "shared_summary": "Ringkasan",
                        "legal_basis": "consent",
                    }
                ),
                about(changes_case, name),
                "Referral",
                api=True,
            )
            for name, case in cases
        ]
    if family == "case_open":
        return [
            Target(
                f"POST /cases/ person {name}",
                "post",
                "/api/v1/cases/",
                fixed({"beneficiary": person.pk, "primary_category": "PMKS19"}),
                about(opens_case_for, name),
                "Case",
                api=True,
            )
            for name, person in world.people.items()
        ]
    if family == "beneficiary_register":
        return [
            Target(
                "POST /beneficiaries/",
                "post",
                "/api/v1/beneficiaries/",
                lambda: {
                    "nik_absent_reason": "street",
                    "full_name": "Orang Baru Dari Crawl",
                    "sex": "M",
                    "region": "64.72",
                    "legal_basis": "public_task",
                    "confirm_new": True,
                },
                registers,
                "Beneficiary",
                api=True,
            )
        ]
    if family == "webhook_register":
        return [
            Target(
                "POST /webhooks/",
                "post",
                "/api/v1/webhooks/",
                lambda: {"url": "https://crawl.example/hook"},
                lambda actor: actor is not None and manages_webhooks(actor, actor.org),
                "WebhookEndpoint",
                api=True,
            )
        ]
    if family == "webhook_delete":
        return [
            Target(
                f"DELETE /webhooks/{name}/",
                "delete",
                f"/api/v1/webhooks/{endpoint.pk}/",
                lambda: None,
                about(manages_webhooks, name),
                "WebhookEndpoint",
                api=True,
            )
            for name, endpoint in world.webhooks.items()
        ]
    if family == "webhook_update":
        return [
            Target(
                f"PATCH /webhooks/{name}/",
                "patch",
                f"/api/v1/webhooks/{endpoint.pk}/",
                lambda: {"description": "Diubah oleh crawl"},
                about(manages_webhooks, name),
                "WebhookEndpoint",
                api=True,
            )
            for name, endpoint in world.webhooks.items()
        ]
    if family == "unsupported_methods":
        # No such operation: nobody may, the owners included.
        nobody: Callable[[Actor | None], bool] = lambda actor: False  # noqa: E731
        case, person = world.cases["S"], world.people["S"]
        referral = world.referrals["s_rsud"]
        rows = [
            ("put", f"/api/v1/cases/{case.pk}/"),
            ("delete", f"/api/v1/cases/{case.pk}/"),
            ("put", f"/api/v1/beneficiaries/{person.pk}/"),
            ("patch", f"/api/v1/beneficiaries/{person.pk}/"),
            ("delete", f"/api/v1/beneficiaries/{person.pk}/"),
            ("put", f"/api/v1/referrals/{referral.pk}/"),
            ("patch", f"/api/v1/referrals/{referral.pk}/"),
            ("delete", f"/api/v1/referrals/{referral.pk}/"),
            ("delete", f"/api/v1/cases/{case.pk}/services/{world.services['S'].pk}/"),
            ("put", f"/api/v1/webhooks/{world.webhooks['samarinda'].pk}/"),
        ]
        return [
            Target(
                f"{method.upper()} {path}",
                method,
                path,
                lambda: {"status": "closed", "full_name": "X", "priority": "urgent"},
                nobody,
                "-",
                api=True,
                if_match=True,
            )
            for method, path in rows
        ]
    raise KeyError(family)


API_FAMILIES = [
    "case_patch",
    "case_transition",
    "service_create",
    "service_patch",
    "referral_send",
    "case_open",
    "beneficiary_register",
    "accept",
    "decline",
    "cancel",
    "complete",
    "message",
    "webhook_register",
    "webhook_update",
    "webhook_delete",
    *WEBHOOK_OPERATIONS,
    "unsupported_methods",
]


@pytest.mark.parametrize("family", API_FAMILIES)
def test_every_api_write_obeys_the_door(world, family):
    targets = api_targets(world, family)
    assert crawl(world, targets, API_PERSONAS) == len(targets) * len(API_PERSONAS)


def test_the_oracle_allows_someone_everywhere_it_should(world):
    """A crawl where the oracle forbade everything would prove nothing: every family
    but the unsupported methods has at least one allowed pair (a positive control)."""
    for family in HTML_FAMILIES:
        targets = html_targets(world, family)
        assert any(t.allowed(ACTORS[p]) for t in targets for p in HTML_PERSONAS), family
    for family in API_FAMILIES[:-1]:
        targets = api_targets(world, family)
        assert any(t.allowed(ACTORS[p]) for t in targets for p in API_PERSONAS), family
    # The two defects the lead fixed are forbidden pairs of the crawl.
    assert not opens_case_for(ACTORS["alice"], "T")
    assert not changes_person(ACTORS["alice"], "T")
    assert not may_accept(ACTORS["sari"], "b_uptd")
    assert not may_complete(ACTORS["sari"], "b_uptd_accepted")
    assert not may_message(ACTORS["sari"], "b_uptd")
    assert may_accept(ACTORS["ulfa"], "b_uptd")


# --- reads on both doors ----------------------------------------------------------------


def _api_get(world: World, persona: str, path: str) -> Any:
    return client_for(world, persona).get(path)


def test_a_former_owner_reads_the_case_as_at_the_transfer_on_both_doors(world):
    case = world.cases["T"]
    for persona in ("alice", "amir", "sari"):
        page = client_for(world, persona).get(f"/kasus/{case.pk}/")
        api = _api_get(world, persona, f"/api/v1/cases/{case.pk}/")
        assert (page.status_code, api.status_code) == (200, 200), persona
        data = api.json()
        assert data["summary"] == BEFORE_TRANSFER, persona
        assert data["history_until"] is not None
        assert data["allowed_moves"] == []
        assert BEFORE_TRANSFER in page.text and AFTER_TRANSFER not in page.text, persona
        assert AFTER_TRANSFER not in api.text
        assert data["number"] in page.text
    for persona in ("bob", "budi", "key:balikpapan"):
        api = _api_get(world, persona, f"/api/v1/cases/{case.pk}/")
        assert api.status_code == 200
        assert api.json()["summary"] == AFTER_TRANSFER
    page = client_for(world, "bob").get(f"/kasus/{case.pk}/")
    assert AFTER_TRANSFER in page.text


def test_both_doors_agree_on_every_case_for_every_persona(world):
    """The oracle's readers get 200 from the page and the API; for everyone else a case
    is indistinguishable from one that does not exist, on both doors."""
    missing = max(case.pk for case in world.cases.values()) + 1000
    checked = 0
    for persona in API_PERSONAS:
        actor = ACTORS[persona]
        html_missing = client_for(world, persona).get(f"/kasus/{missing}/")
        api_missing = _api_get(world, persona, f"/api/v1/cases/{missing}/")
        for name, case in world.cases.items():
            api = _api_get(world, persona, f"/api/v1/cases/{case.pk}/")
            page = client_for(world, persona).get(f"/kasus/{case.pk}/")
            html_actor = None if persona.startswith("key:") else actor
            if sees_case(actor, name):
                assert api.status_code == 200, (persona, name, api.status_code)
            else:
                assert api.status_code in (401, 403, 404), (persona, name, api.status_code)
                assert (api.status_code, api.json()) == (
                    api_missing.status_code,
                    api_missing.json(),
                ), (persona, name)
            if sees_case(html_actor, name):
                assert page.status_code == 200, (persona, name, page.status_code)
            else:
                assert page.status_code in (302, 404), (persona, name, page.status_code)
                assert page.status_code == html_missing.status_code, (persona, name)
                if page.status_code == 302:
                    assert page["Location"].startswith("/akun/masuk/")
            checked += 1
    assert checked == len(API_PERSONAS) * len(world.cases)
