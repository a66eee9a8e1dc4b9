"""Pages travel compressed and are never cached (issue 15: a slow link, personal data)."""

from __future__ import annotations

import gzip

import pytest

from cases.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_a_page_with_personal_data_is_gzipped_and_no_store(client, alice, orgs):
    for _ in range(15):
        CaseFactory(owner_org=orgs["samarinda"], assigned_to=alice)
    client.force_login(alice)
    plain = client.get("/kasus/")
    packed = client.get("/kasus/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert packed.status_code == 200
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert "no-store" in packed["Cache-Control"]
    body = gzip.decompress(packed.content)
    assert b"<table" in body or b"kasus" in body.lower()
    assert len(packed.content) < len(plain.content) / 2


def test_the_api_answers_are_left_uncompressed(client, alice):
    client.force_login(alice)
    answer = client.get("/api/v1/me/", HTTP_ACCEPT_ENCODING="gzip")
    assert answer.status_code == 200
    assert "Content-Encoding" not in answer
    assert answer.json()
