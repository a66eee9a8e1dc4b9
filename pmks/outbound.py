"""Outbound HTTP: the one way the project calls other systems (webhooks today; SMS
and WhatsApp gateways later), so a URL an organization typed cannot reach the
server's own network.

Rules:
- https only;
- the host is resolved once and every address it gives must be public: loopback,
  private, link-local, shared (100.64/10), multicast, reserved and unspecified
  addresses are refused, IPv4 and IPv6, including IPv6 forms that carry an IPv4
  (mapped ``::ffff:a.b.c.d``, compatible ``::a.b.c.d``, 6to4, NAT64, Teredo);
- the connection goes to the address that was checked: there is no second lookup,
  so a name that changes its answer (DNS rebinding) between check and connect does
  not help. TLS still verifies the certificate for the host name, which is also the
  SNI name and the Host header;
- redirects are never followed: a 3xx is a failure;
- connect timeout, read timeout (each wait for data, and the whole body), and at
  most OUTBOUND_MAX_RESPONSE_BYTES of body.

OUTBOUND_ALLOW_PRIVATE=True (tests, development) allows plain http and any address;
the connection is still pinned to the address resolved.

A failure raises `OutboundError`: `reason` is a short classified text in Bahasa
Indonesia that may be shown to the organization ("koneksi ditolak", "timeout", ...),
`detail` the raw cause, for the server's log only.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# Classified failures: stored as they are (Indonesian source text) and shown to the
# organization; translated on the HTML page.
ADDRESS_NOT_ALLOWED = gettext_noop("alamat tidak diizinkan")
HTTPS_REQUIRED = gettext_noop("hanya https yang diizinkan")
INVALID_URL = gettext_noop("URL tidak valid")
HOST_NOT_FOUND = gettext_noop("nama host tidak ditemukan")
CONNECTION_REFUSED = gettext_noop("koneksi ditolak")
CONNECTION_RESET = gettext_noop("koneksi terputus")
CONNECTION_FAILED = gettext_noop("koneksi gagal")
TIMEOUT = gettext_noop("timeout")
CERTIFICATE_INVALID = gettext_noop("sertifikat TLS tidak valid")
TLS_FAILED = gettext_noop("galat TLS")
REDIRECT_REFUSED = gettext_noop("redirect ditolak")
RESPONSE_TOO_LARGE = gettext_noop("respons terlalu besar")
INVALID_RESPONSE = gettext_noop("respons tidak valid")

REASONS = frozenset(
    {
        ADDRESS_NOT_ALLOWED,
        HTTPS_REQUIRED,
        INVALID_URL,
        HOST_NOT_FOUND,
        CONNECTION_REFUSED,
        CONNECTION_RESET,
        CONNECTION_FAILED,
        TIMEOUT,
        CERTIFICATE_INVALID,
        TLS_FAILED,
        REDIRECT_REFUSED,
        RESPONSE_TOO_LARGE,
        INVALID_RESPONSE,
    }
)

# The resolver. An injection point for tests that need a name answering with a
# given address (socket.getaddrinfo's signature); nothing else replaces it.
resolver: Callable[..., list[Any]] = socket.getaddrinfo

_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_SHARED = ipaddress.ip_network("100.64.0.0/10")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundError(Exception):
    """`reason` may be shown to the organization; `detail` only logged."""

    def __init__(self, reason: str, detail: str = "", status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail or reason
        self.status = status


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def http_status_reason(status: int) -> str:
    return f"HTTP {status}"


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]  # the client's address
    if any(ip in network for network in _NAT64) or int(ip) >> 32 == 0:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)  # NAT64, IPv4-compatible
    return None


def is_public_address(ip: IPAddress) -> bool:
    """True for an address on the public internet (the only kind we call)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None and not is_public_address(embedded):
            return False
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified or ip.is_loopback:
        return False
    if ip.is_private or ip.is_link_local or (ip.version == 4 and ip in _SHARED):
        return False
    return ip.is_global


