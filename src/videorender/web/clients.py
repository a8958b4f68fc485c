"""Who a request comes from, for counting wrong keys per client address."""

from __future__ import annotations

from starlette.requests import HTTPConnection


def client_address(connection: HTTPConnection, *, trust_proxy: bool) -> str:
    """The peer's address; with `trust_proxy` (TRUST_PROXY), the last `X-Forwarded-For` entry:
    the address the proxy in front of us saw (entries before it are the client's own claims)."""
    if trust_proxy:
        forwarded = connection.headers.get("x-forwarded-for", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last[:64]
    return connection.client.host if connection.client else "unknown"
