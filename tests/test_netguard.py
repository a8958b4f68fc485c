"""The SSRF guard: which addresses are refused, and real downloads through it from servers on
127.0.0.1 (redirects, DNS pinning, the redirect cap, schemes, webhooks)."""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from videorender.config import Settings
from videorender.errors import DownloadError, UnsafeURLError
from videorender.inputs import DownloadLimits, download
from videorender.netguard import IPAddress, NetGuard, networks, refusal
from videorender.webhooks import Delivery, WebhookSender, WebhookSendError

LOCAL = networks(["127.0.0.1/32"])  # in these tests, 127.0.0.1 plays the public internet

REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.255.255.254", "loopback"),
    ("::1", "loopback"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("10.0.0.1", "private"),
    ("172.16.5.4", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"),  # AWS/GCP/Azure metadata
    ("169.254.170.2", "link-local"),  # ECS task metadata
    ("fe80::1", "link-local"),
    ("fd00:ec2::254", "private"),  # AWS metadata over IPv6
    ("fc00::1", "private"),
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"),
    ("100.64.0.1", "not a public"),  # carrier-grade NAT
    ("192.0.2.1", "private"),  # documentation
    ("::ffff:127.0.0.1", "loopback address (inside ::ffff:7f00:1)"),
    ("::ffff:169.254.169.254", "link-local address (inside"),
    ("::ffff:10.0.0.1", "private address (inside"),
    ("2002:7f00:1::", "loopback address (inside"),  # 6to4 around 127.0.0.1
    ("2002:a9fe:a9fe::", "link-local address (inside"),  # 6to4 around 169.254.169.254
    ("64:ff9b::a9fe:a9fe", "link-local address (inside"),  # NAT64 around the metadata address
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback address (inside"),  # Teredo around 127.0.0.1
]
PUBLIC = ["93.184.215.14", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize(("address", "reason"), REFUSED)
def test_internal_addresses_are_refused(address: str, reason: str) -> None:
    found = refusal(ipaddress.ip_address(address))
    assert found is not None and reason in found, found


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


class Origin:
    """A server on 127.0.0.1 recording each request's path and Host header.

    /file: 200 with a body; /secret: what an attacker wants; /to?url=U: 302 to U;
    /loop: 302 to itself; /drip: announces 1,000 bytes, sends 30, one every 0.1 s, then hangs up."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                origin.requests.append((self.path, self.headers.get("host", "")))
                if self.path.startswith("/to?url="):
                    self._redirect(self.path.removeprefix("/to?url="))
                elif self.path == "/loop":
                    self._redirect("/loop")
                elif self.path == "/drip":
                    self.send_response(200)
                    self.send_header("content-length", "1000")
                    self.end_headers()
                    try:
                        for _ in range(30):
                            self.wfile.write(b"x")
                            self.wfile.flush()
                            time.sleep(0.1)
                    except (BrokenPipeError, ConnectionResetError):
                        pass  # the client gave up, as it should
                else:
                    body = b"secret" if self.path == "/secret" else b"media bytes"
                    self.send_response(200)
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def do_POST(self) -> None:
                self.do_GET()

            def _redirect(self, location: str) -> None:
                self.send_response(302)
                self.send_header("location", location)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def origin() -> Iterator[Origin]:
    server = Origin()
    yield server
    server.close()


def _get(url: str, dest: Path, guard: NetGuard) -> bytes:
    download(
        url, dest, limits=DownloadLimits(max_bytes=1024, timeout_s=5, guard=guard), field="url"
    )
    return dest.read_bytes()


def test_default_guard_refuses_loopback_before_connecting(origin: Origin, tmp_path: Path) -> None:
    for url in (f"{origin.url}/file", f"http://localhost:{origin.port}/file",
                f"http://[::ffff:127.0.0.1]:{origin.port}/file",
                f"http://2130706433:{origin.port}/file"):  # fmt: skip
        with pytest.raises(UnsafeURLError, match="loopback") as caught:
            _get(url, tmp_path / "out", NetGuard())
        assert caught.value.field == "url"
    assert origin.requests == []  # nothing reached the server
    assert not (tmp_path / "out").exists()


def test_allow_private_reaches_the_local_network(origin: Origin, tmp_path: Path) -> None:
    assert _get(f"{origin.url}/file", tmp_path / "out", NetGuard(allow_private=True)) == (
        b"media bytes"
    )


def test_a_server_dripping_bytes_meets_the_download_deadline(
    origin: Origin, tmp_path: Path
) -> None:
    # Every read arrives well within the read timeout, so only the whole-download deadline can
    # stop it; it must be checked as bytes arrive, not once a large chunk has filled up (then
    # the server would hang up first, and the error would be the broken connection).
    limits = DownloadLimits(
        max_bytes=2048, timeout_s=5, deadline_s=1, guard=NetGuard(allow_private=True)
    )
    with pytest.raises(DownloadError, match="took longer than 1 s"):
        download(f"{origin.url}/drip", tmp_path / "out", limits=limits, field="url")
    assert not (tmp_path / "out").exists()


def test_every_redirect_is_checked(origin: Origin, tmp_path: Path) -> None:
    guard = NetGuard(exempt=LOCAL)
    # A public origin redirecting to the same box through an IPv4-mapped address, and to the
    # cloud metadata service: both refused at the redirect, the secret never fetched.
    for target, reason in (
        (f"http://[::ffff:127.0.0.1]:{origin.port}/secret", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ):
        with pytest.raises(UnsafeURLError, match=reason):
            _get(f"{origin.url}/to?url={target}", tmp_path / "out", guard)
    assert "/secret" not in origin.paths()
    # A redirect to an allowed address is followed.
    assert _get(f"{origin.url}/to?url={origin.url}/file", tmp_path / "out", guard) == (
        b"media bytes"
    )


def test_redirects_are_capped(origin: Origin, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="more than 5 redirects"):
        _get(f"{origin.url}/loop", tmp_path / "out", NetGuard(exempt=LOCAL))
    assert origin.paths().count("/loop") == 6  # the first request and 5 redirects


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://x/"])
def test_redirect_to_another_scheme_is_refused(origin: Origin, tmp_path: Path, target: str) -> None:
    with pytest.raises(UnsafeURLError, match="only http and https"):
        _get(f"{origin.url}/to?url={target}", tmp_path / "out", NetGuard(allow_private=True))


def test_connects_to_the_checked_address_no_rebinding(origin: Origin, tmp_path: Path) -> None:
    """A name that resolves to an allowed address when checked and to the metadata service
    afterwards (DNS rebinding): the guard resolves once and connects to what it checked,
    keeping the name in the Host header."""
    answers: list[str] = []

    def rebinding(host: str, port: int) -> list[IPAddress]:
        assert host == "media.example"
        answers.append("127.0.0.1" if not answers else "169.254.169.254")
        return [ipaddress.ip_address(answers[-1])]

    guard = NetGuard(exempt=LOCAL, resolve=rebinding)
    body = _get(f"http://media.example:{origin.port}/file", tmp_path / "out", guard)
    assert body == b"media bytes"
    assert answers == ["127.0.0.1"]  # resolved once, by the guard (the system knows no such name)
    assert origin.requests == [("/file", f"media.example:{origin.port}")]


def test_a_name_with_any_internal_address_is_refused(origin: Origin, tmp_path: Path) -> None:
    def mixed(host: str, port: int) -> list[IPAddress]:
        return [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("10.0.0.7")]

    with pytest.raises(UnsafeURLError, match=r"10\.0\.0\.7 is a private address"):
        _get(f"http://media.example:{origin.port}/file", tmp_path / "out",
             NetGuard(exempt=LOCAL, resolve=mixed))  # fmt: skip
    assert origin.requests == []


def test_unresolvable_name_is_a_readable_error(tmp_path: Path) -> None:
    with pytest.raises(UnsafeURLError, match=r"could not resolve no-such-host\.invalid"):
        _get("http://no-such-host.invalid/x", tmp_path / "out", NetGuard())


def test_webhook_to_a_private_address_is_refused_but_webhook_url_is_trusted(
    origin: Origin, settings: Settings
) -> None:
    trusted = f"{origin.url}/file"
    sender = WebhookSender(settings.model_copy(update={"webhook_url": trusted}))
    try:
        with pytest.raises(WebhookSendError, match="loopback") as caught:
            sender.send(Delivery("job.video_completed", f"{origin.url}/secret", "{}"))
        assert caught.value.permanent  # no point retrying
        assert origin.requests == []
        sender.send(Delivery("job.video_completed", trusted, "{}"))  # the operator's own URL
        assert origin.paths() == ["/file"]
    finally:
        sender.close()