def _split(url: str) -> tuple[str, str, int]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise OutboundError(INVALID_URL, f"{url!r}: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundError(INVALID_URL, f"{url!r}: scheme or host")
    if parts.username is not None or parts.password is not None:
        raise OutboundError(INVALID_URL, f"{url!r}: credentials in the URL")
    if parts.scheme != "https" and not settings.OUTBOUND_ALLOW_PRIVATE:
        raise OutboundError(HTTPS_REQUIRED, f"{url!r}: plain http")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def resolve(host: str, port: int) -> list[str]:
    """The host's addresses, all of them public (unless OUTBOUND_ALLOW_PRIVATE):
    one refused address refuses the host."""
    try:
        infos = resolver(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundError(HOST_NOT_FOUND, f"{host}: {exc}") from None
    addresses = list(dict.fromkeys(str(info[4][0]).split("%", 1)[0] for info in infos))
    if not addresses:
        raise OutboundError(HOST_NOT_FOUND, f"{host}: no address")
    if not settings.OUTBOUND_ALLOW_PRIVATE:
        refused = [a for a in addresses if not is_public_address(ipaddress.ip_address(a))]
        if refused:
            raise OutboundError(ADDRESS_NOT_ALLOWED, f"{host} resolves to {', '.join(refused)}")
    return addresses


def validate_url(url: str) -> None:
    """For forms and serializers: a clear sentence when `url` may not be called.

    A host that does not resolve (yet) is accepted: it reaches nothing, and each
    delivery checks again."""
    try:
        _scheme, host, port = _split(url)
        resolve(host, port)
    except OutboundError as exc:
        if exc.reason == HOST_NOT_FOUND:
            return
        raise ValidationError(_REGISTRATION_MESSAGES[exc.reason], code="outbound_url") from None


_REGISTRATION_MESSAGES = {
    INVALID_URL: _("URL harus berupa http(s)://nama-host/jalur, tanpa nama pengguna atau sandi."),
    HTTPS_REQUIRED: _("URL harus diawali https://; http biasa tidak diizinkan."),
    ADDRESS_NOT_ALLOWED: _(
        "Alamat tidak diizinkan: host ini menunjuk ke jaringan lokal, privat atau khusus. "
        "Gunakan alamat yang dapat dihubungi dari internet."
    ),
}


def ssl_context() -> ssl.SSLContext:
    """Certificate and host name verified; OUTBOUND_CA_FILE adds a CA (empty: the system's)."""
    context = ssl.create_default_context(cafile=settings.OUTBOUND_CA_FILE or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class _PinnedConnection(http.client.HTTPConnection):
    """Connects to one of the checked `addresses`, never resolving `host` again."""

    def __init__(
        self,
        host: str,
        port: int,
        addresses: list[str],
        connect_timeout: float,
        read_timeout: float,
    ) -> None:
        super().__init__(host, port, timeout=connect_timeout)
        self.addresses = addresses
        self.read_timeout = read_timeout

    def _open_socket(self) -> socket.socket:
        error: OSError = OSError("no address")
        for address in self.addresses:
            try:
                return socket.create_connection((address, self.port), self.timeout)
            except OSError as exc:
                error = exc
        raise error

    def connect(self) -> None:
        self.sock = self._open_socket()
        self.sock.settimeout(self.read_timeout)


class _PinnedTLSConnection(_PinnedConnection):
    def connect(self) -> None:
        sock = self._open_socket()  # the handshake counts under the connect timeout
        self.sock = ssl_context().wrap_socket(sock, server_hostname=self.host)
        self.sock.settimeout(self.read_timeout)


def _classify(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return CERTIFICATE_INVALID
    if isinstance(exc, TimeoutError):
        return TIMEOUT
    if isinstance(exc, ssl.SSLError):
        return TLS_FAILED
    if isinstance(exc, ConnectionRefusedError):
        return CONNECTION_REFUSED
    if isinstance(exc, ConnectionResetError | BrokenPipeError | http.client.IncompleteRead):
        return CONNECTION_RESET
    if isinstance(exc, http.client.HTTPException):
        return INVALID_RESPONSE
    return CONNECTION_FAILED


def _read_body(response: http.client.HTTPResponse, max_bytes: int, deadline: float) -> bytes:
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise OutboundError(RESPONSE_TOO_LARGE, f"Content-Length {length}", response.status)
    chunks: list[bytes] = []
    total = 0
    while chunk := response.read(min(65536, max_bytes + 1 - total)):
        total += len(chunk)
        chunks.append(chunk)
        if total > max_bytes:
            raise OutboundError(RESPONSE_TOO_LARGE, f"over {max_bytes} bytes", response.status)
        if time.monotonic() > deadline:
            raise OutboundError(TIMEOUT, "body not read within the read timeout", response.status)
    return b"".join(chunks)


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    max_bytes: int | None = None,
) -> Response:
    """One request under the rules above. Any status but 3xx is returned (the caller
    decides what 4xx/5xx mean); a 3xx and every transport failure raise OutboundError."""
    scheme, host, port = _split(url)
    addresses = resolve(host, port)
    connect_timeout = connect_timeout or settings.OUTBOUND_CONNECT_TIMEOUT_SECONDS
    read_timeout = read_timeout or settings.OUTBOUND_READ_TIMEOUT_SECONDS
    max_bytes = settings.OUTBOUND_MAX_RESPONSE_BYTES if max_bytes is None else max_bytes
    kind = _PinnedTLSConnection if scheme == "https" else _PinnedConnection
    connection = kind(host, port, addresses, connect_timeout, read_timeout)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(method, target, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        if 300 <= response.status < 400:
            location = response.getheader("Location", "")
            raise OutboundError(
                REDIRECT_REFUSED, f"{response.status} → {location}", response.status
            )
        deadline = time.monotonic() + read_timeout
        content = _read_body(response, max_bytes, deadline)
        return Response(response.status, dict(response.getheaders()), content)
    except OutboundError:
        raise
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise OutboundError(_classify(exc), f"{type(exc).__name__}: {exc}") from None
    finally:
        connection.close()


def post(url: str, body: bytes, headers: Mapping[str, str], **options: Any) -> Response:
    return request("POST", url, body=body, headers=headers, **options)
