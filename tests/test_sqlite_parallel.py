"""The embedded default under parallel writes: 20 logins at once (each writes a
session row, last_login and the access log) against a real `manage.py runserver` on a
SQLite file give 0 answers 500 and every session lands."""

import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAKE_USER = """
from accounts.factories import OrganizationFactory, UserFactory
from regions.models import Region
org = OrganizationFactory(code="dinsos-samarinda", region=Region.objects.get(code="64.72"))
for number in range(20):
    UserFactory(username=f"alice{number}", organization=org, role="caseworker")
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _login(base: str, username: str, results: list, barrier: threading.Barrier) -> None:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    page = opener.open(f"{base}/akun/masuk/", timeout=60).read().decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found is not None, "the login page has a CSRF field"
    token = found.group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": "pass-for-tests-1", "csrfmiddlewaretoken": token}
    ).encode()
    barrier.wait()
    try:
        response = opener.open(f"{base}/akun/masuk/", data=data, timeout=60)
        results.append(response.status)
    except urllib.error.HTTPError as error:
        results.append(error.code)


def test_twenty_parallel_writes_on_sqlite_give_no_500(tmp_path):
    db = tmp_path / "pmks.sqlite3"
    env = {**os.environ, "SQLITE_PATH": str(db), "SECRET_KEY": "test-only-not-secret"}
    # The twenty logins are the vehicle for twenty parallel writers; their password
    # hashes take one slot at a time (accounts/hashers.py), 0.6 s each, so they wait
    # for it here instead of being refused past 3 s: this test is about SQLite's locks
    # (the refusal is tested in tests/test_password_hash_gate.py).
    env["PASSWORD_HASH_WAIT_SECONDS"] = "120"
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    subprocess.run([*manage, "shell", "-c", MAKE_USER], cwd=ROOT, env=env, check=True)  # noqa: S603
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz/live", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        results: list[int] = []
        barrier = threading.Barrier(20)
        threads = [
            # Distinct users: the login throttle allows 10 a minute per username.
            threading.Thread(target=_login, args=(base, f"alice{n}", results, barrier))
            for n in range(20)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        server.terminate()
        server.wait(15)
    assert len(results) == 20
    assert results.count(500) == 0, results
    assert set(results) == {200}, results  # redirected to the home page, logged in
    with sqlite3.connect(db) as conn:
        sessions = conn.execute("SELECT count(*) FROM django_session").fetchone()[0]
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert sessions >= 20
    assert mode == "wal"
