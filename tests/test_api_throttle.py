"""The API's rate limit holds under parallel requests (api/throttling.py): an atomic
counter per key, per signed-in user, and per IP for requests without credentials.

The parallel test sends real HTTP requests to a live server from many threads. The
clock is frozen (time-machine, for the server's threads too) one second into a
minute, so all 700 requests fall in one window and the count is exact."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from axes.handlers.database import AxesDatabaseHandler
from django.test import Client
from django.utils import timezone

from api.testing import error_of, issue_key, key_client

ME = "/api/v1/me/"


def _rate(settings, **rates: str) -> None:  # type: ignore[no-untyped-def]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
    }


def _one_second_into_a_minute() -> dt.datetime:
    now = timezone.now() + dt.timedelta(minutes=1)
    return now.replace(second=1, microsecond=0)


class Hammer:
    """`count` GETs of `path` from `threads` threads, each on its own keep-alive
    connection; all threads start together. Returns the status codes and one
    429 answer's headers and body."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self.netloc = urllib.parse.urlsplit(base_url).netloc
        self.headers = headers
        self.refused: tuple[dict[str, str], bytes] | None = None

    def run(self, path: str, count: int, threads: int) -> Counter[int]:
        barrier = threading.Barrier(threads)
        shares = [count // threads + (1 if i < count % threads else 0) for i in range(threads)]

        def worker(share: int) -> list[int]:
            connection = http.client.HTTPConnection(self.netloc, timeout=60)
            barrier.wait()
            statuses = []
            for _ in range(share):
                connection.request("GET", path, headers=self.headers)
                response = connection.getresponse()
                body = response.read()
                statuses.append(response.status)
                if response.status == 429:
                    self.refused = (dict(response.getheaders()), body)
            connection.close()
            return statuses

        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(worker, shares))
        return Counter(status for statuses in results for status in statuses)


@pytest.mark.django_db(transaction=True)
def test_700_parallel_requests_against_600_a_minute_give_exactly_600_and_100_refusals(
    live_server, orgs, settings
):
    _rate(settings, api_key="600/minute")
    with time_machine.travel(_one_second_into_a_minute(), tick=False):
        _key, clear = issue_key(orgs["rsud"])
        hammer = Hammer(live_server.url, {"Authorization": f"Api-Key {clear}"})
        statuses = hammer.run(ME, count=700, threads=32)

    assert statuses == Counter({200: 600, 429: 100})
    assert hammer.refused is not None
    headers, body = hammer.refused
    assert headers["Content-Type"] == "application/json"
    assert headers["Retry-After"] == "59"  # the rest of the minute
    error = json.loads(body)["error"]
    assert error == {
        "code": "throttled",
        "message": "Terlalu banyak permintaan. Coba lagi dalam 59 detik.",
    }


def test_each_key_has_its_own_budget_and_the_next_window_starts_afresh(orgs, settings):
    _rate(settings, api_key="3/minute")
    start = _one_second_into_a_minute()
    _key, clear = issue_key(orgs["rsud"])
    _other, other_clear = issue_key(orgs["rsud"])
    with time_machine.travel(start, tick=False):
        assert [key_client(clear).get(ME).status_code for _ in range(4)] == [200, 200, 200, 429]
        assert key_client(other_clear).get(ME).status_code == 200
    with time_machine.travel(start + dt.timedelta(seconds=58), tick=False):
        response = key_client(clear).get(ME)
        assert response.status_code == 429
        assert response["Retry-After"] == "1"
    with time_machine.travel(start + dt.timedelta(seconds=60), tick=False):
        assert key_client(clear).get(ME).status_code == 200


def test_requests_without_credentials_are_limited_per_ip(orgs, settings):
    _rate(settings, anon="3/minute", api_key="1000/minute")
    with time_machine.travel(_one_second_into_a_minute(), tick=False):
        here = [Client(REMOTE_ADDR="10.1.1.1").get(ME) for _ in range(4)]
        elsewhere = Client(REMOTE_ADDR="10.1.1.2").get(ME)
        _key, clear = issue_key(orgs["rsud"])
        with_a_key = key_client(clear, REMOTE_ADDR="10.1.1.1").get(ME)

    assert [response.status_code for response in here] == [401, 401, 401, 429]
    assert error_of(here[-1])["code"] == "throttled"
    assert "Terlalu banyak permintaan" in error_of(here[-1])["message"]
    assert elsewhere.status_code == 401
    assert with_a_key.status_code == 200  # a key is counted as itself, not as its IP


def test_a_signed_in_browser_user_is_limited_as_a_user(alice, settings):
    _rate(settings, api_key="2/minute")
    client = Client()
    client.force_login(alice)
    with time_machine.travel(_one_second_into_a_minute(), tick=False):
        statuses = [client.get(ME).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


# On SQLite the test database is in memory and the live server's threads share its one
# connection, so nothing there is concurrent; the embedded file database serializes
# writers with IMMEDIATE transactions.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bad_keys_sent_in_parallel_are_counted_exactly_per_ip(
    live_server, orgs, settings, monkeypatch
):
    """Failed key authentication counts per IP (django-axes, api/authentication.py): 40
    guesses at once from one address get exactly 4 × 401, then 429 `locked_out`."""
    _rate(settings, api_key="100000/minute")
    # Widen the gap between axes counting a failure and reading the count, so that
    # unserialized failures would overlap there every time.
    counted = AxesDatabaseHandler.get_failures

    def slow_read(self, request, credentials=None):  # type: ignore[no-untyped-def]
        time.sleep(0.05)
        return counted(self, request, credentials)

    monkeypatch.setattr(AxesDatabaseHandler, "get_failures", slow_read)
    hammer = Hammer(live_server.url, {"Authorization": "Api-Key abcdefgh.a-guessed-secret"})
    statuses = hammer.run(ME, count=40, threads=20)

    assert statuses == Counter(
        {401: settings.AXES_FAILURE_LIMIT - 1, 429: 41 - settings.AXES_FAILURE_LIMIT}
    )
    assert hammer.refused is not None
    assert json.loads(hammer.refused[1])["error"]["code"] == "locked_out"
