"""Locust users of `make load` (bench/load/__main__.py starts Locust with this file).

Each simulated person logs in as a distinct user (or uses an API key of its own),
read from the JSON file named by PMKS_LOAD_USERS (written by the load setup):
- caseworkers list, search, open a case, add a note, register a person;
- supervisors open the dashboards and the approval queue;
- agencies poll the referral API (inbox, changes since, one referral).
Redirects are not followed: a 302 to the login page is a failure, as is any 4xx/5xx.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import re
import threading
from typing import Any

from locust import HttpUser, between, task

USERS = json.loads(open(os.environ["PMKS_LOAD_USERS"]).read())  # noqa: PTH123, SIM115
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CASE_LINK = re.compile(r'href="/kasus/(\d+)/"')
REGENCY = re.compile(r'<option value="(\d+)" selected')
SEARCHES = ["Siti", "Budi", "Nur", "Muhammad", "Dewi", "Rahmat", "Sri", "Agus", "6472", "6471"]
_lock = threading.Lock()
_next = {kind: itertools.count() for kind in ("caseworkers", "supervisors", "keys")}


def take(kind: str) -> Any:
    with _lock:
        index = next(_next[kind])
    return USERS[kind][index % len(USERS[kind])]


def check(response: Any, *expected: int) -> bool:
    if response.status_code not in expected:
        response.failure(f"{response.status_code} {response.headers.get('Location', '')}")
        return False
    response.success()
    return True


class Person(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    kind = "caseworkers"

    def on_start(self) -> None:
        self.username = take(self.kind)
        self.cases: list[str] = []
        self.logged_in = False
        self.login()

    def login(self) -> None:
        """As a person does: log in, and again on the next task if it was refused."""
        with self.client.get("/akun/masuk/", name="login (GET)", catch_response=True) as page:
            if not check(page, 200):
                return
        form = {
            "username": self.username,
            "password": USERS["password"],
            "csrfmiddlewaretoken": self.token(page.text),
        }
        with self.client.post(
            "/akun/masuk/", form, name="login (POST)", allow_redirects=False, catch_response=True
        ) as answer:
            self.logged_in = check(answer, 302)

    def token(self, html: str) -> str:
        found = CSRF.search(html)
        return found[1] if found else ""

    def page(self, path: str, name: str, *, follow: bool = False) -> str:
        """GET a page; a redirect fails it unless `follow` (then not to the login)."""
        if not self.logged_in:
            self.login()
            return ""
        with self.client.get(path, name=name, allow_redirects=follow, catch_response=True) as page:
            if follow and "/akun/masuk/" in page.url:
                page.failure("redirected to the login page")
                return ""
            return page.text if check(page, 200) else ""


class Caseworker(Person):
    weight = 130

    @task(4)
    def case_list(self) -> None:
        self.cases = CASE_LINK.findall(self.page("/kasus/", "page: case list"))[:20] or self.cases

    @task(3)
    def search(self) -> None:
        self.page(f"/kasus/?q={random.choice(SEARCHES)}", "page: search")  # noqa: S311

    @task(4)
    def open_case(self) -> None:
        if self.cases:
            self.page(f"/kasus/{random.choice(self.cases)}/", "page: case open")  # noqa: S311

    @task(1)
    def note(self) -> None:
        if not self.cases:
            return
        case = random.choice(self.cases)  # noqa: S311
        html = self.page(f"/kasus/{case}/", "page: case open")
        if f'action="/kasus/{case}/catatan/"' not in html:
            return
        form = {"text": "Kunjungan rumah (uji beban).", "csrfmiddlewaretoken": self.token(html)}
        with self.client.post(
            f"/kasus/{case}/catatan/",
            form,
            name="page: note (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            check(answer, 302)

    @task(1)
    def register(self) -> None:
        html = self.page("/kasus/penerima/daftar/", "page: register form")
        regency = REGENCY.search(html)
        if regency is None:
            return
        form = {
            "nik_absent_reason": "street",
            "full_name": f"Uji Beban {random.randrange(10**6)}",  # noqa: S311
            "sex": random.choice("MF"),  # noqa: S311
            "regency": regency[1],
            "legal_basis": "public_task",
            "confirm_new": "1",
            "csrfmiddlewaretoken": self.token(html),
        }
        with self.client.post(
            "/kasus/penerima/daftar/",
            form,
            name="page: register (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            check(answer, 302)


class Supervisor(Person):
    weight = 40
    kind = "supervisors"

    @task(3)
    def dashboard(self) -> None:
        self.page("/statistik/", "page: dashboard", follow=True)  # to the regency's

    @task(1)
    def approvals(self) -> None:
        self.page("/kasus/persetujuan/", "page: approval queue")

    @task(1)
    def case_list(self) -> None:
        self.page("/kasus/", "page: case list")


class Agency(HttpUser):
    weight = 30
    wait_time = between(2, 5)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Api-Key {take('keys')}"
        self.referrals: list[int] = []

    def api(self, path: str, name: str) -> Any:
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as answer:
            return answer.json() if check(answer, 200) else {}

    @task(3)
    def inbox(self) -> None:
        body = self.api("/api/v1/referrals/?status=pending&box=inbox", "api: inbox poll")
        self.referrals = [r["id"] for r in body.get("results", [])] or self.referrals

    @task(2)
    def changes(self) -> None:
        since = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.api(f"/api/v1/referrals/?updated_since={since}", "api: updated_since")

    @task(2)
    def one(self) -> None:
        if self.referrals:
            pk = random.choice(self.referrals)  # noqa: S311
            self.api(f"/api/v1/referrals/{pk}/", "api: referral detail")
