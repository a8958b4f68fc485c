"""The pure parts of the web guard (issue 32): host names, allowed hosts, cross-site writes,
client addresses. The service-level tests are in tests/service/test_security.py."""

from __future__ import annotations

import pytest
from starlette.requests import HTTPConnection

from videorender.config import Settings, load_settings
from videorender.errors import ConfigError
from videorender.web.clients import client_address
from videorender.web.guard import allowed_hosts, cross_site, host_allowed, split_host


@pytest.mark.parametrize(
    ("host", "parts"),
    [
        ("Example.COM:8000", ("example.com", "8000")),
        ("example.com.", ("example.com", "")),
        ("[::1]:8000", ("::1", "8000")),
        ("[::1]", ("::1", "")),
        ("127.0.0.1", ("127.0.0.1", "")),
    ],
)
def test_split_host(host: str, parts: tuple[str, str]) -> None:
    assert split_host(host) == parts


def test_default_hosts_are_loopback_the_bound_address_and_public_url(settings: Settings) -> None:
    default = allowed_hosts(settings, "10.1.2.3")
    assert host_allowed("localhost:8000", default) and host_allowed("[::1]:1", default)
    assert host_allowed("10.1.2.3:8000", default)
    assert not host_allowed("evil.example", default)
    assert not host_allowed("10.1.2.4:8000", allowed_hosts(settings, "0.0.0.0"))
    public = settings.model_copy(update={"public_url": "https://videos.example.org/base"})
    assert host_allowed("videos.example.org", allowed_hosts(public, None))


def test_configured_hosts(settings: Settings) -> None:
    listed = settings.model_copy(update={"allowed_hosts": "a.example, b.example:8443"})
    allowed = allowed_hosts(listed, "10.1.2.3")
    assert host_allowed("a.example:80", allowed) and host_allowed("b.example:8443", allowed)
    assert not host_allowed("b.example:8444", allowed)
    assert not host_allowed("10.1.2.3", allowed)  # a list replaces the bound address
    assert host_allowed("localhost", allowed)
    anything = settings.model_copy(update={"allowed_hosts": "*"})
    assert host_allowed("whatever.example", allowed_hosts(anything, None))


@pytest.mark.parametrize(
    ("method", "headers", "refused"),
    [
        ("GET", {"sec-fetch-site": "cross-site", "origin": "https://evil.example"}, False),
        ("POST", {"host": "svc:8000"}, False),  # not a browser
        ("POST", {"host": "svc:8000", "origin": "http://svc:8000"}, False),
        ("POST", {"host": "svc:8000", "sec-fetch-site": "same-origin"}, False),
        ("POST", {"host": "svc:8000", "sec-fetch-site": "same-site"}, True),
        ("POST", {"host": "svc:8000", "sec-fetch-site": "cross-site"}, True),
        ("DELETE", {"host": "svc:8000", "origin": "http://svc:8001"}, True),
        ("PUT", {"host": "svc:8000", "origin": "null"}, True),
    ],
)
def test_cross_site_writes(method: str, headers: dict[str, str], refused: bool) -> None:
    assert (cross_site(method, headers) is not None) == refused


def _connection(peer: str, forwarded: str | None) -> HTTPConnection:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return HTTPConnection({"type": "http", "headers": headers, "client": (peer, 1234)})


def test_client_address_believes_the_proxy_only_when_told() -> None:
    connection = _connection("10.0.0.9", "203.0.113.5, 198.51.100.7")
    assert client_address(connection, trust_proxy=False) == "10.0.0.9"
    assert client_address(connection, trust_proxy=True) == "198.51.100.7"
    assert client_address(_connection("10.0.0.9", None), trust_proxy=True) == "10.0.0.9"


def test_a_bad_allowed_hosts_entry_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="ALLOWED_HOSTS"):
        load_settings(allowed_hosts="good.example, bad host/")
