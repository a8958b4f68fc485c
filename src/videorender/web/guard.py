"""One ASGI middleware in front of every face (API, studio, MCP), issue 32:

- requests addressed to a host that is not allowed get 400: artifact URLs are built from the
  Host header, so only names from ALLOWED_HOSTS (default: loopback, the bound address and
  PUBLIC_URL's host) may be written into them (Django's ALLOWED_HOSTS);
- writes (any method but GET, HEAD, OPTIONS) that a browser says come from another site
  (`Sec-Fetch-Site`, `Origin`) get 403, key or not: a page the person visits cannot write to
  their local service. Clients that are not browsers send neither header;
- every response gets the security headers of `headers.security_headers`.
"""

from __future__ import annotations

import ipaddress
import json
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from videorender.config import Settings
from videorender.web.headers import security_headers

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BROWSER_SAME_SITE = frozenset({"same-origin", "none"})  # `none`: typed in, a bookmark
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
UNCHECKED_PATHS = frozenset({"/health"})  # no URLs in it; probes use whatever address


def split_host(host: str) -> tuple[str, str]:
    """(name, port) of a Host header: `example.com:8000`, `[::1]:8000`, `example.com`."""
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        return name, rest.removeprefix(":")
    name, _, port = host.partition(":") if host.count(":") == 1 else (host, "", "")
    return name.rstrip("."), port


def allowed_hosts(settings: Settings, bound: str | None) -> frozenset[str]:
    """Host names (or name:port) requests may name. `bound`: the address the server listens on."""
    names = set(LOOPBACK_NAMES)
    configured = settings.allowed_host_names
    if configured:
        names |= configured
    elif bound:
        try:
            if not ipaddress.ip_address(bound).is_unspecified:
                names.add(bound.lower())
        except ValueError:
            names.add(bound.lower())
    if settings.public_url:
        public = urlsplit(settings.public_url)
        if public.hostname:
            names.add(public.hostname.lower())
    return frozenset(names)


def host_allowed(host: str, allowed: frozenset[str]) -> bool:
    if "*" in allowed:
        return True
    name, port = split_host(host)
    return name in allowed or (bool(port) and f"{name}:{port}" in allowed)


def cross_site(method: str, headers: dict[str, str]) -> str | None:
    """Why a write comes from another site, or None (same origin, or not a browser)."""
    if method in SAFE_METHODS:
        return None
    site = headers.get("sec-fetch-site")
    if site is not None and site not in BROWSER_SAME_SITE:
        return f"Sec-Fetch-Site is {site!r}"
    origin = headers.get("origin")
    if origin is None:
        return None
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or parts.netloc != headers.get("host", ""):
        return f"Origin {origin[:100]!r} is another site"
    return None


class WebGuard:
    """The middleware; `settings` are read from the app's job service when the app is running
    (they are loaded at start-up, after the middleware stack is built)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._headers: list[tuple[bytes, bytes]] | None = None
        self._allowed: dict[str | None, frozenset[str]] = {}  # by the address bound

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        service = getattr(scope["app"].state, "service", None)
        if service is None:  # not started (lifespan): nothing to guard with yet
            await self.app(scope, receive, send)
            return
        settings: Settings = service.settings
        if self._headers is None:
            self._headers = security_headers(settings)
        extra = self._headers
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self._refusal(scope, headers, settings)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message = {
                    **message,
                    "headers": [
                        *message.get("headers", []),
                        *((n, v) for n, v in extra if n not in present),
                    ],
                }
            await send(message)

        if refusal is not None:
            status, detail = refusal
            await _answer(send_with_headers, status, detail)
            return
        await self.app(scope, receive, send_with_headers)

    def _refusal(
        self, scope: Scope, headers: dict[str, str], settings: Settings
    ) -> tuple[int, str] | None:
        host = headers.get("host")
        server = scope.get("server")
        bound = server[0] if server else None
        if bound not in self._allowed:
            self._allowed[bound] = allowed_hosts(settings, bound)
        if (
            host is not None
            and scope.get("path") not in UNCHECKED_PATHS
            and not host_allowed(host, self._allowed[bound])
        ):
            return 400, f"Host {host[:100]!r} is not served here (ALLOWED_HOSTS, PUBLIC_URL)"
        why = cross_site(scope["method"], headers)
        if why is not None:
            return 403, f"cross-site write refused: {why}"
        return None


async def _answer(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
