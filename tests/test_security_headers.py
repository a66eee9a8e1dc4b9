"""Security headers on every page kind: CSP without inline script, Referrer-Policy,
Permissions-Policy, nosniff; no-store on pages and API answers with personal data;
the Swagger UI page alone has its CSP exceptions; no inline script in templates."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from api.testing import issue_key, key_client
from referrals.testing import make_case

pytestmark = pytest.mark.django_db

TEMPLATE_DIRS = [settings.BASE_DIR / "templates", *Path(settings.BASE_DIR).glob("*/templates")]


def _csp(response) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _assert_common_headers(response) -> None:  # type: ignore[no-untyped-def]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]


def _logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_the_login_page_has_the_headers():
    response = Client().get("/akun/masuk/")
    assert response.status_code == 200
    _assert_common_headers(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "path",
    ["/", "/kasus/", "/kasus/{case}/", "/rujukan/", "/statistik/"],
    ids=["home", "case list", "case page", "referral list", "dashboard"],
)
def test_signed_in_pages_have_the_headers_and_no_store(orgs, alice, sari, path):
    case = make_case(orgs["samarinda"], assigned_to=alice)
    user = sari if path == "/statistik/" else alice
    response = _logged_in(user).get(path.format(case=case.pk), follow=True)
    assert response.status_code == 200
    _assert_common_headers(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_api_json_has_the_headers_and_no_store(orgs):
    _key, clear = issue_key(orgs["rsud"])
    response = key_client(clear).get("/api/v1/referrals/")
    assert response.status_code == 200
    _assert_common_headers(response)
    assert "no-store" in response["Cache-Control"]


def test_an_api_error_is_no_store_too():
    response = Client().get("/api/v1/referrals/")
    assert response.status_code == 401
    assert "no-store" in response["Cache-Control"]


def test_the_api_docs_page_alone_allows_swagger_uis_inline_styles(alice):
    docs = _logged_in(alice).get("/api/v1/docs/")
    assert docs.status_code == 200
    csp = _csp(docs)
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in csp["style-src"]
    assert "data:" in csp["img-src"]
    assert "<script>" not in docs.content.decode()  # its init script comes from a URL
    assert "no-store" not in docs.get("Cache-Control", "")
    script = _logged_in(alice).get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    other = _logged_in(alice).get("/kasus/")
    assert "'unsafe-inline'" not in other["Content-Security-Policy"]


def test_the_schema_is_not_no_store(alice):
    response = _logged_in(alice).get("/api/v1/schema/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_static_files_stay_cacheable():
    response = Client().get("/static/js/app.js")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_no_template_has_an_inline_script_handler_or_style():
    offenders = []
    for directory in TEMPLATE_DIRS:
        for template in Path(directory).rglob("*.html"):
            text = template.read_text()
            for pattern in (
                r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>",
                r"\son[a-z]+\s*=",
                r"\bhx-on",
                r"\sstyle\s*=",
                r"<style",
                r"javascript:",
            ):
                for match in re.finditer(pattern, text):
                    offenders.append(f"{template}: {match.group(0)}")
    assert offenders == []


def test_the_letter_prints_on_a4_from_a_static_stylesheet():
    css = (settings.BASE_DIR / "static" / "css" / "letter.css").read_text()
    assert "@page { size: A4" in css
