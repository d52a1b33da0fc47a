"""Webhook targets: which URLs may be called, checked when saved, and pinned when connecting.

At connection time the host name is resolved once, every address it resolves to is checked, and the socket
connects to that checked address (TLS still verifies the certificate against the host name), so a DNS answer
that changes between the check and the connection (rebinding) cannot reach an internal address. Each attempt
also runs under a total deadline (connect, request and response together): when it passes, the socket is
shut down whatever the receiver is doing.
"""
import ipaddress
import socket
import threading
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

ALLOWED_SCHEMES = ("http", "https")


class UnsafeTarget(ValueError):
    """The URL is malformed or points at an address webhooks must not reach."""


def _private_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_TARGETS", False))


def is_forbidden_address(address: str) -> bool:
    """Loopback, private, link-local (cloud metadata), shared, reserved, multicast and unspecified addresses."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast or ip.is_reserved


def check_url(url: str, *, resolve: bool = True) -> None:
    """Refuse a URL webhooks must not call; a name that does not resolve now is left to the delivery check."""
    parts = urlsplit(url)
    if parts.scheme not in ALLOWED_SCHEMES or not parts.hostname:
        raise UnsafeTarget("Use an http:// or https:// URL with a host name.")
    if parts.username or parts.password:
        raise UnsafeTarget("Credentials in the URL are not allowed; deliveries are signed instead.")
    if _private_allowed():
        return
    for address in _addresses(parts.hostname, resolve=resolve):
        if is_forbidden_address(address):
            raise UnsafeTarget(f"{parts.hostname} is a loopback, private, link-local or reserved address.")


def _addresses(host: str, *, resolve: bool) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    if not resolve:
        return []
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)})
    except (socket.gaierror, UnicodeError):
        return []


def pinned_address(host: str) -> str:
    """The address to connect to: resolved once and checked; refuses a name with any forbidden address."""
    addresses = _addresses(host, resolve=True)
    if not addresses:
        raise UnsafeTarget(f"{host} does not resolve")
    if not _private_allowed():
        forbidden = [address for address in addresses if is_forbidden_address(address)]
        if forbidden:
            raise UnsafeTarget(f"the target resolved to a forbidden address ({forbidden[0]})")
    return addresses[0]


class Deadline:
    """A total time limit for one attempt; sockets opened under it are shut down when it passes."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._sockets: list = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def watch(self, sock) -> None:
        self._sockets.append(sock)
        if self.expired:
            self._expire()

    def _expire(self) -> None:
        self.expired = True
        for sock in self._sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


_current = threading.local()


@contextmanager
def total_deadline(seconds: float):
    deadline = Deadline(seconds)
    _current.deadline = deadline
    deadline._timer.start()
    try:
        yield deadline
    finally:
        deadline._timer.cancel()
        _current.deadline = None


def _watch(sock) -> None:
    deadline = getattr(_current, "deadline", None)
    if deadline is not None:
        deadline.watch(sock)


def _refuse_forbidden_peer(sock) -> None:
    # Checked on the socket actually connected, so DNS rebinding between check and connect cannot slip past.
    if _private_allowed():
        return
    peer = sock.getpeername()[0]
    if is_forbidden_address(peer):
        sock.close()
        raise UnsafeTarget(f"the target resolved to a forbidden address ({peer})")


class _PinnedConnectionMixin:
    def _new_conn(self):
        # urllib3 connects to `_dns_host` but sends `host` in the Host header and uses it for TLS (SNI and
        # certificate checks), so pinning the address here changes nothing else about the request.
        self._dns_host = pinned_address(self.host)
        sock = super()._new_conn()
        _watch(sock)
        _refuse_forbidden_peer(sock)
        return sock


class _GuardedHTTPConnection(_PinnedConnectionMixin, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_PinnedConnectionMixin, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}


def guarded_session() -> requests.Session:
    """A session that never uses proxies from the environment and refuses forbidden peers."""
    session = requests.Session()
    session.trust_env = False
    adapter = _GuardedAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
