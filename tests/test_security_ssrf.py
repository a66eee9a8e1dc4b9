"""SSRF: a webhook URL cannot reach the server's own network (pmks/outbound.py).

Every address class, names that resolve to them and redirects to them are refused,
both when an organization registers the URL and when a delivery is made (the
address may have changed since), and the organization is shown only a short
classified error. These tests run as production does (OUTBOUND_ALLOW_PRIVATE=False);
those that need a local server to answer (redirects, timeouts, sizes, TLS) allow
private addresses, as development does, and show the other rules still hold.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, all_webhook_events
from api.services import webhook_endpoint_create, webhook_endpoint_deactivate
from api.testing import client_for, error_of, key_admin
from outbox.testing import drain_outbox
from pmks import outbound
from referrals.services.decisions import referral_accept
from referrals.testing import make_case, send

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
REFUSED_MESSAGE = "Alamat tidak diizinkan"


@pytest.fixture(autouse=True)
def _as_in_production(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    settings.WEBHOOK_MAX_ATTEMPTS = 1  # the first failure is final: its error is shown
    settings.WEBHOOK_MAX_ENDPOINTS = 50


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A TCP port on 127.0.0.1 that counts who connects (nobody should)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.setblocking(False)
    yield sock
    sock.close()


def connections(sock: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _addr = sock.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


class Server:
    """A real HTTP(S) server on 127.0.0.1 whose answer a test chooses: `status`,
    `headers`, `body`, or `delay` seconds of silence before answering."""

    def __init__(self, *, tls: ssl.SSLContext | None = None) -> None:
        self.status, self.body, self.delay = 200, b"", 0.0
        self.headers: dict[str, str] = {}
        self.chunked = False
        self.requests: list[dict[str, str]] = []
        self.server_names: list[str | None] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.requests.append({k.lower(): v for k, v in self.headers.items()})
                time.sleep(server.delay)
                self.send_response(server.status)
                for name, value in server.headers.items():
                    self.send_header(name, value)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.answer_body()  # (the client may stop reading: the size cap)

            def answer_body(self) -> None:
                if server.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for start in range(0, len(server.body), 4096):
                        piece = server.body[start : start + 4096]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    self.wfile.write(b"0\r\n\r\n")
                    return
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            tls.sni_callback = lambda _sock, name, _ctx: self.server_names.append(name)
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_port
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}/hook"

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextlib.contextmanager
def names(mapping: dict[str, list[str]]) -> Iterator[list[str]]:
    """The resolver answers these names with these addresses (pmks.outbound.resolver,
    its injection point); other names go to the system's resolver. Yields the names
    looked up, in order."""
    looked_up: list[str] = []
    real = outbound.resolver

    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        looked_up.append(host)
        if host not in mapping:
            return real(host, port, *args, **kwargs)
        family = {4: socket.AF_INET, 6: socket.AF_INET6}
        return [
            (family[6 if ":" in a else 4], socket.SOCK_STREAM, 6, "", (a, port))
            for a in mapping[host]
        ]

    outbound.resolver = resolve
    try:
        yield looked_up
    finally:
        outbound.resolver = real


def endpoint_at(organization: Any, url: str) -> WebhookEndpoint:
    """An endpoint stored as it was registered earlier (while the rules allowed it, or
    before its name moved to another address): delivery must still check."""
    return WebhookEndpoint.objects.create(
        organization=organization, url=url, secret="whsec_test", events=all_webhook_events()
    )


def deliver_one_referral(orgs: dict[str, Any], alice: Any) -> list[WebhookDelivery]:
    send(alice, make_case(orgs["samarinda"]), orgs["rsud"])
    drain_outbox()
    return list(WebhookDelivery.objects.select_related("endpoint").order_by("id"))


def shown_to_the_organization(orgs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The API delivery listing of RSUD, by endpoint URL."""
    response = client_for(orgs["rsud"]).get("/api/v1/webhooks/deliveries/?page_size=100")
    assert response.status_code == 200
    urls = dict(WebhookEndpoint.objects.values_list("id", "url"))
    return {urls[item["endpoint"]]: item for item in response.json()["results"]}


