"""Traffic while a part is down: people on logged-in pages, an office sending
referrals and an agency accepting them through the API (each creating webhooks).

Every answer is tallied by kind; a connection refused or reset counts as status 0.
"""

from __future__ import annotations

import http.cookiejar
import json
import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TIMEOUT = 30
Headers = dict[str, str] | None


@dataclass
class Tally:
    """What one scenario's traffic saw: statuses by kind, and the referral ids whose
    creation (201) or acceptance (200) the API confirmed."""

    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    created: set[int] = field(default_factory=set)
    accepted: set[int] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, status: int, url: str, body: bytes = b"") -> None:
        with self.lock:
            self.statuses[(kind, status)] += 1
            if status >= 300 and not (kind == "login" and status == 302) or status == 0:
                when = time.strftime("%H:%M:%S", time.gmtime())
                self.failures.append(f"{when} UTC {status} {kind} {url} {body[:160]!r}")

    def unexpected(self) -> int:
        """Answers other than 2xx and 5xx (and a login's 302): a 302 to the login
        page is a lost session, a 429 a throttle, a 4xx a refused move."""
        return sum(
            n
            for (kind, status), n in self.statuses.items()
            if 300 <= status < 500 and not (kind == "login" and status == 302)
        )

    def requests(self) -> int:
        return sum(self.statuses.values())

    def count(self, predicate: Any) -> int:
        return sum(n for (_kind, status), n in self.statuses.items() if predicate(status))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is an answer of its own (a lost session redirects to login)


class Http:
    """A cookie-keeping client over urllib that does not follow redirects."""

    def __init__(self, base: str, tally: Tally, headers: dict[str, str] | None = None) -> None:
        self.base = base
        self.tally = tally
        self.headers = headers or {}
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect
        )

    def call(
        self,
        kind: str,
        path: str,
        *,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        request = urllib.request.Request(  # noqa: S310 (loopback, our server)
            self.base + path, data=data, headers={**self.headers, **(headers or {})}
        )
        try:
            with self.opener.open(request, timeout=TIMEOUT) as response:
                status, body = int(response.status), response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        except (OSError, http.client.HTTPException):
            status, body = 0, b""
        self.tally.record(kind, status, path, body if status >= 400 else b"")
        return status, body


class Stoppable(threading.Thread):
    def __init__(self, pause: float) -> None:
        super().__init__(daemon=True)
        self.stopping = threading.Event()
        self.pause = pause

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.step()
            self.stopping.wait(self.pause * random.uniform(0.5, 1.5))  # noqa: S311

    def step(self) -> None:
        raise NotImplementedError


class PageUser(Stoppable):
    """Logs in (again every `relogin` seconds, so logins happen during the outage)
    and opens its pages."""

    def __init__(self, base: str, tally: Tally, username: str, paths: list[str]) -> None:
        super().__init__(pause=0.5)
        self.base, self.tally, self.username, self.paths = base, tally, username, paths
        self.relogin = 20.0
        self.logged_in_at = 0.0
        self.http = Http(base, tally)

    def login(self) -> None:
        from demo.organizations import DEMO_PASSWORD  # after django.setup()

        self.http = Http(self.base, self.tally)
        status, body = self.http.call("login", "/akun/masuk/")
        token = CSRF.search(body.decode(errors="replace"))
        if status != 200 or token is None:
            return
        form = {"username": self.username, "password": DEMO_PASSWORD}
        status, _body = self.http.call(
            "login",
            "/akun/masuk/",
            data=urllib.parse.urlencode({**form, "csrfmiddlewaretoken": token[1]}).encode(),
            headers={"Referer": self.base + "/akun/masuk/"},
        )
        if status == 302 and any(cookie.name == "sessionid" for cookie in self.http.jar):
            self.logged_in_at = time.monotonic()

    def step(self) -> None:
        if time.monotonic() - self.logged_in_at > self.relogin:
            self.login()
            return
        self.http.call("page", random.choice(self.paths))  # noqa: S311


class OfficeApi(Stoppable):
    """An office's system sending service referrals to RSUD (webhook: new_referral),
    each for another case of `cases` (shared by the scenarios, consumed)."""

    def __init__(self, base: str, tally: Tally, key: str, cases: list[int], pause: float) -> None:
        super().__init__(pause=pause)
        self.tally, self.cases = tally, cases
        self.http = Http(base, tally, {"Authorization": f"Api-Key {key}"})

    def step(self) -> None:
        with self.tally.lock:
            if not self.cases:
                return  # every case of the pool was referred
            case = self.cases.pop()
        body = {
            "case": case,
            "kind": "service",
            "to_org": "rsud-aws",
            "service_type": "health",
            "reason": "Pemeriksaan kesehatan (uji gangguan).",
            "urgency": "normal",
            "shared_summary": "Uji gangguan make faults.",
            "legal_basis": "public_task",
        }
        status, answer = self.http.call(
            "api",
            "/api/v1/referrals/",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        if status == 201:
            with self.tally.lock:
                self.tally.created.add(int(json.loads(answer)["id"]))


class AgencyApi(Stoppable):
    """RSUD's system polling its inbox and accepting (webhook: decision, both ends)."""

    def __init__(self, base: str, tally: Tally, key: str, pause: float) -> None:
        super().__init__(pause=pause)
        self.tally = tally
        self.http = Http(base, tally, {"Authorization": f"Api-Key {key}"})

    def step(self) -> None:
        status, answer = self.http.call("api", "/api/v1/referrals/?status=pending&box=inbox")
        if status != 200:
            return
        pending = json.loads(answer)["results"]
        if not pending:
            return
        referral = pending[-1]["id"]  # the oldest of the page
        status, _answer = self.http.call(
            "api",
            f"/api/v1/referrals/{referral}/accept/",
            data=b"{}",
            headers={"Content-Type": "application/json"},
        )
        if status == 200:
            with self.tally.lock:
                self.tally.accepted.add(int(referral))


@dataclass
class Crowd:
    """Everyone who works during a scenario."""

    threads: list[Stoppable]

    def __enter__(self) -> Crowd:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for thread in self.threads:
            thread.stop()
        for thread in self.threads:
            thread.join(TIMEOUT + 5)
