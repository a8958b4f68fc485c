"""Real servers for end-to-end tests, all on 127.0.0.1: the service itself (uvicorn in a
subprocess), a webhook receiver, and a file server for the caller's media."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
SERVICE_START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    check: Callable[[], Any], *, timeout_s: float = 60, interval_s: float = 0.05, what: str = ""
) -> Any:
    """Poll `check` until it returns something truthy; fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what or check}")
        time.sleep(interval_s)


class Service:
    """The service in a subprocess: `uvicorn main:app` (or `videorender serve`)."""

    def __init__(
        self, data_dir: Path, env: dict[str, str], *, cli: bool = False, args: tuple[str, ...] = ()
    ) -> None:
        self.data_dir = data_dir
        self.env = env
        self.cli = cli
        self.args = args  # more arguments of `videorender serve` (cli=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir.parent / f"service-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.client = httpx.Client(base_url=self.url, timeout=120)

    def start(self) -> Service:
        if self.cli:
            argv = [str(Path(sys.executable).parent / "videorender"), "serve", *self.args]
        else:
            argv = [sys.executable, "-m", "uvicorn", "main:app", "--host", "127.0.0.1"]
        argv += ["--port", str(self.port)]
        env = {**os.environ, "DATA_DIR": str(self.data_dir), **self.env}
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        wait_for(self._healthy, timeout_s=SERVICE_START_TIMEOUT_S, what="the service to start")
        return self

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"service exited with {self.proc.returncode}:\n{self.log()}")
        try:
            return self.client.get("/health", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def kill(self) -> None:
        """kill -9: no shutdown code runs."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.client.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def status(self, job_id: str) -> dict[str, Any]:
        response = self.client.get(f"/status/{job_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def wait_finished(self, job_id: str, timeout_s: float = 120) -> dict[str, Any]:
        def finished() -> dict[str, Any] | None:
            body = self.status(job_id)
            return body if body["status"] in ("completed", "failed", "cancelled") else None

        result: dict[str, Any] = wait_for(finished, timeout_s=timeout_s, what=f"job {job_id}")
        return result


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data


class WebhookReceiver:
    """Records every POST; answers 503 (and records the attempt) while `down` is set."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refused: list[Received] = []
        self.down = False
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                item = Received({k.lower(): v for k, v in self.headers.items()},
                                self.rfile.read(length))  # fmt: skip
                with receiver._lock:
                    (receiver.refused if receiver.down else receiver.received).append(item)
                self.send_response(503 if receiver.down else 204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [item.json() for item in self.received]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class FileServer:
    """Serves a folder over HTTP, plus `/endless`: a body that never ends (no length)."""

    def __init__(self, root: Path) -> None:
        class Handler(SimpleHTTPRequestHandler):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, directory=str(root), **kwargs)

            def do_GET(self) -> None:
                if self.path != "/endless":
                    super().do_GET()
                    return
                self.send_response(200)
                self.send_header("content-type", "video/mp4")
                self.end_headers()
                chunk = b"\0" * 65536
                try:
                    while True:
                        self.wfile.write(chunk)
                except OSError:
                    return  # the client hung up: what the test wants

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def started(service: Service) -> Iterator[Service]:
    """Fixture body: start, yield, always stop (and show the log if the test failed)."""
    service.start()
    try:
        yield service
    finally:
        service.stop()
