"""The SSRF guard: every request we make on a caller's behalf (input downloads, per-job
webhooks) goes through `NetGuard.client()`.

The guard resolves each request's host itself, refuses any address that is not public
(loopback, private, link-local including cloud metadata at 169.254.169.254, multicast,
reserved, unspecified, shared/CGNAT, and the same inside IPv6: IPv4-mapped, 6to4, Teredo,
NAT64), then connects to exactly the address it checked while keeping the original name in the
Host header and in TLS (SNI and certificate checks). Resolving once and connecting to that
address leaves no gap for DNS rebinding. Redirects pass through the same transport, so every
hop is checked; httpx caps their number. Only http and https are spoken.

`ALLOW_PRIVATE_INPUTS=true` turns the address check off for self-hosters fetching from their own
network (and for tests on 127.0.0.1); schemes and pinning still apply.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import httpx

from videorender.errors import UnsafeURLError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[IPAddress]]

SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_REDIRECTS = 5
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def system_resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the system resolver gives for `host` (numeric hosts included).

    Raises:
        OSError: the name does not resolve.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # Drop an IPv6 scope ("fe80::1%eth0"); the address itself is what is checked.
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def refusal(address: IPAddress) -> str | None:
    """Why a connection to `address` is refused, or None for a public address."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        reason = refusal(embedded)
        return f"{reason} (inside {address})" if reason else None
    for reason, hit in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),  # 169.254.0.0/16: cloud metadata lives here
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
    ):
        if hit:
            return f"{address} is a {reason} address"
    if not address.is_global:  # 100.64.0.0/10 (carrier NAT), documentation ranges, ...
        return f"{address} is not a public address"
    return None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


@dataclass(frozen=True)
class NetGuard:
    """Decides which addresses may be reached, and builds clients that reach only those.

    Args:
        allow_private: skip the address check (ALLOW_PRIVATE_INPUTS).
        exempt: networks reachable even when private (a narrower opening than allow_private).
        resolve: name resolution; the system's by default (tests substitute their own).
    """

    allow_private: bool = False
    exempt: tuple[IPNetwork, ...] = ()
    resolve: Resolver = field(default=system_resolve, compare=False)

    def check_address(self, address: IPAddress, host: str) -> None:
        """Raises:
        UnsafeURLError: `address` (what `host` resolved to) may not be reached."""
        if self.allow_private or any(address in net for net in self.exempt):
            return
        reason = refusal(address)
        if reason is not None:
            raise UnsafeURLError(f"refused to connect to {host}: {reason}")

    def pick_address(self, host: str, port: int) -> IPAddress:
        """Resolve `host` once and return the address to connect to. Every address it resolves
        to must pass, so a name that mixes a public and an internal address is refused.

        Raises:
            UnsafeURLError: an address is refused, or the name does not resolve.
        """
        try:
            addresses = self.resolve(host.strip("[]"), port)
        except OSError as exc:
            raise UnsafeURLError(f"could not resolve {host}: {exc}") from exc
        if not addresses:
            raise UnsafeURLError(f"could not resolve {host}: no addresses")
        for address in addresses:
            self.check_address(address, host)
        return addresses[0]

    def client(self, *, timeout: httpx.Timeout | float, follow_redirects: bool) -> httpx.Client:
        """An httpx client whose every request (and redirect) is checked and pinned.

        Environment proxies are ignored: a proxy would resolve names itself, after our check.
        """
        return httpx.Client(
            transport=PinnedTransport(self),
            timeout=timeout,
            follow_redirects=follow_redirects,
            max_redirects=MAX_REDIRECTS,
            trust_env=False,
        )


class PinnedTransport(httpx.BaseTransport):
    """Checks each request's scheme and address, then sends it to the checked address.

    The Host header stays the URL's name (httpx set it when the request was built) and TLS
    uses the name for SNI and certificate verification (httpcore's `sni_hostname`).
    """

    def __init__(self, guard: NetGuard, inner: httpx.BaseTransport | None = None) -> None:
        self._guard = guard
        # No kept-alive connections: a pooled TLS connection is keyed by address, and must not
        # carry a request for another name than the one it was verified for.
        self._inner = inner or httpx.HTTPTransport(
            trust_env=False, limits=httpx.Limits(max_keepalive_connections=0)
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in SCHEMES:
            raise UnsafeURLError(f"refused {url.scheme}:// (only http and https)")
        host = url.host
        address = self._guard.pick_address(host, url.port or DEFAULT_PORTS[url.scheme])
        request.url = url.copy_with(host=str(address))
        if url.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": host}
        try:
            return self._inner.handle_request(request)
        finally:
            request.url = url  # redirects and error messages see the name, not the address

    def close(self) -> None:
        self._inner.close()


def networks(texts: Iterable[str]) -> tuple[IPNetwork, ...]:
    """Parse CIDR strings ("10.1.0.0/16", "::1/128")."""
    return tuple(ipaddress.ip_network(text.strip(), strict=False) for text in texts)
