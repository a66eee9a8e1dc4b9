"""Only the login and the password change compute a password hash (issue 13: under a
burst of logins, the other pages must not pay PBKDF2's cost too).

The production hasher (PBKDF2, Django's default strength) is instrumented: its
`encode`, which both hashing and checking a password go through, records each call
and passes it through. A real login, then a walk over the pages and API calls of a
working day; only the login may have hashed.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from api.testing import issue_key
from cases.factories import CaseFactory

pytestmark = pytest.mark.django_db

PASSWORD = "kata-sandi-uji-2026"  # noqa: S105
PAGES = [
    "/",
    "/kasus/",
    "/kasus/?q=a",
    "/kasus/penerima/",
    "/kasus/penerima/daftar/",
    "/rujukan/",
    "/rujukan/keluar/",
    "/rujukan/notifikasi/",
    "/rujukan/notifikasi/jumlah/",
    "/rujukan/direktori/",
    "/api/v1/me/",
    "/api/v1/referrals/",
    "/healthz/ready?check=database",
]


@pytest.fixture
def hashes(settings, monkeypatch) -> list[str]:
    """Every PBKDF2 computation, by the path of the request being served."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    calls: list[str] = []
    encode = PBKDF2PasswordHasher.encode

    def recording(self: PBKDF2PasswordHasher, *args: Any, **kwargs: Any) -> str:
        calls.append("encode")
        return encode(self, *args, **kwargs)

    monkeypatch.setattr(PBKDF2PasswordHasher, "encode", recording)
    return calls


def log_in(client: Any, user: Any, hashes: list[str]) -> None:
    user.set_password(PASSWORD)
    user.save()
    hashes.clear()
    answer = client.post("/akun/masuk/", {"username": user.username, "password": PASSWORD})
    assert answer.status_code == 302
    assert hashes, "the login checked the password without the instrumented hasher"
    hashes.clear()


def test_no_page_but_the_login_hashes_a_password(client, alice, orgs, hashes):
    case = CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice)
    log_in(client, alice, hashes)
    walked = {path: client.get(path).status_code for path in [*PAGES, f"/kasus/{case.pk}/"]}
    assert set(walked.values()) == {200}, walked
    note = client.post(f"/kasus/{case.pk}/catatan/", {"text": "Kunjungan rumah."})
    assert note.status_code == 302
    assert hashes == []


def test_a_supervisors_dashboards_hash_no_password(client, sari, hashes):
    log_in(client, sari, hashes)
    for path in ("/statistik/", "/kasus/persetujuan/", "/kasus/", "/rujukan/semua/"):
        assert client.get(path, follow=True).status_code == 200, path
    assert hashes == []


def test_the_password_change_hashes(client, alice, hashes):
    log_in(client, alice, hashes)
    answer = client.post(
        "/akun/kata-sandi/",
        {
            "old_password": PASSWORD,
            "new_password1": "kata-sandi-baru-2026",
            "new_password2": "kata-sandi-baru-2026",
        },
    )
    assert answer.status_code == 302
    assert len(hashes) >= 2  # the old one checked, the new one hashed


def test_an_api_key_is_checked_without_the_password_hasher(client, orgs, hashes):
    _key, clear = issue_key(orgs["rsud"])
    hashes.clear()
    for _ in range(3):
        answer = client.get("/api/v1/referrals/", HTTP_AUTHORIZATION=f"Api-Key {clear}")
        assert answer.status_code == 200
    assert hashes == []
