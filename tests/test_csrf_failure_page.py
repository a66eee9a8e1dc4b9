"""A form refused by Django's CSRF check gets the site's own page in Indonesian
(templates/403_csrf.html), with no inline style the Content-Security-Policy would
block, and nothing is saved."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_login_form_without_its_token_gets_the_reload_page_in_indonesian(alice):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/akun/masuk/", {"username": "alice", "password": "pass-for-tests-1"})

    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="id">' in html
    assert "Formulir perlu dimuat ulang" in html
    assert "Tidak ada yang disimpan dari kiriman ini." in html
    assert 'href="/akun/masuk/"' in html
    assert "<style" not in html and "style=" not in html
    assert "_auth_user_id" not in client.session  # not logged in