def register(orgs: dict[str, Any], url: str) -> Any:
    return client_for(orgs["rsud"]).post("/api/v1/webhooks/", {"url": url}, "application/json")


# --- every address class ------------------------------------------------------------

PORT = "{port}"  # filled with the listener's port: nothing may connect to it
ADDRESS_CLASSES = {
    "loopback": f"https://127.0.0.1:{PORT}/hook",
    "loopback, another": f"https://127.1.2.3:{PORT}/hook",
    "IPv6 loopback": f"https://[::1]:{PORT}/hook",
    "private 10/8": "https://10.0.0.1/hook",
    "private 172.16/12": "https://172.16.0.1/hook",
    "private 172.16/12, its end": "https://172.31.255.254/hook",
    "private 192.168/16": "https://192.168.1.10/hook",
    "cloud metadata (link-local)": "https://169.254.169.254/latest/meta-data/",
    "IPv6 link-local": "https://[fe80::1]/hook",
    "IPv6 unique local": "https://[fc00::1]/hook",
    "IPv6 unique local fd": "https://[fd12:3456::1]/hook",
    "IPv4-mapped IPv6": f"https://[::ffff:127.0.0.1]:{PORT}/hook",
    "IPv4-mapped private": "https://[::ffff:10.0.0.1]/hook",
    "IPv4-compatible IPv6": "https://[::127.0.0.1]/hook",
    "6to4 of loopback": "https://[2002:7f00:1::1]/hook",
    "NAT64 of metadata": "https://[64:ff9b::a9fe:a9fe]/hook",
    "unspecified": f"https://0.0.0.0:{PORT}/hook",
    "IPv6 unspecified": f"https://[::]:{PORT}/hook",
    "multicast": "https://224.0.0.1/hook",
    "multicast, global scope": "https://233.252.0.1/hook",
    "IPv6 multicast": "https://[ff02::1]/hook",
    "reserved 240/4": "https://240.0.0.1/hook",
    "broadcast": "https://255.255.255.255/hook",
    "shared (carrier NAT)": "https://100.64.0.1/hook",
    "decimal spelling of 127.0.0.1": f"https://2130706433:{PORT}/hook",
    "octal spelling of 127.0.0.1": f"https://0177.0.0.1:{PORT}/hook",
    "hex spelling of 127.0.0.1": f"https://0x7f000001:{PORT}/hook",
    "short spelling of 127.0.0.1": f"https://127.1:{PORT}/hook",
}


# No host name a URL validator knows: refused as malformed before any lookup (and at
# delivery, where getaddrinfo reads them as 127.0.0.1, as not allowed).
SPELLINGS = {label for label in ADDRESS_CLASSES if label.endswith("spelling of 127.0.0.1")}


@pytest.mark.parametrize("label", ADDRESS_CLASSES)
def test_registration_refuses_every_private_address_class(orgs, listener, label):
    response = register(orgs, ADDRESS_CLASSES[label].format(port=listener.getsockname()[1]))
    assert response.status_code == 400
    [message] = error_of(response)["fields"]["url"]
    if label in SPELLINGS:
        assert message == "Masukkan URL dengan format yang benar."
    else:
        assert message.startswith(REFUSED_MESSAGE), message
    assert not WebhookEndpoint.objects.exists()
    assert connections(listener) == 0


def test_a_delivery_to_any_private_address_class_is_refused_and_shown_classified(
    orgs, alice, listener
):
    port = listener.getsockname()[1]
    urls = [url.format(port=port) for url in ADDRESS_CLASSES.values()]
    for url in urls:
        endpoint_at(orgs["rsud"], url)

    deliveries = deliver_one_referral(orgs, alice)

    assert len(deliveries) == len(urls)
    assert {(d.status, d.last_error, d.response_code) for d in deliveries} == {
        (DeliveryStatus.FAILED, "alamat tidak diizinkan", None)
    }
    assert connections(listener) == 0  # refused before any connection
    shown = shown_to_the_organization(orgs)
    assert {url: shown[url]["last_error"] for url in urls} == dict.fromkeys(
        urls, "alamat tidak diizinkan"
    )


