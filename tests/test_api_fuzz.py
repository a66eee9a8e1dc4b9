"""Schema-driven fuzzing: schemathesis generates requests from /api/v1/schema/ for
every operation and sends them in-process (WSGI) with a real API key. No input may
make a 500, and every answer must be what the schema documents: a declared status,
content type, headers and body shape (response-schema conformance). Run for an
office supervisor over the whole API and for a partner agency over the referrals.
Bounded: the schema's own examples plus a few generated cases per operation."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.testing import issue_key
from cases.factories import CaseFactory
from referrals.factories import ServiceOfferFactory
from referrals.testing import send

pytestmark = pytest.mark.django_db


MAX_EXAMPLES = 4


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Calling the WSGI app directly fires request_started/finished, whose handler
    would close the test's connection (inside its transaction) on PostgreSQL; the
    test Client disconnects it the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_key(orgs, alice, settings):
    """A Samarinda supervisor's key (cases, referrals, statistics, webhooks), some data
    to find, and a throttle that does not get in the way of the fuzzer."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": "100000/minute"},
    }
    case = CaseFactory(owner_org=orgs["samarinda"], pk=1)
    send(alice, case, orgs["rsud"])
    ServiceOfferFactory(organization=orgs["samarinda"], capacity_total=5, capacity_free=2)
    _key, clear = issue_key(orgs["samarinda"], role="supervisor")
    return clear


# Loaded when the module is collected: serving the schema touches no table.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
# The schema's own examples (explicit phase) and MAX_EXAMPLES generated cases per
# operation; the coverage phase (dozens of boundary cases per operation) would take
# minutes, so it is off.
schema.config.phases.coverage.enabled = False


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
BOUNDED = hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@BOUNDED
def test_no_generated_input_makes_a_server_error(case, fuzz_key):
    response = case.call(headers={"Authorization": f"Api-Key {fuzz_key}"})
    # No 500; and what comes back is what the schema documents (status, type, shape).
    case.validate_response(response, checks=CHECKS)


@pytest.fixture
def agency_key(fuzz_key, orgs):
    """RSUD's key: the receiver of the fuzz data's referral."""
    _key, clear = issue_key(orgs["rsud"])
    return clear


@schema.include(tag="referrals").parametrize()
@BOUNDED
def test_an_agency_gets_documented_answers_on_the_referrals(case, agency_key):
    response = case.call(headers={"Authorization": f"Api-Key {agency_key}"})
    case.validate_response(response, checks=CHECKS)