def test_a_public_address_passes_the_check():
    for address in ("8.8.8.8", "2001:4860:4860::8888", "2002:0808:0808::1", "93.184.216.34"):
        assert outbound.is_public_address(outbound.ipaddress.ip_address(address)), address


# --- names that resolve to them -------------------------------------------------------

NAMES = {
    "metadata.pmks.test": ["169.254.169.254"],
    "intranet.pmks.test": ["10.20.30.40"],
    "v6-loopback.pmks.test": ["::1"],
    "v6-private.pmks.test": ["fd00::5"],
    "mapped.pmks.test": ["::ffff:192.168.0.1"],
    # one public address beside a private one: the name is refused, not half-used
    "mixed.pmks.test": ["93.184.216.34", "127.0.0.1"],
}


def test_localhost_is_refused_at_registration_and_at_delivery(orgs, alice, listener):
    url = f"https://localhost:{listener.getsockname()[1]}/hook"
    response = register(orgs, url)
    assert response.status_code == 400
    assert error_of(response)["fields"]["url"][0].startswith(REFUSED_MESSAGE)

    endpoint_at(orgs["rsud"], url)
    [delivery] = deliver_one_referral(orgs, alice)
    assert delivery.last_error == "alamat tidak diizinkan"
    assert shown_to_the_organization(orgs)[url]["last_error"] == "alamat tidak diizinkan"
    assert connections(listener) == 0


def test_changing_a_url_to_a_private_address_is_refused(orgs):
    created = register(orgs, "https://simrs.rsud.invalid/pmks")
    assert created.status_code == 201
    rsud = client_for(orgs["rsud"])
    path = f"/api/v1/webhooks/{created.json()['id']}/"
    for url in (
        "https://169.254.169.254/latest/",
        "https://localhost/",
        "http://simrs.rsud.invalid/",
    ):
        response = rsud.patch(path, {"url": url}, "application/json")
        assert response.status_code == 400, url
        assert "url" in error_of(response)["fields"]
    assert WebhookEndpoint.objects.get().url == "https://simrs.rsud.invalid/pmks"


@pytest.mark.parametrize("host", NAMES)
def test_a_name_resolving_to_a_private_address_is_refused_at_registration(orgs, host):
    with names(NAMES) as looked_up:
        response = register(orgs, f"https://{host}/pmks")
    assert looked_up == [host]
    assert response.status_code == 400
    assert error_of(response)["fields"]["url"][0].startswith(REFUSED_MESSAGE)


def test_a_name_that_moved_to_a_private_address_is_refused_at_delivery(orgs, alice):
    """Registered while the name pointed elsewhere; the delivery resolves it again."""
    urls = [f"https://{host}/pmks" for host in NAMES]
    for url in urls:
        endpoint_at(orgs["rsud"], url)
    with names(NAMES):
        deliveries = deliver_one_referral(orgs, alice)
    assert {d.last_error for d in deliveries} == {"alamat tidak diizinkan"}
    shown = shown_to_the_organization(orgs)
    assert {shown[url]["last_error"] for url in urls} == {"alamat tidak diizinkan"}


def test_the_connection_goes_to_the_address_that_was_checked(settings, tls_files):
    """One lookup per request, and the connection is made to its answer: a name that
    changes its answer after the check (DNS rebinding) is never asked again. The TLS
    certificate is still verified for the name, sent as SNI and in the Host header."""
    settings.OUTBOUND_ALLOW_PRIVATE = True  # the answer is a local server
    settings.OUTBOUND_CA_FILE = str(tls_files["cert"])
    with (
        Server(tls=tls_files["server"]) as server,
        names({"hooks.pmks.test": ["127.0.0.1"]}) as looked_up,
    ):
        response = outbound.post(server.url("hooks.pmks.test", "https"), b"{}", {})
    assert response.status == 200
    assert looked_up == ["hooks.pmks.test"]  # resolved once; the name exists nowhere else
    assert server.server_names == ["hooks.pmks.test"]
    assert server.requests[0]["host"] == f"hooks.pmks.test:{server.port}"


# --- redirects, plain http, timeouts, sizes, TLS ----------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_never_followed_even_to_a_reachable_server(orgs, alice, settings, status):
    settings.OUTBOUND_ALLOW_PRIVATE = True  # both local servers are reachable
    with Server() as target, Server() as hook:
        hook.status, hook.headers = status, {"Location": target.url()}
        endpoint_at(orgs["rsud"], hook.url())
        [delivery] = deliver_one_referral(orgs, alice)
    assert (delivery.last_error, delivery.response_code) == ("redirect ditolak", status)
    assert len(hook.requests) == 1 and target.requests == []
    shown = shown_to_the_organization(orgs)[hook.url()]
    assert (shown["last_error"], shown["response_code"]) == ("redirect ditolak", status)


def test_a_redirect_to_the_metadata_address_is_refused(orgs, alice, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    with Server() as hook:
        hook.status, hook.headers = 302, {"Location": "http://169.254.169.254/latest/meta-data/"}
        endpoint_at(orgs["rsud"], hook.url())
        [delivery] = deliver_one_referral(orgs, alice)
    assert delivery.last_error == "redirect ditolak"
    assert "169.254" not in json.dumps(shown_to_the_organization(orgs))  # nor the Location


def test_plain_http_is_refused_at_registration_and_at_delivery(orgs, alice):
    response = register(orgs, "http://hooks.rsud.invalid/pmks")
    assert response.status_code == 400
    assert error_of(response)["fields"]["url"] == [
        "URL harus diawali https://; http biasa tidak diizinkan."
    ]
    with Server() as server:  # listening, but never reached
        endpoint_at(orgs["rsud"], server.url())
        [delivery] = deliver_one_referral(orgs, alice)
    assert delivery.last_error == "hanya https yang diizinkan"
    assert server.requests == []


def test_a_url_with_credentials_is_refused(orgs):
    response = register(orgs, "https://user:pass@hooks.rsud.invalid/pmks")
    assert response.status_code == 400
    assert "tanpa nama pengguna atau sandi" in error_of(response)["fields"]["url"][0]


def test_a_public_https_url_is_accepted_even_before_its_name_resolves(orgs):
    """`.invalid` never resolves: it reaches nothing, and each delivery checks again."""
    response = register(orgs, "https://simrs.rsud.invalid/pmks/webhook")
    assert response.status_code == 201, response.json()


def test_a_silent_server_is_a_timeout(orgs, alice, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    with Server() as server:
        server.delay = 2.5
        endpoint_at(orgs["rsud"], server.url())
        started = time.monotonic()
        [delivery] = deliver_one_referral(orgs, alice)
        elapsed = time.monotonic() - started
    assert (delivery.last_error, delivery.response_code) == ("timeout", None)
    assert elapsed < 2.5
    assert shown_to_the_organization(orgs)[server.url()]["last_error"] == "timeout"


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_response_over_the_size_cap_is_refused(orgs, alice, settings, chunked):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    settings.OUTBOUND_MAX_RESPONSE_BYTES = 10_000
    with Server() as server:
        server.body, server.chunked = b"x" * 50_000, chunked
        endpoint_at(orgs["rsud"], server.url())
        [delivery] = deliver_one_referral(orgs, alice)
    assert (delivery.last_error, delivery.response_code) == ("respons terlalu besar", 200)
    assert delivery.status == DeliveryStatus.FAILED


def test_a_response_within_the_cap_is_read_whole(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    settings.OUTBOUND_MAX_RESPONSE_BYTES = 10_000
    with Server() as server:
        server.body, server.chunked = b"y" * 10_000, True
        response = outbound.post(server.url(), b"{}", {})
    assert (response.status, response.body) == (200, b"y" * 10_000)


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory) -> dict[str, Any]:
    """A self-signed certificate for hooks.pmks.test and localhost (openssl)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        + ["-nodes", "-days", "2", "-subj", "/CN=hooks.pmks.test", "-keyout", str(key)]
        + ["-out", str(cert), "-addext", "subjectAltName=DNS:hooks.pmks.test,DNS:localhost"],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return {"cert": cert, "server": context}


def test_an_untrusted_certificate_is_refused(orgs, alice, settings, tls_files):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    with Server(tls=tls_files["server"]) as server:
        url = server.url("localhost", "https")
        endpoint_at(orgs["rsud"], url)
        [delivery] = deliver_one_referral(orgs, alice)
    assert delivery.last_error == "sertifikat TLS tidak valid"
    assert server.requests == []
    assert shown_to_the_organization(orgs)[url]["last_error"] == "sertifikat TLS tidak valid"


def test_a_certificate_for_another_name_is_refused(settings, tls_files):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    settings.OUTBOUND_CA_FILE = str(tls_files["cert"])  # trusted, but not for this name
    with (
        Server(tls=tls_files["server"]) as server,
        names({"other.pmks.test": ["127.0.0.1"]}),
        pytest.raises(outbound.OutboundError) as refused,
    ):
        outbound.post(server.url("other.pmks.test", "https"), b"{}", {})
    assert refused.value.reason == "sertifikat TLS tidak valid"
    assert server.requests == []


# --- what the organization sees -----------------------------------------------------------


def test_the_organization_sees_the_classified_error_never_the_raw_one(
    orgs, alice, settings, caplog
):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{closed.getsockname()[1]}/hook"
    closed.close()  # nobody listens there now
    endpoint_at(orgs["rsud"], url)
    send(alice, make_case(orgs["samarinda"]), orgs["rsud"])
    with caplog.at_level("WARNING", logger="pmks.api.webhooks"):
        drain_outbox()

    assert set(WebhookDelivery.objects.values_list("last_error", flat=True)) == {"koneksi ditolak"}
    api = client_for(orgs["rsud"]).get("/api/v1/webhooks/deliveries/").content.decode()
    assert "koneksi ditolak" in api
    assert "Errno" not in api and "refused" not in api.lower()
    # the raw cause is in the server's log only
    assert any("ConnectionRefusedError" in record.getMessage() for record in caplog.records)


def test_the_integration_page_shows_the_classified_error(orgs, alice, agnes, sari, settings):
    """The office hears the decision on its referral; its supervisor's page shows why
    the delivery failed, and not where the redirect pointed."""
    settings.OUTBOUND_ALLOW_PRIVATE = True
    with Server() as server:
        server.status, server.headers = 302, {"Location": "http://10.0.0.1/"}
        endpoint_at(orgs["samarinda"], server.url())
        referral = send(alice, make_case(orgs["samarinda"]), orgs["rsud"])
        referral_accept(actor=agnes, referral=referral)
        drain_outbox()
    client = Client()
    client.force_login(sari)
    page = client.get("/api/v1/integrasi/").content.decode()
    assert "redirect ditolak" in page
    assert "10.0.0.1" not in page


def test_the_integration_form_refuses_a_private_address(orgs, sari):
    client = Client()
    client.force_login(sari)
    response = client.post(
        "/api/v1/integrasi/webhook/",
        {"url": "https://169.254.169.254/latest/", "events": ["new_referral"]},
    )
    assert response.status_code == 200
    assert REFUSED_MESSAGE in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


# --- how many endpoints, and each URL once --------------------------------------------------


def test_an_organization_has_at_most_the_configured_number_of_endpoints(orgs, settings):
    settings.WEBHOOK_MAX_ENDPOINTS = 2
    assert register(orgs, "https://a.rsud.invalid/hook").status_code == 201
    second = register(orgs, "https://b.rsud.invalid/hook")
    assert second.status_code == 201
    third = register(orgs, "https://c.rsud.invalid/hook")
    assert third.status_code == 400
    assert error_of(third)["fields"] == {
        "non_field_errors": [
            "Organisasi ini sudah memiliki 2 webhook aktif, batasnya. Nonaktifkan satu dulu."
        ]
    }
    # another organization has its own room; a deactivated endpoint frees a place
    assert (
        client_for(orgs["ppa"])
        .post("/api/v1/webhooks/", {"url": "https://c.rsud.invalid/hook"}, "application/json")
        .status_code
        == 201
    )
    rsud = client_for(orgs["rsud"])
    assert rsud.delete(f"/api/v1/webhooks/{second.json()['id']}/").status_code == 204
    assert register(orgs, "https://c.rsud.invalid/hook").status_code == 201


def test_a_url_is_registered_once_per_organization(orgs):
    assert register(orgs, "https://simrs.rsud.invalid/pmks").status_code == 201
    again = register(orgs, "HTTPS://SIMRS.Rsud.INVALID/pmks")  # the same URL, spelled louder
    assert again.status_code == 400
    assert error_of(again)["fields"] == {
        "url": ["URL ini sudah terdaftar sebagai webhook organisasi ini."]
    }
    assert WebhookEndpoint.objects.count() == 1
    # other paths, other organizations, and the URL again once the first is deactivated
    assert register(orgs, "https://simrs.rsud.invalid/pmks/2").status_code == 201
    assert (
        client_for(orgs["ppa"])
        .post("/api/v1/webhooks/", {"url": "https://simrs.rsud.invalid/pmks"}, "application/json")
        .status_code
        == 201
    )
    first = WebhookEndpoint.objects.get(organization=orgs["rsud"], url__endswith="/pmks")
    webhook_endpoint_deactivate(actor=key_admin(), endpoint=first)
    assert register(orgs, "https://simrs.rsud.invalid/pmks").status_code == 201


def test_the_database_holds_one_active_endpoint_per_url(orgs):
    endpoint_at(orgs["rsud"], "https://simrs.rsud.invalid/pmks")
    with pytest.raises(IntegrityError), transaction.atomic():
        endpoint_at(orgs["rsud"], "https://simrs.rsud.invalid/pmks")


def test_the_service_checks_like_the_api(orgs):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        webhook_endpoint_create(
            actor=key_admin(), organization=orgs["rsud"], url="https://[::ffff:169.254.169.254]/"
        )
    assert refused.value.message_dict["url"][0].startswith(REFUSED_MESSAGE)


# --- the setting -------------------------------------------------------------------------


def test_private_addresses_are_refused_unless_the_setting_says_otherwise():
    """Without OUTBOUND_ALLOW_PRIVATE in the environment the rules hold; .env.example,
    the production example, keeps them."""
    env = {"PATH": "/usr/bin:/bin", "SECRET_KEY": "x", "DJANGO_SETTINGS_MODULE": "pmks.settings"}
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.OUTBOUND_ALLOW_PRIVATE)"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.stdout.strip() == "False", result.stderr
    assert "OUTBOUND_ALLOW_PRIVATE=False" in (ROOT / ".env.example").read_text().splitlines()


def test_recorded_raw_errors_are_classified_by_the_migration(orgs):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("api.migrations.0003_webhook_endpoint_url_unique")
    endpoint = endpoint_at(orgs["rsud"], "https://simrs.rsud.invalid/pmks")
    raw = {
        "[Errno 111] Connection refused": "koneksi ditolak",
        "timed out": "timeout",
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed": "sertifikat TLS tidak valid",
        "[Errno -2] Name or service not known": "nama host tidak ditemukan",
        "endpoint or organization deactivated": "webhook atau organisasi nonaktif",
        "[Errno 101] Network is unreachable": "koneksi gagal",
        "HTTP 503": "HTTP 503",
    }
    for error in raw:
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            organization=orgs["rsud"],
            event="new_referral",
            payload={},
            last_error=error,
        )
    migration.classify_recorded_errors(apps, None)
    assert sorted(WebhookDelivery.objects.values_list("last_error", flat=True)) == sorted(
        raw.values()
    )
